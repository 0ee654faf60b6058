"""The build's heap while it reads: freed arrays kept for reuse, given back after
(`indexer/build/heap.py`)."""

from __future__ import annotations

import resource
import threading

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


def test_a_thread_started_inside_the_block_keeps_its_freed_arrays_too():
    """The literal batches are built on a thread: glibc gives a thread an arena of its own,
    which gives an emptied 64 MB heap back at once, whatever the trim threshold."""
    found: dict[str, int] = {}

    def fill_twice() -> None:
        found["kept"] = _freed_at_top()
        found["again"] = _freed_at_top()

    with heap.freed_memory_kept():
        thread = threading.Thread(target=fill_twice)
        thread.start()
        thread.join()
    assert found["kept"] > ARRAYS * ARRAY * 0.9
    assert found["again"] < ARRAY / 10
