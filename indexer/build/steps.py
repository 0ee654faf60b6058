"""The steps of one update, in order, each a method of `Steps` over the update's state.

`update.Update` runs them in one loop (timing each, showing its progress, owning the
clean-up once). What they share is held here: the new generation's store writer, the
Whoosh writer, the literal batch, the ranking arrays, and what the scan found.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import pickle
import shutil
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from indexer.build.reading import FileRead, ReadSettings, default_workers, read_files
from indexer.build.summary import BuildSummary, skipped_lines
from indexer.build.writers import LiteralBatch, RankingArrays, merge_literal
from indexer.errors import SourceError
from indexer.index import similar_sign
from indexer.index.analysis import Entry
from indexer.index.generations import fault_point
from indexer.index.layout import IndexLayout, ocr_cache
from indexer.index.literal import link_segments, read_segment_list, write_segment_list
from indexer.index.schema import ID_MASK, PASSAGE, REPORT, SECTION, document_key
from indexer.index.store import ReportStore, StoreWriter
from indexer.index.whoosh_segments import DirectSegmentWriter, commit_segments
from indexer.index.word_index import (
    RankingCodec,
    create_word_index,
    link_whoosh,
    merge_word_segments,
    write_prescored,
    write_ranking_tables,
)
from indexer.ingest.corrections import Correction
from indexer.ingest.s1_names import storable
from indexer.ingest.s1_read import SUPPORTED_LIST

Step = tuple[str, str, Callable[[], None]]  # (key, what the progress line says, the step)


@dataclass
class Request:
    """What an update is asked to do; the public functions of `update` fill it in."""

    sources: Sequence[str | Path] = ()  # the SOURCE arguments: reports name files from them
    files: list[Path] = field(default_factory=list)
    drop: list[str] | None = None  # remove: files under these paths go, the rest stays
    fresh: bool = False  # rebuild everything
    optimize: bool = False  # merge every segment into one
    workers: int | None = None  # processes reading files (None: one per core)
    corrections: list[Correction] = field(default_factory=list)


class Steps:
    """One update's steps over a new generation `layout`, from `previous` (None: fresh)."""

    def __init__(
        self,
        request: Request,
        layout: IndexLayout,
        previous: IndexLayout | None,
        entries: tuple[Entry, ...],
        summary: BuildSummary,
        *,
        index_root: Path,
        progress: bool,
        log: Callable[[str], None],
    ) -> None:
        self.request, self.layout, self.previous = request, layout, previous
        self.entries, self.summary, self.progress, self.log = entries, summary, progress, log
        self.index_root = index_root
        self.store: StoreWriter | None = None
        self.words: DirectSegmentWriter | None = None
        self.dead: list[int] = []  # the word index's documents of removed reports
        self.to_read: list[tuple[Path, str, str]] = []
        self.current: dict[str, list[str]] = {}  # file key → its reports' ids
        self.known: dict[str, tuple[str, list[str]]] = {}
        self.existing: set[str] = set()
        self.ranking = RankingArrays.load(previous)
        self.literal_names = read_segment_list(previous.literal) if previous else []
        self.batch = LiteralBatch(layout)
        self.indexed: set[str] = set()  # content hashes of the files indexed, once written
        # This build: its generation and time, recorded with the reports it adds and as
        # the store's built_at (a feed of new reports orders by it).
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.build = (layout.root.name, now)

    def steps(self) -> list[Step]:
        return [
            ("scan", "比对文件", self.scan),
            ("read", "读取文件并建立索引", self.read),
            ("remove", "移除不再存在的报告", self.remove),
            ("whoosh", "写入词索引（Whoosh）", self.commit_words),
            ("literal merge", "合并字面索引", self.merge_literal),
            ("ranking", "写入排序表与高频词得分", self.write_ranking),
            ("reports", "写入报告表", self.write_reports),
            ("similar", "查找相近段落", self.find_similar),
        ]

    def close(self) -> None:
        """Let go of what a failed update holds open (its folder is then removed)."""
        if self.words is not None:
            self.words.cancel()
        self.batch.cancel()
        if self.store is not None:
            self.store.connection.close()

    # the steps ----------------------------------------------------------------------

    def scan(self) -> None:
        """Open the new store (a copy of the previous one) and find what to read.

        The index mirrors the given sources: a known file not among them is gone; with
        `drop` (remove), the files under those paths go and everything else stays.
        """
        previous, layout = self.previous, self.layout
        if previous is not None:
            shutil.copyfile(previous.store, layout.store)
        self.store = StoreWriter(
            layout.store, fresh=previous is None, build=self.build, dated=self._dated()
        )
        self.known = self.store.files()
        self.existing = self.store.report_ids()
        drop = self.request.drop
        if drop is not None:
            gone = {key for key in self.known if any(_within(key, target) for target in drop)}
            self.current = {key: ids for key, (_, ids) in self.known.items() if key not in gone}
            return
        for path in self.request.files:
            key, digest = _file_key(path), _digest(path)
            if digest is None:
                self.to_read.append((path, key, ""))  # reading it says why it fails
            elif key in self.known and self.known[key][0] == digest:
                self.current[key] = self.known[key][1]
                self.summary.files_unchanged += 1
            else:
                self.to_read.append((path, key, digest))

    def read(self) -> None:
        """Read, parse and count every new or changed file in the workers; add each report.

        Results come back in the files' order, so what is stored where does not depend on
        how many workers read.
        """
        previous, layout, store = self.previous, self.layout, self._store
        if previous is not None:
            link_segments(previous.literal, layout.literal, self.literal_names)
            link_whoosh(previous.whoosh, layout.whoosh)
        else:
            create_word_index(layout.whoosh, self.entries)
        self.words = DirectSegmentWriter(layout.whoosh, RankingCodec())
        settings = ReadSettings(
            sources=self.request.sources,
            entries=self.entries,
            corrections=tuple(self.request.corrections),
            ocr_cache=ocr_cache(self.index_root),
            progress=self.progress,
        )
        workers = self.request.workers or default_workers()
        summary, seen = self.summary, set[str]()
        found = read_files(self.to_read, settings, workers=workers, log=self.log)
        bar = tqdm(
            found, total=len(self.to_read), desc="读取文件", unit="file", leave=False,
            disable=not self.progress,
        )  # fmt: skip
        for file in bar:
            fault_point("reading")  # workers are reading (tests kill the build here)
            summary.skipped.extend(file.skipped)
            summary.files_read += file.read
            summary.ocr_pages += file.ocr_pages
            summary.ocr_cached += file.ocr_cached
            added: list[int] = []  # the reports of the file to add, by their place in it
            for place, report in enumerate(file.reports):
                # The same report in two files (a copy) is stored once.
                if report.report_id in seen:
                    summary.duplicates.append((report.source, report.position, report.report_id))
                    continue
                seen.add(report.report_id)
                if report.report_id not in self.existing:
                    added.append(place)  # else unchanged in a changed file: kept
            if added:
                self._add(file, added)
            if file.read:  # an archive of which nothing was read is skipped, as a file is
                self.current[file.key] = [report.report_id for report in file.reports]
                store.set_file(file.key, file.digest, self.current[file.key])
        self.batch.flush(self.literal_names)

    def remove(self) -> None:
        """Forget files no longer given and remove the reports no file holds any more."""
        store, summary = self._store, self.summary
        wanted = {report_id for ids in self.current.values() for report_id in ids}
        for key in self.known:
            if key not in self.current:
                store.forget_file(key)
                summary.files_removed += 1
        removed_ordinals: list[int] = []
        removed_reports: list[int] = []
        for report_id in sorted(self.existing - wanted):
            found = store.remove(report_id)
            if found is not None:
                summary.reports_removed += 1
                removed_reports.append(found[0])
                removed_ordinals.extend(found[1])
        if removed_reports and self.previous is not None:
            self.dead = _dead_documents(self.previous, removed_reports, removed_ordinals)
            self.ranking.remove(removed_ordinals)
        summary.reports, summary.passages = store.report_count, store.passage_count
        if not summary.reports:
            raise SourceError(
                "没有从输入中读到任何报告" + skipped_lines(summary.skipped),
                hint=f"检查路径和上面每个文件的原因；可以读取 {SUPPORTED_LIST}",
            )
        self.log(f"共 {summary.reports} 篇报告、{summary.passages} 段")

    def commit_words(self) -> None:
        """Write the new documents' segment and register it, the removed ones deleted."""
        segment = self._words.finish()
        commit_segments(self.layout.whoosh, [segment], deleted=self.dead)
        merge_word_segments(self.layout.whoosh, everything=self.request.optimize)

    def merge_literal(self) -> None:
        layout = self.layout
        names = merge_literal(
            layout, self.literal_names, self.ranking.live, everything=self.request.optimize
        )
        write_segment_list(layout.literal, names)

    def write_ranking(self) -> None:
        """The per-passage arrays, field lengths and statistics; the frequent words scored."""
        layout, ranking = self.layout, self.ranking
        ranking.save(layout)
        write_ranking_tables(layout, ranking.live_by_kind(self._store.next_report))
        write_prescored(layout, ranking.space, int(ranking.live.sum()))

    def write_reports(self) -> None:
        """Close the store, then write its report table as one pickle the engine reads."""
        store = self._store
        store.set_meta("built_at", self.build[1])
        store.set_meta("summary", self.summary.as_dict())
        self.indexed = {digest for digest, _ in store.files().values()}
        store.close()
        self.store = None
        # Report metadata as one pickle of plain values: the engine reads it in
        # milliseconds where 3,000 rows of JSON took 80 ms on the first query.
        rows = ReportStore(self.layout.store)
        with open(self.layout.ranking / "reports.pickle", "wb") as handle:
            pickle.dump(rows.report_rows(), handle, protocol=pickle.HIGHEST_PROTOCOL)
        rows.close()

    def find_similar(self) -> None:
        similar_sign.update(self.layout, self.previous)

    # helpers ------------------------------------------------------------------------

    def _dated(self) -> dict[str, tuple[str, str]]:
        """When the current generation's reports came, for a rebuild from scratch to keep."""
        current = IndexLayout.current(self.index_root)
        if self.previous is not None or current is None or not current.store.is_file():
            return {}
        try:
            store = ReportStore(current.store)
            try:
                return store.added()
            finally:
                store.close()
        except (OSError, sqlite3.Error):
            return {}  # an unreadable old store: the rebuild dates everything anew

    @property
    def _store(self) -> StoreWriter:
        assert self.store is not None, "the scan opens the store"
        return self.store

    @property
    def _words(self) -> DirectSegmentWriter:
        assert self.words is not None, "reading opens the word writer"
        return self.words

    def _add(self, file: FileRead, added: list[int]) -> None:
        """Store the file's reports at `added`; add their passages, titles and new section
        paths to the literal and word indexes, a block of documents per field."""
        firsts = list(itertools.accumulate((len(r.passages) for r in file.reports), initial=0))
        path_number = {path: n for n, path in enumerate(file.section_paths)}
        passages: list[int] = []
        passage_keys: list[int] = []
        title_keys: list[int] = []
        new_paths: list[int] = []
        path_keys: list[int] = []
        for place in added:
            report = file.reports[place]
            report_ordinal, first = self._store.add(report)
            self.summary.reports_added += 1
            title_keys.append(document_key(REPORT, report_ordinal))
            for offset, passage in enumerate(report.passages):
                ordinal = first + offset
                section = passage.section_path
                section_id, new = self.ranking.add(ordinal, report_ordinal, section)
                if new:
                    new_paths.append(path_number[section])
                    path_keys.append(document_key(SECTION, section_id))
                number = firsts[place] + offset
                self.batch.add(ordinal, file.folded[number])
                passages.append(number)
                passage_keys.append(document_key(PASSAGE, ordinal))
        assert file.content and file.titles and file.sections, "workers count every file"
        words = self._words
        words.add_block("content", passage_keys, file.content.select(passages))
        words.add_block("title", title_keys, file.titles.select(added))
        if new_paths:
            words.add_block("section", path_keys, file.sections.select(new_paths))


def _file_key(path: Path) -> str:
    return storable(path.resolve())  # a GBK name is no valid UTF-8 for SQLite


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _within(key: str, target: str) -> bool:
    return key == target or key.startswith(target.rstrip("/") + "/")


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
