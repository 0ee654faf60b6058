"""The C library's heap while a build reads: freed arrays kept for reuse, then given back.

Reading makes the same large transient arrays over and over: each literal batch sorts
~40 bytes a character (80 MB for 2 M characters) in arrays of a few to 30 MB, and every
million word postings are sorted into a run. glibc gives such a freed array back to the
system (`munmap`, or by trimming the heap's top), so the next one is fresh memory that
the kernel zeroes page by page. Keeping freed memory for reuse (`mallopt`) took the
literal thread's system time over the laws corpus from 1.9 s to 1.1 s (five 2-worker
builds each), and building the ten batches alone from 0.66 to 0.08 s. That thread shares
the two cores with the reading workers, so its time is build time.

Once reading is done the freed memory is given back (`malloc_trim`, after a collection)
and the heap is trimmed as glibc trims it once its own thresholds have grown: the steps
after reading would otherwise peak on top of what reading kept. Peaks over the laws
corpus, four 2-worker builds each way: the build's process 450-463 MB (413-453 before),
the reading workers, which inherit the setting, 138 MB (135), and the word segment's
writers, forked after reading, 297-305 MB (251-266): more of what they free lies inside
the heap. Elsewhere than glibc (no `mallopt`) nothing changes.
"""

from __future__ import annotations

import ctypes
import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# mallopt(3)'s parameters, and glibc's ceiling for the mmap threshold on 64-bit systems
# (DEFAULT_MMAP_THRESHOLD_MAX): arrays up to it come from the heap and are reused there.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD_MAX = 32 * 1024 * 1024
NEVER_TRIM = 2**31 - 1
# What glibc's own thresholds reach once arrays of 32 MB have been freed: the mmap threshold
# at its ceiling, the trim threshold at twice that. Once set they no longer adjust, so the
# steps after reading allocate as they did once glibc's had grown (similar passages and
# ranking: 2.6-2.9 s before, 2.5-2.6 s after, two 2-worker builds each in turns).
TRIM_AFTER = 2 * MMAP_THRESHOLD_MAX


def _glibc() -> ctypes.CDLL | None:
    """The process's C library if it has glibc's `mallopt` and `malloc_trim`."""
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt, libc.malloc_trim  # noqa: B018  # glibc's, or AttributeError
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _glibc()
_keeping = 0  # blocks of `freed_memory_kept` open in this process (builds in threads)
_lock = threading.Lock()


@contextmanager
def freed_memory_kept() -> Iterator[None]:
    """Keep freed memory for reuse inside the block; give it back when the block ends,
    however it ends."""
    global _keeping
    libc = _LIBC
    with _lock:
        _keeping += 1
        if libc is not None:
            libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX)
            libc.mallopt(M_TRIM_THRESHOLD, NEVER_TRIM)
    try:
        yield
    finally:
        gc.collect()
        with _lock:
            _keeping -= 1
            if libc is not None and not _keeping:
                libc.mallopt(M_TRIM_THRESHOLD, TRIM_AFTER)
                libc.malloc_trim(0)


def threads_share_the_main_arena() -> None:
    """For a process that builds and exits (the command line's): every thread that makes
    its first allocation from now on takes glibc's main arena, whose freed memory
    `freed_memory_kept` keeps.

    glibc gives a thread an arena of its own (up to 8 per core), and such an arena gives
    each of its 64 MB heaps back to the system as soon as it empties, whatever the trim
    threshold: the literal batches, built on a thread, caused 95,000 page faults over the
    laws corpus, 48,000-57,000 in the main arena, and took 1.56-1.63 s to build instead
    of 1.27-1.35 s. Not for a process that lives on: glibc fixes its limit of arenas the
    first time it needs another, for the process's life, and one that has had threads
    may have fixed it already (the library's `build_index` leaves it alone).
    """
    if _LIBC is not None:
        _LIBC.mallopt(M_ARENA_MAX, 1)
