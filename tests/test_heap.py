"""The build's heap while it reads: freed arrays kept for reuse, given back after
(`indexer/build/heap.py`)."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from indexer.build import heap

pytestmark = pytest.mark.skipif(heap._LIBC is None, reason="glibc's mallopt is not here")

MB = 1024 * 1024
ARRAY = 30 * MB  # under the mmap threshold kept (32 MB): from the heap
ARRAYS = 3  # 90 MB freed at the heap's top: above the trim threshold given back (64 MB)


def _resident() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def _freed_at_top() -> int:
    """Fill arrays (touching every page), free them, and return how much of them stays
    resident."""
    before = _resident()
    arrays = [np.ones(ARRAY, np.uint8) for _ in range(ARRAYS)]
    del arrays
    return _resident() - before


def test_freed_arrays_stay_for_reuse_inside_the_block_and_are_given_back_after_it():
    with heap.freed_memory_kept():
        start = _resident()
        kept = _freed_at_top()
        again = _freed_at_top()  # the same memory again: nothing new resident
    after = _resident()
    assert kept > ARRAYS * ARRAY * 0.9
    assert again < ARRAY / 10
    assert after - start < ARRAY / 2


def test_the_block_gives_memory_back_when_what_it_holds_fails():
    with pytest.raises(RuntimeError), heap.freed_memory_kept():
        start = _resident()
        assert _freed_at_top() > ARRAYS * ARRAY * 0.9
        raise RuntimeError("reading failed")
    assert _resident() - start < ARRAY / 2


_IN_A_THREAD = """
import sys, threading
from indexer.build import heap
from tests.test_heap import _freed_at_top
if sys.argv[1] == "shared":
    heap.threads_share_the_main_arena()
found = {}
def fill_twice():
    found["kept"] = _freed_at_top()
    found["again"] = _freed_at_top()
with heap.freed_memory_kept():
    thread = threading.Thread(target=fill_twice)
    thread.start()
    thread.join()
print(found["kept"], found["again"])
"""


def _in_a_fresh_thread(arena: str) -> tuple[int, int]:
    """What a thread started inside the block keeps of its freed arrays, and how much it
    makes resident filling them again: in a fresh interpreter, as a build's command has
    (glibc fixes its arena limit once, for the process's life)."""
    done = subprocess.run(
        [sys.executable, "-c", _IN_A_THREAD, arena],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    kept, again = map(int, done.stdout.split())
    return kept, again


def test_threads_in_the_main_arena_keep_their_freed_arrays_too():
    """The literal batches are built on a thread: glibc gives a thread an arena of its own,
    which gives an emptied 64 MB heap back at once, whatever the trim threshold."""
    kept, again = _in_a_fresh_thread("shared")
    assert kept > ARRAYS * ARRAY * 0.9
    assert again < ARRAY / 10
    kept, _ = _in_a_fresh_thread("own")
    assert kept < ARRAYS * ARRAY * 0.9, "an arena of its own gives an emptied heap back"
