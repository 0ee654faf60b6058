"""Results handed from worker processes to the build's process in files they append to.

A worker appends each result, pickled, to a file of its own and sends back only where it
is (`Place`); the build's process reads it there when it wants it. Through the pipe, a
worker would wait for the build's process to take each result instead of reading on.

A file per result did that too, but creating one and removing it cost 0.4-0.8 ms of CPU
each on this machine's ext4 (a 2-worker build of the laws corpus spent 1.3 s of its
36 in the workers' `open` alone); appending costs about 0.01 ms. A worker starts a new
file past `PART_BYTES`, and the build's process removes a file once it reads from the
worker's next one, so the spool holds about one file per worker, not the whole build's.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

PART_BYTES = 64 << 20


@dataclass(frozen=True)
class Place:
    """Where a result lies: `size` bytes at `offset` in part `part` of `worker`'s file."""

    worker: int  # the worker's process id
    part: int
    offset: int
    size: int

    @property
    def name(self) -> str:
        return _part_name(self.worker, self.part)


def _part_name(worker: int, part: int) -> str:
    return f"{worker}-{part}.pickle"


class SpoolWriter:
    """A worker's end: appends results to its own files in `folder`."""

    def __init__(self, folder: Path, part_bytes: int = PART_BYTES) -> None:
        self.folder, self.part_bytes = folder, part_bytes
        self._worker, self._part = os.getpid(), -1
        self._file: IO[bytes] | None = None

    def put(self, value: object) -> Place:
        """Append `value`; where it is, once it can be read from another process."""
        if self._file is None or self._file.tell() >= self.part_bytes:
            self._next_part()
        assert self._file is not None
        offset = self._file.tell()
        pickle.dump(value, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._file.flush()  # into the page cache, which the reading process shares
        return Place(self._worker, self._part, offset, self._file.tell() - offset)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _next_part(self) -> None:
        self.close()
        self._part += 1
        # Open across puts, until the next part (or `close`): a worker's last stays open
        # until its process ends, every result flushed.
        self._file = open(self.folder / _part_name(self._worker, self._part), "xb")  # noqa: SIM115


class SpoolReader:
    """The build's end: takes results at their places, each worker's in the order they
    were put (a worker's jobs run in increasing order, and are taken in that order), so
    a worker's file is read through once a place in its next one comes. A context
    manager: leaving it closes the files still open."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._reading: dict[int, tuple[int, int]] = {}  # worker: (part, descriptor)

    def __enter__(self) -> SpoolReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for _, descriptor in self._reading.values():
            os.close(descriptor)
        self._reading = {}

    def take(self, place: Place) -> Any:
        """The result at `place`."""
        data = os.pread(self._descriptor(place), place.size, place.offset)
        if len(data) != place.size:
            raise OSError(f"spool file {self.folder / place.name} ends before its result")
        return pickle.loads(data)

    def _descriptor(self, place: Place) -> int:
        reading = self._reading.get(place.worker)
        if reading is not None and reading[0] == place.part:
            return reading[1]
        if reading is not None:  # read through: its results are taken
            os.close(reading[1])
            (self.folder / _part_name(place.worker, reading[0])).unlink()
        descriptor = os.open(self.folder / place.name, os.O_RDONLY)
        self._reading[place.worker] = (place.part, descriptor)
        return descriptor
