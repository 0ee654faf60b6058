"""Similar passages paired across shards in a process of its own, while the build goes on.

Pairing every shard's signed passages (`similar_sign.pair_shards`) is the largest part of a
sharded update's reduce: on 3.6 M passages it took 3.4 s of an 11.8 s one-file update and
raised the coordinator from 0.73 to 1.17 GB. It needs only what the shards' "similar" step
wrote (their signatures, live masks and whole-index ordinals), so the build starts it in a
fresh interpreter (started with the update, so its imports are done by then) as soon as
that step is done: it runs beside the shards' ranking step on another core, and its memory
(half a gigabyte at that size) is its own, freed when it exits.

A fresh interpreter, not a fork: a forked child would count the coordinator's pages as its
own. The child is killed with the coordinator (`generations.die_with`), and `Pairing.wait`
raises with the child's last words when it failed, so a build never seals half a reduce.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from indexer.index import generations, similar_sign
from indexer.index.layout import IndexLayout

_STDERR_TAIL = 2_000  # characters of a failed child's error output worth repeating
# numpy asks the kernel for huge pages for every array of 4 MB or more. Where memory is
# touched for the first time, as in this short-lived process, a huge page can cost a
# compaction or the hypervisor's fault: on this project's VMs a 40 MB array took 0.3-0.4 s
# to fill the first time, 25-35 ms with small pages; pairing the 10× index's shards took
# 2.7 s (5.3 s cold) with huge pages, 2.1 s without. numpy's documented switch, read when
# numpy is imported.
_SMALL_PAGES = {"NUMPY_MADVISE_HUGEPAGE": "0"}


class Pairing:
    """The pairing of shards' similar passages in a child process: started at once, so
    that it has imported what it needs (0.35 s) by the time `start` gives it the task."""

    def __init__(self) -> None:
        package_root = str(Path(__file__).resolve().parents[2])  # where `indexer` is
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p
        ), **_SMALL_PAGES}  # fmt: skip
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115  # closed by wait or cancel
        self._child = subprocess.Popen(
            [sys.executable, "-m", __name__, str(os.getpid())],
            stdin=subprocess.PIPE,
            stderr=self._errors,
            env=env,
        )

    def start(
        self, folder: Path, shards: list[IndexLayout], space: int, previous: Path | None
    ) -> None:
        """Pair `shards`' signed passages into `folder`; `space` is the whole index's
        passage ordinal space (its next passage ordinal); `previous` the folder of the
        pairing before (`similar_sign.pair_shards`)."""
        task = {
            "folder": str(folder),
            "shards": [str(s.root) for s in shards],
            "space": space,
            "previous": str(previous) if previous is not None else None,
        }
        assert self._child.stdin is not None
        try:
            self._child.stdin.write(json.dumps(task).encode())
            self._child.stdin.close()
        except BrokenPipeError:
            pass  # the child died: `wait` says why

    def wait(self) -> None:
        """Wait for the pairing; raise RuntimeError saying why when it failed."""
        code = self._child.wait()
        self._errors.seek(0)
        said = self._errors.read().decode("utf-8", "replace")[-_STDERR_TAIL:]
        self._errors.close()
        if code != 0:
            raise RuntimeError(f"跨分片配对相近段落的进程失败（退出码 {code}）：\n{said}")

    def cancel(self) -> None:
        """Stop the child, paired or not (an update that failed, or needed no pairing)."""
        if self._child.poll() is None:
            self._child.kill()
        self._child.wait()
        if self._child.stdin is not None and not self._child.stdin.closed:
            self._child.stdin.close()
        self._errors.close()


def _main(parent: int) -> None:
    generations.die_with(parent)
    given = sys.stdin.buffer.read()  # until the build starts the pairing, or cancels it
    if not given:
        return
    task = json.loads(given)
    generations.fault_point("pairing")  # tests make the child fail or linger here
    shards = [IndexLayout(Path(root)) for root in task["shards"]]
    previous = Path(task["previous"]) if task["previous"] else None
    similar_sign.pair_shards(Path(task["folder"]), shards, int(task["space"]), previous)


if __name__ == "__main__":
    _main(int(sys.argv[1]))
