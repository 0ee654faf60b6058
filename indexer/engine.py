"""Open an index and decide which passages match a query.

Which passages match is decided by the literal index alone (every occurrence of every
term, exactly Python's `in` on folded text) combined with the query's boolean operators
and field filters, as boolean masks over passage ordinals. Ranking, grouping and facets
are `ranking.SearchResult`'s job; the JSON shapes are `results`'.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from .analysis import Entry, segmenter
from .errors import IndexMissingError, QueryError
from .layout import IndexLayout
from .literal import LiteralIndex, find_spans
from .models import Report
from .normalize import fold
from .query import (
    FIELDS,
    And,
    Field,
    Node,
    Not,
    Or,
    Term,
    YearFilter,
    explain_query,
    parse_query,
    positive_terms,
)
from .ranking import SearchResult
from .settings import SORTS
from .store import ReportRecord, ReportStore
from .word_index import WordScorer

FILTER_KEYS = tuple(FIELDS)  # the query language's fields, usable as filters too
_DEPARTMENT_SUFFIX = re.compile(r"(委员会|办公室|局|厅|委|办|部门)$")


class _ReportTable:
    """Per-report metadata as folded strings and arrays, for filters and facets."""

    def __init__(self, records: list[ReportRecord]) -> None:
        self.records = records
        self.years = np.array([r.metadata.year or 0 for r in records], dtype=np.int64)
        self.region = [
            fold(" ".join((r.metadata.province, r.metadata.city, r.metadata.county)))
            for r in records
        ]
        self.department = [fold(r.metadata.department) for r in records]
        self.issuer = [fold(r.metadata.issuer) for r in records]
        self.laws = [[fold(law) for law in r.metadata.laws] for r in records]

    def mask(self, predicate: Callable[[int], bool]) -> np.ndarray:
        count = len(self.records)
        return np.fromiter((predicate(i) for i in range(count)), bool, count)


class SearchEngine:
    """An opened index: load once per process with `SearchEngine.open`, share freely."""

    _cache: dict[Path, tuple[str, SearchEngine]] = {}  # noqa: RUF012
    _cache_lock = threading.Lock()

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        layout = IndexLayout(index_dir)
        self.store = ReportStore(layout.store)
        self.report_table = _ReportTable(self.store.report_records())
        self.reports_by_id = {r.report_id: r for r in self.report_table.records}
        report_of, sections = [], []
        for report_ordinal, section in self.store.passage_sections():
            report_of.append(report_ordinal)
            sections.append(section)
        self.passage_report = np.asarray(report_of, dtype=np.int64)
        self.passage_count = len(report_of)
        # Section paths repeat across passages: filter on the distinct ones, map back.
        distinct, self.section_of = np.unique(
            np.asarray(sections, dtype=object), return_inverse=True
        )
        self.sections = [fold(s) for s in distinct]
        self.literal = LiteralIndex.load(layout.literal)
        self.scorer = WordScorer(layout, self.passage_count)
        self.entries: tuple[Entry, ...] = self.scorer.ix.schema["content"].entries
        self.segmenter = segmenter(self.entries)

    @classmethod
    def open(cls, index_dir: str | Path) -> SearchEngine:
        """Return the engine for an index folder, loading it only if it changed."""
        index_dir = Path(index_dir).resolve()
        build_id = _read_build_id(index_dir)
        with cls._cache_lock:
            cached = cls._cache.get(index_dir)
            if cached and cached[0] == build_id:
                return cached[1]
            engine = cls(index_dir)
            cls._cache[index_dir] = (build_id, engine)
            return engine

    # matching --------------------------------------------------------------------

    def _filter_mask(self, name: str, value: str) -> np.ndarray:
        needle = fold(value.strip())
        table = self.report_table
        if name == "section":
            matching = np.fromiter((needle in s for s in self.sections), bool, len(self.sections))
            return matching[self.section_of]
        if name == "region":
            reports = table.mask(lambda i: needle in table.region[i])
        elif name == "dept":
            # Department types are short labels (民政, 教育体育): match their beginning, so
            # 教育 finds 教育体育 while 民政 does not find 人民政府; 民政局 means 民政.
            label = _DEPARTMENT_SUFFIX.sub("", needle) or needle
            reports = table.mask(lambda i: table.department[i].startswith(label))
        elif name == "issuer":
            reports = table.mask(lambda i: needle in table.issuer[i])
        elif name == "law":
            reports = table.mask(lambda i: any(needle in law for law in table.laws[i]))
        else:
            raise QueryError(f"未知字段 {name}")
        return reports[self.passage_report]

    def _year_mask(self, low: int | None, high: int | None) -> np.ndarray:
        years = self.report_table.years
        reports = years > 0
        if low is not None:
            reports &= years >= low
        if high is not None:
            reports &= years <= high
        return reports[self.passage_report]

    def _mask(self, node: Node) -> np.ndarray:
        if isinstance(node, Term):
            mask = np.zeros(self.passage_count, dtype=bool)
            mask[self.literal.passages_containing(node.text)] = True
            return mask
        if isinstance(node, Field):
            return self._filter_mask(node.name, node.value)
        if isinstance(node, YearFilter):
            return self._year_mask(node.low, node.high)
        if isinstance(node, Not):
            return ~self._mask(node.item)
        if isinstance(node, And):
            mask = self._mask(node.items[0])
            for item in node.items[1:]:
                mask &= self._mask(item)
            return mask
        if isinstance(node, Or):
            mask = self._mask(node.items[0])
            for item in node.items[1:]:
                mask |= self._mask(item)
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
        tree = _with_filters(query, filters or {})
        mask = self._mask(tree)
        terms = positive_terms(tree)
        words = [w for term in terms for w in self.segmenter.words(term)]
        ordinals = np.flatnonzero(mask)
        scores = self.scorer.scores(self.scorer.searcher(), words, ordinals) if words else None
        passage_scores = scores[ordinals] if scores is not None else np.zeros(len(ordinals))
        result = SearchResult(
            engine=self,
            query=query,
            interpretation=explain_query(tree),
            terms=[fold(t) for t in terms],
            ordinals=ordinals,
            passage_scores=passage_scores,
            sort=sort,
        )
        result.took_ms = round((time.perf_counter() - started) * 1000, 2)
        return result

    # reading ---------------------------------------------------------------------

    def report(self, report_id: str) -> Report:
        return self.store.report(report_id)

    def report_highlights(self, report_id: str, query: str) -> dict[str, list[tuple[int, int]]]:
        """Return, per passage id, the spans of the query's terms in that report."""
        report = self.store.report(report_id)
        terms = [fold(t) for t in positive_terms(parse_query(query))]
        spans = {}
        for passage in report.passages:
            found = find_spans(fold(passage.text), terms)
            if found:
                spans[passage.passage_id] = found
        return spans

    def report_summaries(self) -> list[ReportRecord]:
        return list(self.report_table.records)


