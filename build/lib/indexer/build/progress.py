"""Build feedback: every stage of a build says what it is doing, so no stretch is silent.

On a terminal a stage shows a tqdm line whose elapsed time ticks twice a second even when
the work itself (a Whoosh commit, a merge) reports no progress; elsewhere (a log file, CI)
a stage prints one line when it starts and one with its duration when it ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm

TICK_SECONDS = 0.5


@contextmanager
def stage(
    description: str, *, show: bool, log: Callable[[str], None] = lambda message: None
) -> Iterator[None]:
    """Show `description` while the body runs: a ticking bar on a terminal, else log lines."""
    started = time.perf_counter()
    if not show:
        log(f"{description}…")
        yield
        log(f"{description}：完成，用时 {time.perf_counter() - started:.1f} 秒")
        return
    bar = tqdm(total=None, desc=description, bar_format="{desc}… {elapsed}", leave=False)
    done = threading.Event()

    def tick() -> None:
        while not done.wait(TICK_SECONDS):
            bar.refresh()

    ticker = threading.Thread(target=tick, name="progress-tick", daemon=True)
    ticker.start()
    try:
        yield
    finally:
        done.set()
        ticker.join()
        bar.close()
