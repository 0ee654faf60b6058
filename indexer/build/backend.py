"""Where a build's heavy parts run: reading the files, and writing each generation.

The coordinator (`steps.Steps`) decides everything in one process: what to read, how
reports are numbered, which shard each goes to. What it asks of its backend is only
where the work is done: read these files and give them back in their order, and make
a writer for this generation. `LocalBackend`, the default, reads in worker processes of
this machine (`reading.read_files`) and writes in this process
(`generation.GenerationWriter`). A Ray cluster's backend (`distributed/`) reads in Ray
tasks and writes each shard in a Ray actor, behind the same calls, so the index is the
same whichever backend built it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from indexer.build.generation import GenerationWriter
from indexer.build.reading import FileRead, ReadSettings, ReportBatch, default_workers, read_files
from indexer.index.analysis import Entry
from indexer.index.layout import IndexLayout
from indexer.index.store_rows import FileStat

Job = tuple[Path, str, str]  # (path, file key, content hash) of a file to read


class Writer(Protocol):
    """What the coordinator asks of a generation's writer (`GenerationWriter`'s calls).

    A writer elsewhere may run `add`, `set_file`, `forget_file` and `finish` after they
    return; `wait` returns once they are done (raising what failed), so every shard's
    step runs at once and the coordinator waits for them together.
    """

    layout: IndexLayout
    summary: dict[str, object]

    @property
    def indexed(self) -> set[str]: ...

    def add(self, batch: ReportBatch) -> None: ...

    def remove(self, report_ids: list[str]) -> int: ...

    def set_file(
        self, key: str, digest: str, report_ids: list[str], stat: FileStat | None = None
    ) -> None: ...

    def forget_file(self, key: str) -> None: ...

    def counts(self) -> tuple[int, int]: ...

    def finish(self, key: str) -> None: ...

    def wait(self) -> None: ...

    def seal(self, corrections: str) -> None: ...

    def close(self) -> None: ...


class Backend(Protocol):
    """Where files are read and generations written."""

    def check(self, index_root: Path, files: Sequence[Path]) -> None:
        """Fail (a `SourceError` saying what to do) if the index folder or a file is out
        of reach of where the work runs; called before anything is read or written."""
        ...

    def read_files(
        self,
        jobs: Sequence[Job],
        settings: ReadSettings,
        *,
        workers: int | None,
        log: Callable[[str], None],
    ) -> Iterator[FileRead]:
        """Each job's `FileRead`, in the jobs' order (`workers`: None for the default)."""
        ...

    def writer(
        self,
        layout: IndexLayout,
        previous: IndexLayout | None,
        entries: tuple[Entry, ...],
        *,
        whole: bool,
        optimize: bool,
        writers: int,
        build: tuple[str, str],
        dated: dict[str, tuple[str, str]],
        builder: ThreadPoolExecutor | None,
    ) -> Writer:
        """The writer of the generation at `layout` (`GenerationWriter`'s arguments;
        `writers` and `builder` may be ignored where each writer has a process of its
        own)."""
        ...


class LocalWriter(GenerationWriter):
    """A generation written in this process: a step is done when its call returns."""

    def wait(self) -> None:
        """Nothing is left running here."""


class LocalBackend:
    """This machine: worker processes read, this process writes (the default)."""

    def check(self, index_root: Path, files: Sequence[Path]) -> None:
        """This process reads and writes both: nothing is out of its reach."""

    def read_files(
        self,
        jobs: Sequence[Job],
        settings: ReadSettings,
        *,
        workers: int | None,
        log: Callable[[str], None],
    ) -> Iterator[FileRead]:
        return read_files(jobs, settings, workers=workers or default_workers(), log=log)

    def writer(
        self,
        layout: IndexLayout,
        previous: IndexLayout | None,
        entries: tuple[Entry, ...],
        *,
        whole: bool,
        optimize: bool,
        writers: int,
        build: tuple[str, str],
        dated: dict[str, tuple[str, str]],
        builder: ThreadPoolExecutor | None,
    ) -> Writer:
        return LocalWriter(
            layout,
            previous,
            entries,
            whole=whole,
            optimize=optimize,
            writers=writers,
            build=build,
            dated=dated,
            builder=builder,
        )
