"""Open an index and decide which passages match a query.

Which passages match is decided by the literal index alone (every occurrence of every
term, exactly Python's `in` on folded text) combined with the query's boolean operators
and field filters, as boolean masks over passage ordinals. Ranking, grouping and facets
are `ranking.SearchResult`'s job; the JSON shapes are `results`'.
"""

from __future__ import annotations

import functools
import json
import pickle
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import generations
from .analysis import Entry, Segmenter, segmenter
from .errors import IndexMissingError, QueryError
from .filters import FilterMasks, with_filters
from .generations import ReaderLock
from .laws import citation_spans
from .layout import IndexLayout
from .literal import LiteralIndex, merge_spans
from .models import Report
from .normalize import fold
from .proximity import highlight_spans, highlight_terms, near_mask
from .query import (
    And,
    Field,
    Near,
    Node,
    Not,
    Or,
    Term,
    YearFilter,
    cited_laws,
    explain_query,
    positive_terms,
)
from .ranking import SearchResult
from .report_table import ReportTable
from .settings import SORTS
from .store import ReportRecord, ReportStore, records_from_rows
from .word_index import WordScorer

if TYPE_CHECKING:
    from .laws import LawLinks
    from .similar import SimilarPassages


def _release(store: ReportStore, scorer: WordScorer, reader_lock: ReaderLock) -> None:
    store.close()
    scorer.close()
    reader_lock.release()


