"""Build or update an index folder from source files: store, literal index, Whoosh index.

Every build writes a new numbered generation beside the current one and publishes it by
replacing the `CURRENT` pointer in one atomic rename (`generations.py`), so a failed or
killed build never leaves a half index and a running web app keeps answering from the old
generation until it opens the new one.

A build is incremental: the index mirrors the given sources. Files whose content hash is
unchanged are not read again and their reports keep their ordinals; new and changed files
are read and their reports added; reports no longer in any given file are removed. The
unchanged parts of the previous generation are hard-linked, not copied (the store, one
SQLite file written in place, is copied). New passages are written in batches, each
batch one literal segment, so memory does not grow with the corpus.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType

import numpy as np
from tqdm import tqdm

from . import generations, similar_sign
from .analysis import DEFAULT_DICTIONARY, Entry, read_dictionary
from .build_summary import BuildSummary, skipped_lines
from .build_writers import (
    BATCH_CHARACTERS,
    LiteralBatch,
    RankingArrays,
    compatible,
    corrections_fingerprint,
    index_entries,
    merge_literal,
    ranking_meta,
)
from .corrections import Correction, apply_corrections
from .errors import SourceError
from .generations import fault_point
from .ingest import ingest_path
from .ingest.s1_names import readable, storable
from .ingest.s1_ocr import OcrSession, prune_cache, using
from .ingest.s1_read import SUPPORTED_LIST, iter_source_files
from .layout import IndexLayout, looks_like_index, ocr_cache
from .literal import link_segments, read_segment_list, write_segment_list
from .models import Report, Skipped
from .progress import stage
from .schema import ID_MASK, PASSAGE, REPORT
from .store import ReportStore, StoreWriter
from .word_index import WordWriter, link_whoosh, write_prescored, write_ranking_tables

__all__ = ["BATCH_CHARACTERS", "BuildSummary", "build_index", "optimize_index", "remove_sources"]

# Below this many bytes of files to read, a second writer process costs more than it saves.
MULTIPROCESS_BYTES = 3_000_000


def load_dictionaries(extra: Sequence[Path] = ()) -> tuple[Entry, ...]:
    """Read the bundled domain dictionary and any user dictionaries, in that order."""
    entries: list[Entry] = list(read_dictionary(DEFAULT_DICTIONARY))
    for path in extra:
        entries.extend(read_dictionary(Path(path)))
    return tuple(entries)


def build_index(
    sources: Sequence[str | Path],
    index_dir: str | Path,
    *,
    dictionaries: Sequence[Path] = (),
    progress: bool = False,
    processes: int | None = None,
    log: Callable[[str], None] = lambda message: None,
    incremental: bool = True,
    wait: bool = False,
    corrections: Sequence[Correction] = (),
) -> BuildSummary:
    """Make the index in `index_dir` hold exactly the reports of `sources` (files, folders).

    Updates the current generation when there is one (`incremental=False` rebuilds all).
    Raises SourceError when no report would be left; files that cannot be read are
    skipped and listed in the summary, and the rest is stored. Raises BuildLockedError
    when another build holds the folder, unless `wait`. `corrections` override extracted
    metadata; a change of corrections rebuilds everything.
    """
    index_dir = Path(index_dir)
    _refuse_foreign_folder(index_dir)
    found = list(iter_source_files(sources))
    files = [item for item in found if isinstance(item, Path)]
    with _Update(index_dir, dictionaries, progress, processes, log, wait) as update:
        update.corrections = list(corrections)
        update.sources = sources  # reports name their file relative to its SOURCE
        update.summary.skipped.extend(item for item in found if isinstance(item, Skipped))
        return update.run(files, drop=None, fresh=not incremental)


def remove_sources(
    sources: Sequence[str | Path],
    index_dir: str | Path,
    *,
    log: Callable[[str], None] = lambda message: None,
    wait: bool = False,
) -> BuildSummary:
    """Remove the reports of the given files (or of every file under given folders)."""
    index_dir = Path(index_dir)
    targets = [storable(Path(s).resolve()) for s in sources]
    with _Update(index_dir, (), False, 1, log, wait) as update:
        if update.previous is None:
            raise SourceError(f"{index_dir} 里没有索引", hint="先运行 python -m indexer build")
        return update.run([], drop=targets, fresh=False)


def optimize_index(
    index_dir: str | Path,
    *,
    log: Callable[[str], None] = lambda message: None,
    wait: bool = False,
) -> BuildSummary:
    """Merge every literal and Whoosh segment into one and drop removed passages' postings."""
    index_dir = Path(index_dir)
    with _Update(index_dir, (), False, 1, log, wait) as update:
        if update.previous is None:
            raise SourceError(f"{index_dir} 里没有索引", hint="先运行 python -m indexer build")
        return update.run([], drop=[], fresh=False, optimize=True)


