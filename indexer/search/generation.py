"""One opened generation of an index: everything a query reads, opened once and shared.

A build writes a generation and never changes it (`generations.py`); this object holds
one for as long as queries use it: the document store, the per-passage arrays, the report
table, the literal and word indexes, the segmenter of the index's dictionary, and the
reader lock that keeps a build from deleting the folder meanwhile. Search code receives
it (ranking, facets, filters, similar passages, suggestions) instead of reaching into an
engine; a shard of a sharded index is one of these too.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import weakref
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import numpy as np

from indexer.errors import IndexMissingError
from indexer.index.analysis import Entry, Segmenter, segmenter
from indexer.index.generations import ReaderLock
from indexer.index.global_stats import GlobalStatistics
from indexer.index.layout import GENERATION_FORMAT, GLOBAL_PASSAGE, GLOBAL_REPORT, IndexLayout
from indexer.index.literal import LiteralIndex
from indexer.index.report_columns import load_report_columns
from indexer.index.store import ReportStore
from indexer.index.word_index import WordScorer
from indexer.normalize import fold
from indexer.search.facets import Facets
from indexer.search.report_table import ReportTable


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a generation opens: reading the report
    table makes some 10⁵ objects, and the collector walked them over and over as they came
    (a quarter of a 10× shard's opening: 0.41–0.53 s, paused 0.31–0.39 s). Nothing opening
    makes is a cycle to collect; reference counting frees as ever."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Generation:
    """An opened generation of the index in `index_dir` named `name`.

    Opening reads what every query needs (~0.2 s on the laws corpus): the per-passage
    arrays, the report table and its facet codes, the segmenter with the index's
    dictionary; nothing per passage is read. Raises FileNotFoundError when the generation
    is incomplete or gone (a newer build published and removed it). Its files are closed
    when it is garbage-collected or by `close()`.
    """

    def __init__(self, index_dir: Path, name: str, whole: GlobalStatistics | None = None) -> None:
        """`name`: the generation's folder in `index_dir` (a shard's: `shards/<k>/gen-…`).
        `whole`: a shard's view of the whole index (`global_stats.py`), with which it
        ranks and filters as one index would."""
        layout = IndexLayout(index_dir / name)
        with ExitStack() as opened, _collector_paused():
            opened.callback(ReaderLock(layout.root).release)
            if not layout.is_complete():
                raise FileNotFoundError(layout.root)
            format_ = layout.read_meta().get("format")
            if format_ != GENERATION_FORMAT:
                raise IndexMissingError(
                    f"{index_dir} 的索引是旧版本建的（格式 {format_ or '4 或更早'}，"
                    f"现在是 {GENERATION_FORMAT}），需要重新建立",
                    hint="再运行一次 python -m indexer build SOURCE… --index DIR（会整体重建）",
                )
            self.index_dir = index_dir
            self.name = name
            self.root = layout.root
            self.build_id = layout.build_id.read_text(encoding="utf-8").strip()
            self.store = ReportStore(layout.store)
            opened.callback(self.store.close)
            ranking = layout.ranking
            # Read whole (a few MB): every query gathers from them, slowly through a memmap.
            self.passage_report: np.ndarray = np.load(ranking / "passage_report.npy")
            self.section_of: np.ndarray = np.load(ranking / "section_of.npy")
            self.live: np.ndarray = self.passage_report >= 0
            self.passage_count = len(self.passage_report)  # the ordinal space, holes included
            issuers = whole.issuer_names if whole is not None else None
            self.report_table = ReportTable(load_report_columns(ranking), issuers)
            # Each passage's and report's ordinal in the whole index (a shard's own are
            # dense): what breaks ties when shards' answers are merged.
            self.global_passage: np.ndarray = np.load(ranking / GLOBAL_PASSAGE)
            self.global_report: np.ndarray = np.load(ranking / GLOBAL_REPORT)
            if whole is None:  # a shard's facets are counted by its coordinator instead
                self.report_table.facet_counter  # noqa: B018 - its codes, made once here
            self.reports_in_ordinal_order, self.report_bounds = _report_bounds(
                self.passage_report, self.live, len(self.report_table.records)
            )
            self._sections_path = ranking / "sections.json"
            share = np.count_nonzero(self.live) / whole.live if whole and whole.live else 1.0
            self.literal = LiteralIndex.load(layout.literal, self.live, share)
            self.scorer = WordScorer(layout, self.passage_report, self.section_of, whole)
            opened.callback(self.scorer.close)
            self.entries: tuple[Entry, ...] = self.scorer.ix.schema["content"].entries
            self.segmenter: Segmenter = segmenter(self.entries)
            self.segmenter.words("法")  # loads the dictionary (~200 ms, once per process)
            closing = opened.pop_all()
        # The callback must not hold the generation itself, or it would never be collected.
        self._finalizer = weakref.finalize(self, closing.close)

    @functools.cached_property
    def sections(self) -> list[str]:
        """The distinct section paths, folded; `section_of` maps each passage to one.

        Read on first use (section: filters only). Two threads racing here both read the
        same file: harmless.
        """
        paths = json.loads(self._sections_path.read_text(encoding="utf-8"))
        return [fold(s) for s in paths]

    @functools.cached_property
    def added(self) -> dict[str, tuple[str, str]]:
        """Report id → (generation, time) of the build that added it (`ReportStore.added`)."""
        return self.store.added()

    def facets_of_everything(self) -> Facets:
        """Facets of the whole index: what a filter alone browses."""
        table = self.report_table
        counts = np.bincount(self.passage_report[self.live], minlength=len(table.records))
        return table.facet_counter.count(counts)

    def close(self) -> None:
        """Close the generation's files now (it must not be used afterwards)."""
        self._finalizer()


def _report_bounds(
    passage_report: np.ndarray, live: np.ndarray, reports: int
) -> tuple[bool, np.ndarray]:
    """Whether reports' passages are consecutive ordinals in report order, and the bounds.

    A build stores each report's passages under consecutive ordinals and gives later
    reports later ordinals, so the matches (sorted ordinals) come grouped by report in
    report order; ranking relies on it when this holds. Then report r's live passages are
    the ordinals in [bounds[r], bounds[r + 1]) (removed ones in between are never
    matched), so a query's matches per report are counted with one binary search per
    report. A report with no live passage has an empty range.
    """
    live_ordinals = np.flatnonzero(live)
    live_reports = passage_report[live_ordinals]
    in_order = bool(np.all(live_reports[1:] >= live_reports[:-1]))
    first = np.full(reports + 1, len(passage_report), np.int64)
    if in_order:
        # The first live passage of each run of one report.
        runs = np.flatnonzero(np.r_[True, live_reports[1:] != live_reports[:-1]])
        runs = runs[runs < len(live_ordinals)]
        first[live_reports[runs]] = live_ordinals[runs]
    return in_order, np.minimum.accumulate(first[::-1])[::-1]