class SearchEngine:
    """An opened generation of an index: get it with `SearchEngine.open`, share freely.

    Opening maps arrays and reads nothing per passage; it reads the report table and the
    segmenter's dictionary, which every query needs. `build_id` (unique per generation)
    and `generation` name what it reads, for caches to key on. Its files are closed when
    it is garbage-collected (once `open` has handed out a newer generation and the last
    request using it is done) or by `close()`; until then the generation folder is held,
    so a build never deletes it.
    """

    _cache: dict[Path, SearchEngine] = {}  # noqa: RUF012
    _cache_lock = threading.Lock()

    def __init__(self, index_dir: Path, generation: str | None = None) -> None:
        self.index_dir = index_dir
        if generation is None:
            generation = _current_generation(index_dir)
        layout = IndexLayout(index_dir / generation)
        self._reader_lock = ReaderLock(layout.root)
        try:
            if not layout.is_complete():
                raise FileNotFoundError(layout.root)
            self.generation = generation
            self.build_id = layout.build_id.read_text(encoding="utf-8").strip()
            self.store = ReportStore(layout.store)
            ranking = layout.ranking
            # Read whole (a few MB): every query gathers from them, slowly through a memmap.
            self.passage_report = np.load(ranking / "passage_report.npy")
            self.live = self.passage_report >= 0
            # A build stores each report's passages under consecutive ordinals and gives
            # later reports later ordinals, so the matches (sorted ordinals) come grouped
            # by report in report order; ranking relies on it when this holds.
            live_ordinals = np.flatnonzero(self.live)
            live_reports = self.passage_report[live_ordinals]
            self.reports_in_ordinal_order = bool(np.all(live_reports[1:] >= live_reports[:-1]))
            # The first live passage of each run of one report: what `report_bounds` needs.
            runs = np.flatnonzero(np.r_[True, live_reports[1:] != live_reports[:-1]])
            runs = runs[runs < len(live_ordinals)]
            self._report_firsts = (live_reports[runs], live_ordinals[runs])
            self._report_bounds: np.ndarray | None = None
            self.passage_count = len(self.passage_report)  # the ordinal space, holes included
            self.section_of = np.load(ranking / "section_of.npy")
            self._sections_path = ranking / "sections.json"
            self._reports_path = ranking / "reports.pickle"
            self.literal = LiteralIndex.load(layout.literal, self.live)
            self.scorer = WordScorer(layout, self.passage_count)
        except BaseException:
            self._reader_lock.release()
            raise
        self._lazy_lock = threading.Lock()
        self._report_table: ReportTable | None = None
        self._sections: list[str] | None = None
        try:
            self._warm_up()
        except BaseException:
            _release(self.store, self.scorer, self._reader_lock)
            raise
        self._finalizer = weakref.finalize(
            self, _release, self.store, self.scorer, self._reader_lock
        )

    def _warm_up(self) -> None:
        """Read at open what every query needs, so the first query does not pay for it.

        The report table and its facet codes (~60 ms on the laws corpus) and the
        segmenter with the index's dictionary (~200 ms once per process, then shared).
        """
        self.report_table.facet_counter  # noqa: B018 - loads the table and its codes
        self.scorer.ordinal_to_docnum  # noqa: B018 - made on first use otherwise
        self.report_bounds  # noqa: B018 - likewise
        self.segmenter.words("法")

    @classmethod
    def open(cls, index_dir: str | Path) -> SearchEngine:
        """Return the engine of the index's current generation, loading it only if new.

        Costs one small file read when the generation is already loaded.
        """
        index_dir = Path(index_dir).resolve()
        for attempt in range(5):
            generation = _current_generation(index_dir)
            with cls._cache_lock:
                cached = cls._cache.get(index_dir)
                if cached is not None and cached.generation == generation:
                    return cached
                try:
                    engine = cls(index_dir, generation)
                except FileNotFoundError:
                    # A newer build published and removed this generation meanwhile.
                    if attempt == 4:
                        raise
                    continue
                cls._cache[index_dir] = engine
                return engine
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the generation's files now (the engine must not be used afterwards)."""
        self._finalizer()

    @property
    def report_table(self) -> ReportTable:
        if self._report_table is None:
            with self._lazy_lock:
                if self._report_table is None:
                    with open(self._reports_path, "rb") as handle:
                        rows = pickle.load(handle)  # written by the build, never by users
                    self._report_table = ReportTable(records_from_rows(rows))
        return self._report_table

    @property
    def report_bounds(self) -> np.ndarray:
        """Where each report's passages begin in ordinal space, and where the last ends.

        With `reports_in_ordinal_order`, report r's live passages are the ordinals in
        [bounds[r], bounds[r + 1]) (removed ones in between are never matched), so a
        query's matches per report are counted with one binary search per report
        instead of a gather over every match. A report with no live passage has an
        empty range.
        """
        if self._report_bounds is None:
            first = np.full(len(self.report_table.records) + 1, self.passage_count, np.int64)
            if self.reports_in_ordinal_order:
                reports, ordinals = self._report_firsts
                first[reports] = ordinals
            self._report_bounds = np.minimum.accumulate(first[::-1])[::-1]
        return self._report_bounds

    @property
    def reports_by_id(self) -> dict[str, ReportRecord]:
        return {r.report_id: r for r in self.report_table.live_records}

    @property
    def sections(self) -> list[str]:
        """The distinct section paths, folded; `section_of` maps each passage to one."""
        if self._sections is None:
            paths = json.loads(self._sections_path.read_text(encoding="utf-8"))
            self._sections = [fold(s) for s in paths]
        return self._sections

    @functools.cached_property
    def entries(self) -> tuple[Entry, ...]:
        return self.scorer.ix.schema["content"].entries

    @functools.cached_property
    def segmenter(self) -> Segmenter:
        return segmenter(self.entries)

    @functools.cached_property
    def similar(self) -> SimilarPassages:
        """Near-duplicate passages across reports (`similar.py`), read on first use."""
        from .similar import SimilarPassages

        return SimilarPassages(self, self.index_dir / self.generation)

    @functools.cached_property
    def laws(self) -> LawLinks:
        """Cited laws the corpus holds, and who cites them (`laws.py`)."""
        from .laws import LawLinks

        return LawLinks(self.report_table.live_records)

    @functools.cached_property
    def filters(self) -> FilterMasks:
        """What field values select (`filters.py`)."""
        return FilterMasks(
            self.report_table,
            self.passage_report,
            self.section_of,
            lambda: self.sections,
            self.literal,
            self.store,
        )

    # matching --------------------------------------------------------------------

    def _matching(self, tree: Node) -> np.ndarray:
        """Return the sorted ordinals of the live passages matching a parsed query."""
        if isinstance(tree, Term):
            # One string, the commonest query: the literal answer is already sorted and
            # live, and a mask over every passage would cost more than the lookup.
            return self.literal.passages_containing(tree.text)
        mask = self._mask(tree, cite=bool(cited_laws(tree)))
        mask &= self.live  # removed passages (a NOT would bring them back)
        return np.flatnonzero(mask)

    def _mask(self, node: Node, *, cite: bool = False) -> np.ndarray:
        if isinstance(node, Term):
            mask = np.zeros(self.passage_count, dtype=bool)
            mask[self.literal.passages_containing(node.text)] = True
            return mask
        if isinstance(node, Near):
            return near_mask(self.literal, self.passage_count, node)
        if isinstance(node, Field):
            return self.filters.field(node.name, node.value, cite=cite)
        if isinstance(node, YearFilter):
            return self.filters.years(node.low, node.high)
        if isinstance(node, Not):
            return ~self._mask(node.item)  # a NOT of law: excludes the citing reports
        if isinstance(node, And):
            mask = self._mask(node.items[0], cite=cite)
            for item in node.items[1:]:
                mask &= self._mask(item, cite=cite)
            return mask
        if isinstance(node, Or):
            mask = self._mask(node.items[0], cite=cite)
            for item in node.items[1:]:
                mask |= self._mask(item, cite=cite)
            return mask
        raise TypeError(f"unexpected query node {node!r}")

    # searching -------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        filters: Mapping[str, Sequence[str]] | None = None,
        sort: str = "relevance",
    ) -> SearchResult:
        """Find every passage matching `query` and `filters`; rank and group them.

        `filters` maps a field name (region, dept, year, issuer, law, section) to values:
        values of one field are alternatives, fields must all hold.
        """
        started = time.perf_counter()
        if sort not in SORTS:
            known = "、".join(f"{name}（{label}）" for name, label in SORTS.items())
            raise QueryError(f"未知排序方式 {sort}", hint=f"可用：{known}")
        tree = with_filters(query, filters or {})
        ordinals = self._matching(tree)
        terms = positive_terms(tree)
        words = [w for term in terms for w in self.segmenter.words(term)]
        scorer = self.scorer
        passage_scores = (
            scorer.scores_at(scorer.searcher(), words, ordinals)
            if words
            else np.zeros(len(ordinals))
        )
        result = SearchResult(
            engine=self,
            query=query,
            interpretation=explain_query(tree),
            terms=highlight_terms(tree),
            laws=tuple(cited_laws(tree)),
            ordinals=ordinals,
            passage_scores=passage_scores,
            sort=sort,
        )
        result.took_ms = round((time.perf_counter() - started) * 1000, 2)
        return result

    # reading ---------------------------------------------------------------------

    def report(self, report_id: str) -> Report:
        return self.store.report(report_id)

    def report_highlights(
        self,
        report_id: str,
        query: str,
        filters: Mapping[str, Sequence[str]] | None = None,
    ) -> dict[str, list[tuple[int, int]]]:
        """Return, per passage id, the spans of the query's terms in that report.

        With only a law: (in the query or the filters), the spans are its citations.
        """
        report = self.store.report(report_id)
        tree = with_filters(query, filters or {})
        terms = highlight_terms(tree)
        laws = cited_laws(tree)
        spans = {}
        for passage in report.passages:
            found = highlight_spans(fold(passage.text), terms)
            if laws:
                found = merge_spans([*found, *citation_spans(passage.text, laws)])
            if found:
                spans[passage.passage_id] = found
        return spans

    def report_summaries(self) -> list[ReportRecord]:
        return list(self.report_table.live_records)


def _current_generation(index_dir: Path) -> str:
    name = generations.read_current(index_dir)
    if name is None:
        legacy = (index_dir / "store.sqlite").exists()
        raise IndexMissingError(
            f"{index_dir} 里没有索引" + ("（旧格式）" if legacy else ""),
            hint="先运行 python -m indexer build SOURCE… --index DIR",
        )
    return name
