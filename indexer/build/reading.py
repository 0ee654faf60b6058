"""Reading files in worker processes: every core parses and counts words while one writes.

A build's files are independent until they are stored: reading one (decode, clean, split,
structure, describe, identify), applying the corrections and counting each report's words
for the word index (`CountedWordsField.word_counts`, the very counts Whoosh's writer would
take) happen in `workers` processes, a file each. The build's own process takes the results
back in file order, so ordinals, ids and the word index's document numbers are what one
process gives, whatever the number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from indexer.index.analysis import Entry
from indexer.index.word_fields import CountedWordsField
from indexer.ingest import ingest_path
from indexer.ingest.corrections import Correction, apply_corrections
from indexer.ingest.s1_names import readable
from indexer.ingest.s1_ocr import OcrSession, using
from indexer.models import Report, Skipped

Counts = list[tuple[str, int]]  # a field value's (word, occurrences)


@dataclass
class CountedReport:
    """A report and the word counts of its title and of each of its passages."""

    report: Report
    title: Counts
    passages: list[Counts]


@dataclass
class FileRead:
    """What reading one file gave: its reports (or an archive's members'), or why not."""

    path: Path
    key: str
    digest: str
    reports: list[CountedReport] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    read: int = 0  # files read: 1, or an archive's members read
    ocr_pages: int = 0
    ocr_cached: int = 0


@dataclass(frozen=True)
class ReadSettings:
    """What every worker needs to read a file the way the build's own process would."""

    sources: Sequence[str | Path]
    entries: tuple[Entry, ...]
    corrections: tuple[Correction, ...]
    ocr_cache: Path | None
    progress: bool


_settings: ReadSettings | None = None
_counter: CountedWordsField | None = None
_log: Callable[[str], None] = print


def _start(settings: ReadSettings, log: Callable[[str], None]) -> None:
    """Set a worker up (or the build's process, reading alone)."""
    global _settings, _counter, _log
    _settings, _log = settings, log
    _counter = CountedWordsField(settings.entries)


def read_file(job: tuple[Path, str, str]) -> FileRead:
    """Read one file the build found new or changed; never raises for what it holds."""
    assert _settings is not None and _counter is not None, "_start sets the worker up"
    path, key, digest = job
    result = FileRead(path, key, digest)
    ocr = OcrSession(_settings.ocr_cache, show=_settings.progress, log=_log)
    ocr.name = readable(path.name)
    with using(ocr):
        for item in ingest_path(path, _settings.sources):
            if isinstance(item, Skipped):
                result.skipped.append(item)
                continue
            if _settings.corrections:
                apply_corrections(item, list(_settings.corrections))
            result.read += 1
            result.reports.extend(_counted(report, _counter) for report in item)
    result.ocr_pages, result.ocr_cached = ocr.pages_recognised, ocr.files_from_cache
    return result


def _counted(report: Report, counter: CountedWordsField) -> CountedReport:
    return CountedReport(
        report,
        counter.word_counts(report.metadata.title) if report.metadata.title else [],
        [counter.word_counts(passage.text) for passage in report.passages],
    )


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def read_files(
    jobs: Sequence[tuple[Path, str, str]],
    settings: ReadSettings,
    *,
    workers: int,
    log: Callable[[str], None],
) -> Iterator[FileRead]:
    """Yield each job's `FileRead` in the jobs' order, read by `workers` processes.

    One worker, or one file, reads in this process (no pool to start). Workers are forked
    (they share the dictionary and the code already loaded) and die with the build.
    """
    if workers <= 1 or len(jobs) <= 1:
        _start(settings, log)
        yield from map(read_file, jobs)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_start, initargs=(settings, log)) as pool:
        # Small chunks keep the order cheap to restore and the workers evenly busy.
        yield from pool.imap(read_file, jobs, chunksize=4)