def _file_key(path: Path) -> str:
    return storable(path.resolve())  # a GBK name is no valid UTF-8 for SQLite


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class _Update:
    """One build under the folder's lock: a new generation from the current one."""

    def __init__(
        self,
        index_dir: Path,
        dictionaries: Sequence[Path],
        progress: bool,
        processes: int | None,
        log: Callable[[str], None],
        wait: bool,
    ) -> None:
        # A symlinked --index stays a symlink: generations are written inside its target.
        self.root = index_dir.resolve()
        self.summary = BuildSummary(index_dir=index_dir)
        self.dictionaries = dictionaries
        self.progress = progress
        self.processes = processes
        self.log = log
        self.wait = wait
        self.corrections: list[Correction] = []
        self.sources: Sequence[str | Path] = ()
        self._lock = generations.build_lock(self.root, wait=wait)

    def __enter__(self) -> _Update:
        generations.make_children_die_with_parent()
        self._lock.__enter__()
        generations.clean_up(self.root)
        fault_point("locked")
        self.previous = IndexLayout.current(self.root)
        if self.previous is not None and not self.previous.is_complete():
            self.previous = None
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._lock.__exit__(kind, error, trace)

    # the update ---------------------------------------------------------------------

    def run(
        self,
        files: list[Path],
        *,
        drop: list[str] | None,
        fresh: bool,
        optimize: bool = False,
    ) -> BuildSummary:
        started = time.perf_counter()
        summary = self.summary
        entries = load_dictionaries(self.dictionaries)
        previous = self.previous
        fingerprint = corrections_fingerprint(self.corrections)
        if previous is not None and drop is not None:
            # remove/optimize keep the dictionary and corrections the index was built with
            entries = index_entries(previous)
            fingerprint = ranking_meta(previous).get("corrections", "")
        if previous is None or fresh or not compatible(previous, entries, fingerprint):
            previous = None
        self.fingerprint = fingerprint
        name = generations.next_generation(self.root)
        layout = IndexLayout(self.root / name)
        layout.root.mkdir()
        summary.generation = name
        try:
            self._write(layout, previous, entries, files, drop, optimize)
            fault_point("before-publish")
            with stage("启用新索引", show=self.progress, log=self.log):
                generations.fsync_tree(layout.root)
                generations.publish(self.root, name, layout.build_id.read_text().strip())
        except BaseException:
            shutil.rmtree(layout.root, ignore_errors=True)
            raise
        generations.clean_up(self.root)
        prune_cache(ocr_cache(self.root), self.indexed)  # keeps entries of files indexed
        fault_point("after-cleanup")
        summary.seconds["total"] = time.perf_counter() - started
        return summary

    def _write(
        self,
        layout: IndexLayout,
        previous: IndexLayout | None,
        entries: tuple[Entry, ...],
        files: list[Path],
        drop: list[str] | None,
        optimize: bool,
    ) -> None:
        summary, log = self.summary, self.log

        def step(description: str) -> AbstractContextManager[None]:
            return stage(description, show=self.progress, log=log)

        clock = time.perf_counter()
        if previous is None:
            store = StoreWriter(layout.store, fresh=True)
        else:
            shutil.copyfile(previous.store, layout.store)
            store = StoreWriter(layout.store, fresh=False)
        known = store.files()
        with step("比对文件"):
            to_read, current = self._scan(files, known, drop)
        summary.seconds["scan"] = time.perf_counter() - clock

        ranking = RankingArrays.load(previous)
        literal_names = read_segment_list(previous.literal) if previous else []
        if previous is not None:
            link_segments(previous.literal, layout.literal, literal_names)
            link_whoosh(previous.whoosh, layout.whoosh)
        bytes_to_read = sum(path.stat().st_size for path, _, _ in to_read if path.exists())
        processes = self.processes
        if processes is None:
            processes = 2 if previous is None and bytes_to_read >= MULTIPROCESS_BYTES else 1
        words = WordWriter(layout.whoosh, entries, fresh=previous is None, processes=processes)
        batch = LiteralBatch(layout)
        try:
            clock = time.perf_counter()
            log("读取文件并建立索引…")
            existing = store.report_ids()
            seen: set[str] = set()
            bar = tqdm(
                to_read, desc="读取文件", unit="file", disable=not self.progress, leave=False
            )
            ocr = OcrSession(ocr_cache(self.root), show=self.progress, log=log)
            for path, key, digest in bar:
                ids: list[str] = []
                read = False
                ocr.name = readable(path.name)
                # One item per file, or per member of an archive; never raises for a file.
                # A scan's OCR is cached by hash and shows progress per page.
                with using(ocr):
                    for reports in ingest_path(path, self.sources):
                        if isinstance(reports, Skipped):
                            summary.skipped.append(reports)
                            continue
                        if self.corrections:
                            apply_corrections(reports, self.corrections)
                        summary.files_read += 1
                        read = True
                        for report in reports:
                            ids.append(report.report_id)
                            # The same report in two files (a copy) is stored once.
                            if report.report_id in seen:
                                summary.duplicates.append(
                                    (report.source, report.position, report.report_id)
                                )
                                continue
                            seen.add(report.report_id)
                            if report.report_id in existing:
                                continue  # unchanged report in a changed file: keeps its ordinal
                            self._add(report, store, words, ranking, batch)
                if read:  # an archive of which nothing was read is skipped, as a file is
                    current[key] = ids
                    store.set_file(key, digest, ids)
            summary.ocr_pages, summary.ocr_cached = ocr.pages_recognised, ocr.files_from_cache
            batch.flush(literal_names)
            summary.seconds["read+index"] = time.perf_counter() - clock
            fault_point("after-add")

            clock = time.perf_counter()
            wanted = {report_id for ids in current.values() for report_id in ids}
            for key in known:
                if key not in current:
                    store.forget_file(key)
                    summary.files_removed += 1
            removed_ordinals: list[int] = []
            removed_reports: list[int] = []
            for report_id in sorted(existing - wanted):
                found = store.remove(report_id)
                if found is not None:
                    summary.reports_removed += 1
                    removed_reports.append(found[0])
                    removed_ordinals.extend(found[1])
            if removed_reports and previous is not None:
                words.delete(_dead_documents(previous, removed_reports, removed_ordinals))
                ranking.remove(removed_ordinals)
            summary.seconds["remove"] = time.perf_counter() - clock

            summary.reports, summary.passages = store.report_count, store.passage_count
            if not summary.reports:
                raise SourceError(
                    "没有从输入中读到任何报告" + skipped_lines(summary.skipped),
                    hint=f"检查路径和上面每个文件的原因；可以读取 {SUPPORTED_LIST}",
                )
            clock = time.perf_counter()
            log(f"共 {summary.reports} 篇报告、{summary.passages} 段")
            with step("写入词索引（Whoosh）"):
                words.commit(optimize=optimize)
        except BaseException:
            words.cancel()
            store.connection.close()
            raise
        summary.seconds["whoosh"] = time.perf_counter() - clock
        fault_point("after-whoosh")

        clock = time.perf_counter()
        with step("合并字面索引"):
            literal_names = merge_literal(layout, literal_names, ranking.live, everything=optimize)
            write_segment_list(layout.literal, literal_names)
        summary.seconds["literal merge"] = time.perf_counter() - clock
        clock = time.perf_counter()
        with step("写入排序表"):
            ranking.save(layout, corrections=self.fingerprint)
            write_ranking_tables(layout, ranking.live_by_kind(store.next_report))
        with step("预先计算高频词得分"):
            write_prescored(layout, ranking.space, int(ranking.live.sum()))
        summary.seconds["ranking"] = time.perf_counter() - clock

        store.set_meta("built_at", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        store.set_meta("summary", summary.as_dict())
        self.indexed = {digest for digest, _ in store.files().values()}
        store.close()
        # Report metadata as one pickle of plain values: the engine reads it in
        # milliseconds where 3,000 rows of JSON took 80 ms on the first query.
        rows = ReportStore(layout.store)
        with open(layout.ranking / "reports.pickle", "wb") as handle:
            pickle.dump(rows.report_rows(), handle, protocol=pickle.HIGHEST_PROTOCOL)
        rows.close()
        with step("查找相近段落"):
            summary.seconds["similar"] = similar_sign.update(layout, previous)
        layout.build_id.write_text(uuid.uuid4().hex, encoding="utf-8")

    def _scan(
        self,
        files: list[Path],
        known: dict[str, tuple[str, list[str]]],
        drop: list[str] | None,
    ) -> tuple[list[tuple[Path, str, str]], dict[str, list[str]]]:
        """Return the files to read (path, key, digest) and the kept files' report ids.

        The index mirrors the given sources: a known file not among them is gone; with
        `drop` (remove), the files under those paths go and everything else stays.
        """
        to_read: list[tuple[Path, str, str]] = []
        if drop is not None:
            gone = {key for key in known if any(_within(key, target) for target in drop)}
            return to_read, {key: ids for key, (_, ids) in known.items() if key not in gone}
        current: dict[str, list[str]] = {}
        for path in files:
            key, digest = _file_key(path), _digest(path)
            if digest is None:
                to_read.append((path, key, ""))  # read_source says why it fails
            elif key in known and known[key][0] == digest:
                current[key] = known[key][1]
                self.summary.files_unchanged += 1
            else:
                to_read.append((path, key, digest))
        return to_read, current

    def _add(
        self,
        report: Report,
        store: StoreWriter,
        words: WordWriter,
        ranking: RankingArrays,
        batch: LiteralBatch,
    ) -> None:
        report_ordinal, first = store.add(report)
        self.summary.reports_added += 1
        words.add_report(report_ordinal, report.metadata.title)
        for offset, passage in enumerate(report.passages):
            ordinal = first + offset
            section = passage.section_path
            section_id, new = ranking.add(ordinal, report_ordinal, section)
            if new:
                words.add_section(section_id, section)
            batch.add(ordinal, passage.text)
            words.add_passage(ordinal, passage.text)


def _dead_documents(previous: IndexLayout, reports: list[int], ordinals: list[int]) -> list[int]:
    """Return the Whoosh docnums of removed reports' title and passage documents."""
    keys = np.load(previous.ranking / "docnum_key.npy")
    kinds, ids = keys >> 32, keys & ID_MASK
    dead = np.zeros(len(keys), dtype=bool)
    for kind, removed in ((PASSAGE, ordinals), (REPORT, reports)):
        if removed:
            mine = kinds == kind
            dead[mine] = np.isin(ids[mine], np.asarray(removed, dtype=np.int64))
    return np.flatnonzero(dead).tolist()


def _within(key: str, target: str) -> bool:
    return key == target or key.startswith(target.rstrip("/") + "/")


def _refuse_foreign_folder(index_dir: Path) -> None:
    """Refuse to write into a folder that holds something other than an index.

    Pointed by mistake at a folder of reports or a home directory, a build must not mix
    its files with what is there, nor delete any of it.
    """
    if index_dir.exists() and not index_dir.is_dir():
        raise SourceError(f"{index_dir} 不是文件夹", hint="--index 要指向一个文件夹")
    if index_dir.is_dir() and any(index_dir.iterdir()) and not looks_like_index(index_dir):
        raise SourceError(
            f"{index_dir} 里已有其他文件，不是本工具建的索引，不会覆盖",
            hint="--index 请指向空文件夹或新文件夹",
        )
