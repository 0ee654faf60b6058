"""Reading files in worker processes: every core parses and counts words while one writes.

A build's files are independent until they are stored: reading one (decode, clean, split,
structure, describe, identify), applying the corrections and counting each report's words
for the word index (`CountedWordsField.word_counts`, the very counts Whoosh's writer would
take) happen in `workers` processes, a file each. The build's own process takes the results
back in file order, so ordinals, ids and the word index's document numbers are what one
process gives, whatever the number of workers.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from indexer.build.forked import OrderedWorkers, WorkerFailed
from indexer.build.spool import Place, SpoolReader, SpoolWriter
from indexer.errors import SourceError
from indexer.index.analysis import Entry
from indexer.index.store_rows import StoredReport
from indexer.index.word_counts import CountedBlock, Lexicon
from indexer.index.word_fields import CountedWordsField
from indexer.ingest import ingest_path
from indexer.ingest.corrections import Correction, apply_corrections
from indexer.ingest.s1_names import readable
from indexer.ingest.s1_ocr import OcrSession, using
from indexer.models import Report, Skipped
from indexer.normalize import fold

# What each worker keeps in hand, in bytes of files to read (each file counting a little
# more): about half a second of reading, so workers read on while the build's process is
# away sorting its word postings (0.1-0.2 s every few hundred files). Four files in hand
# left both workers of a 2-worker build idle 0.87 s each over the laws corpus.
READ_AHEAD_BYTES = 1_000_000
FILE_OVERHEAD_BYTES = 16_384


@dataclass
class FileRead:
    """What reading one file gave: its reports (or an archive's members'), or why not.

    With the reports come their words, counted as blocks (`CountedBlock`) of one document
    per passage, per report title and per distinct section path, and each passage's folded
    text: everything the build's process would otherwise compute per passage is computed
    in a worker, and that process only stores, numbers and adds.
    """

    path: Path
    key: str
    digest: str
    reports: list[StoredReport] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    read: int = 0  # files read: 1, or an archive's members read
    ocr_pages: int = 0
    ocr_cached: int = 0
    content: CountedBlock | None = None  # a document per passage, reports in order
    titles: CountedBlock | None = None  # a document per report
    section_paths: list[str] = field(default_factory=list)
    sections: CountedBlock | None = None  # a document per section path above
    folded: list[str] = field(default_factory=list)  # each passage's `fold`
    # The blocks' words: numbered in the lexicon of the worker that read the file (its
    # token), of which `new_words` are new since its previous file; or ("") each block's.
    words_of: str = ""
    new_words: list[str] = field(default_factory=list)

    def __getstate__(self) -> dict[str, object]:
        # The path as a string: pickled as a path, it took the build's process 0.1 s per
        # thousand files to unpickle (its parts joined and parsed again), as a string 6 ms.
        return {**self.__dict__, "path": str(self.path)}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state, path=Path(str(state["path"])))

    def batch(
        self, places: Sequence[int], global_reports: list[int], global_firsts: list[int]
    ) -> ReportBatch:
        """The reports at `places` (in the file), with their words, for one generation."""
        assert self.content and self.titles and self.sections, "workers count every file"
        if list(places) == list(range(len(self.reports))):  # the whole file: no selection
            content, titles, folded = self.content, self.titles, self.folded
        else:
            sizes = (len(r.passages) for r in self.reports)
            firsts = list(itertools.accumulate(sizes, initial=0))
            passages = [n for place in places for n in range(firsts[place], firsts[place + 1])]
            content, titles = self.content.select(passages), self.titles.select(places)
            folded = [self.folded[n] for n in passages]
        return ReportBatch(
            reports=[self.reports[place] for place in places],
            global_reports=global_reports,
            global_firsts=global_firsts,
            content=content,
            titles=titles,
            section_paths=self.section_paths,
            sections=self.sections,
            folded=folded,
        )


@dataclass
class ReportBatch:
    """Reports to add to one generation, words counted: a file's, or its reports that go
    to one shard. Each report comes with its ordinal and its first passage's across the
    whole index (the coordinator's); `content` holds a document per passage in order,
    `titles` one per report, `sections` one per path of `section_paths` (a superset)."""

    reports: list[StoredReport]
    global_reports: list[int]
    global_firsts: list[int]
    content: CountedBlock
    titles: CountedBlock
    section_paths: list[str]
    sections: CountedBlock
    folded: list[str]


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
_lexicon: Lexicon | None = None  # None: each block lists its own words
_log: Callable[[str], None] = print
_spool: SpoolWriter | None = None  # a worker's, once it has read a file


def _start(settings: ReadSettings, log: Callable[[str], None], numbered: bool = False) -> None:
    """Set a worker up (or the build's process, reading alone); `numbered`: its results
    are taken in the order it makes them, so words are numbered once (`word_counts`)."""
    global _settings, _counter, _lexicon, _log
    _settings, _log = settings, log
    _counter = CountedWordsField(settings.entries)
    _lexicon = Lexicon() if numbered else None


def read_file(job: tuple[Path, str, str]) -> FileRead:
    """Read one file the build found new or changed; never raises for what it holds."""
    assert _settings is not None and _counter is not None, "_start sets the worker up"
    path, key, digest = job
    result = FileRead(path, key, digest)
    reports: list[Report] = []
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
            reports.extend(item)
    result.ocr_pages, result.ocr_cached = ocr.pages_recognised, ocr.files_from_cache
    _count(result, reports, _counter, _lexicon)
    result.reports = [StoredReport.of(report) for report in reports]
    return result


def read_in_any_worker(settings: ReadSettings, job: tuple[Path, str, str]) -> FileRead:
    """Read one file in a worker process this module did not start (a Ray task's), set
    up with `settings` on its first file; `read_file` otherwise."""
    if _settings != settings:
        _start(settings, _quiet)
    return read_file(job)


def _quiet(message: str) -> None:
    """A worker elsewhere says nothing: its output is no terminal's."""


def _count(
    result: FileRead, reports: list[Report], counter: CountedWordsField, lexicon: Lexicon | None
) -> None:
    """Count the words of the file's passages, titles and section paths; fold passages."""
    passages = [passage for report in reports for passage in report.passages]
    words = counter.word_counts
    result.content = CountedBlock.of((words(p.text) for p in passages), lexicon)
    result.titles = CountedBlock.of((words(r.metadata.title) for r in reports), lexicon)
    result.section_paths = list(dict.fromkeys(p.section_path for p in passages))
    result.sections = CountedBlock.of((words(s) for s in result.section_paths), lexicon)
    result.folded = [fold(p.text) for p in passages]
    if lexicon is not None:
        result.words_of, result.new_words = lexicon.token, lexicon.take_new()


def _adopted(result: FileRead, lexicon: Lexicon) -> FileRead:
    """The result with its blocks renumbered in the build's lexicon (`Lexicon.adopt`)."""
    if result.words_of:
        blocks = [b for b in (result.content, result.titles, result.sections) if b is not None]
        lexicon.adopt(result.words_of, result.new_words, blocks)
        result.new_words = []
    return result


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
    lexicon = Lexicon()  # every word once, whichever worker met it first
    if workers <= 1 or len(jobs) <= 1:
        _start(settings, log, numbered=True)
        for job in jobs:
            yield _adopted(read_file(job), lexicon)
        return
    with (
        tempfile.TemporaryDirectory(prefix="report-search-read-") as spool,
        SpoolReader(Path(spool)) as taken,
        OrderedWorkers(
            _read_to_spool,
            workers,
            initializer=_start,
            initargs=(settings, log, True),
            ahead=READ_AHEAD_BYTES,
            weight=_bytes_to_read,
        ) as pool,
    ):
        try:
            for place in pool.map([(job, taken.folder) for job in jobs]):
                # In each worker's order: the files' order.
                yield _adopted(taken.take(place), lexicon)
        except WorkerFailed as failure:
            if failure.exitcode is None:  # an error that did not pickle: its traceback
                raise
            raise _worker_stopped(failure) from failure


def _bytes_to_read(job_and_spool: tuple[tuple[Path, str, str], Path]) -> int:
    """A job's weight in a worker's hand: its file's size, and a little for any file."""
    try:
        size = job_and_spool[0][0].stat().st_size
    except OSError:  # gone since the scan: the worker says so when it reads it
        size = 0
    return size + FILE_OVERHEAD_BYTES


def _worker_stopped(failure: WorkerFailed) -> SourceError:
    """A worker killed (memory, a signal) or crashed in native code by the file it was
    reading: the first in its hand, as it reads them in order (the others it had not
    begun). The user is told which, and that the index served is unchanged."""
    ((path, _, _), _), *waiting = failure.jobs
    also = f"（它手上另有 {len(waiting)} 个文件还没开始读）" if waiting else ""
    stopped = f"读取文件的进程意外退出（退出码 {failure.exitcode}）"
    return SourceError(
        f"{stopped}，当时在读：{readable(path.name)}{also}",
        hint="正在使用的索引没有改动；可先移开这个文件再建，或用 --workers 1 查看详情",
    )


def _read_to_spool(job_and_spool: tuple[tuple[Path, str, str], Path]) -> Place:
    """Read a file in a worker and leave the result in the spool (`spool.py`), not in
    the pipe: the build's process reads the pipe only when it wants its next result, so
    a worker sending a whole result through it would wait for that instead of reading on."""
    global _spool
    job, folder = job_and_spool
    result = read_file(job)
    if _spool is None or _spool.folder != folder:  # this build's first file here
        _spool = SpoolWriter(folder)
    return _spool.put(result)