def _read_build_id(index_dir: Path) -> str:
    layout = IndexLayout(index_dir)
    try:
        return layout.build_id.read_text(encoding="utf-8").strip()
    except OSError:
        if not layout.is_complete():
            raise IndexMissingError(
                f"{index_dir} 里没有索引",
                hint="先运行 python -m indexer build SOURCE… --index DIR",
            ) from None
        return ""


def _with_filters(query: str, filters: Mapping[str, Sequence[str]]) -> Node:
    """Parse the query and AND it with the filters (alternatives within a field).

    A blank query with filters means "everything the filters allow", so browsing by
    province or year needs no search term.
    """
    clauses: list[Node] = []
    for name, values in filters.items():
        if name not in FILTER_KEYS:
            raise QueryError(f"未知筛选条件 {name}", hint=f"可用：{', '.join(FILTER_KEYS)}")
        options = [v.strip() for v in values if v and v.strip()]
        if not options:
            continue
        parsed = [parse_query(f"year:{v}") if name == "year" else Field(name, v) for v in options]
        clauses.append(parsed[0] if len(parsed) == 1 else Or(tuple(parsed)))
    if query.strip() or not clauses:
        clauses.insert(0, parse_query(query))  # an empty query with no filter is an error
    return clauses[0] if len(clauses) == 1 else And(tuple(clauses))
