"""Answer queries: literal matching for recall, Whoosh BM25F over words for ranking.

Which passages match is decided by the literal index alone (every occurrence of every
term, exactly Python's `in` on folded text) combined with the query's boolean operators
and field filters, as boolean masks over passage ordinals. How they rank is decided by
Whoosh's BM25F over the words of the positive terms in text, section headings and title.
Passages group under their reports; a report's score grows with each matching passage,
so a report about a subject outranks one that mentions it once.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .analysis import Entry, segmenter
from .errors import IndexMissingError, QueryError
from .index import WHOOSH_DIR, WordScorer, load_literal
from .literal import find_spans
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
from .store import FILENAME, DocumentStore, ReportRecord

SORTS = ("relevance", "year")
FILTER_KEYS = tuple(FIELDS)  # the query language's fields, usable as filters too
FACET_FIELDS = ("province", "department", "year", "law")
# A passage that matches literally but shares no word with the query still ranks above
# nothing; each further matching passage adds to its report's score.
_REST_WEIGHT = 0.5
_PER_PASSAGE = 0.05
_DEPARTMENT_SUFFIX = re.compile(r"(委员会|办公室|局|厅|委|办|部门)$")


@dataclass(frozen=True)
class Hit:
    """One matching passage, with its report's metadata: the JSON contract's hit."""

    report_id: str
    passage_id: str
    title: str
    issuer: str
    province: str
    city: str
    county: str
    department: str
    year: int | None
    section: str
    text: str
    highlights: list[list[int]]
    source: str
    url: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class ReportGroup:
    """A matching report and its best passages."""

    report_id: str
    title: str
    issuer: str
    province: str
    city: str
    county: str
    department: str
    year: int | None
    source: str
    passage_count: int
    hits: list[Hit]


def _shown_metadata(record: ReportRecord) -> dict[str, object]:
    """The report metadata every hit and group carries, in the JSON contract's order."""
    meta = record.metadata
    return {
        "title": meta.title,
        "issuer": meta.issuer,
        "province": meta.province,
        "city": meta.city,
        "county": meta.county,
        "department": meta.department,
        "year": meta.year,
    }


def passage_url(report_id: str, passage_id: str) -> str:
    return f"/reports/{report_id}#p-{passage_id}"


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
        self.store = DocumentStore(index_dir / FILENAME)
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
        self.literal = load_literal(index_dir)
        self.scorer = WordScorer(index_dir, self.passage_count)
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
            raise QueryError(f"未知排序方式 {sort}", hint="可用：relevance（相关度）、year（年份）")
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

    def report_to_json(self, report_id: str) -> dict[str, object]:
        report = self.store.report(report_id)
        return {
            "report_id": report.report_id,
            **asdict(report.metadata),
            "source": report.source,
            "position": report.position,
            "url": f"/reports/{report.report_id}",
            "passages": [
                {
                    "passage_id": p.passage_id,
                    "section": p.section_path,
                    "is_heading": p.is_heading,
                    "start": p.start,
                    "end": p.end,
                    "text": p.text,
                    "url": passage_url(report.report_id, p.passage_id),
                }
                for p in report.passages
            ],
        }

    def report_summaries(self) -> list[ReportRecord]:
        return list(self.report_table.records)


def _read_build_id(index_dir: Path) -> str:
    from .build import BUILD_ID_FILE

    try:
        return (index_dir / BUILD_ID_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        if not (index_dir / FILENAME).exists() or not (index_dir / WHOOSH_DIR).exists():
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


class SearchResult:
    """Every match of a query, ranked and grouped; hits are read from the store lazily."""

    def __init__(
        self,
        *,
        engine: SearchEngine,
        query: str,
        interpretation: str,
        terms: list[str],
        ordinals: np.ndarray,
        passage_scores: np.ndarray,
        sort: str,
    ) -> None:
        self.engine = engine
        self.query = query
        self.interpretation = interpretation
        self.terms = terms
        self.took_ms = 0.0
        reports_of = engine.passage_report[ordinals]
        self.total_passages = len(ordinals)
        counts = np.bincount(reports_of, minlength=len(engine.report_table.records))
        self._report_counts = counts
        self.total_reports = int(np.count_nonzero(counts))
        self._order_passages(ordinals, reports_of, passage_scores, sort)
        self._facets: dict[str, list[dict[str, object]]] | None = None

    def _order_passages(
        self, ordinals: np.ndarray, reports_of: np.ndarray, scores: np.ndarray, sort: str
    ) -> None:
        # Within a report: best passage first, ties by position in the report.
        order = np.lexsort((ordinals, -scores, reports_of))
        ordinals, reports_of, scores = ordinals[order], reports_of[order], scores[order]
        starts = (
            np.flatnonzero(np.r_[True, reports_of[1:] != reports_of[:-1]])
            if len(ordinals)
            else np.empty(0, np.int64)
        )
        ends = np.r_[starts[1:], len(ordinals)].astype(np.int64)
        group_reports = reports_of[starts]
        best = scores[starts]
        totals = np.add.reduceat(scores, starts) if len(starts) else np.empty(0)
        sizes = ends - starts
        group_scores = best + _REST_WEIGHT * (totals - best) + _PER_PASSAGE * sizes
        if sort == "year":
            years = self.engine.report_table.years[group_reports]
            group_order = np.lexsort((group_reports, -group_scores, -years))
        else:
            group_order = np.lexsort((group_reports, -group_scores))
        self._ordinals = ordinals
        self._scores = scores
        self._group_starts = starts[group_order]
        self._group_ends = ends[group_order]
        self._group_reports = group_reports[group_order]
        self._group_scores = group_scores[group_order]
        # Flat order: groups in rank order, passages in rank order within each.
        if len(starts):
            self._flat = np.concatenate(
                [ordinals[s:e] for s, e in zip(self._group_starts, self._group_ends, strict=True)]
            )
        else:
            self._flat = np.empty(0, dtype=np.int64)

    # hits ------------------------------------------------------------------------

    def _hits_for(self, passage_ordinals: Sequence[int]) -> list[Hit]:
        engine = self.engine
        records = engine.store.passages(list(passage_ordinals))
        hits = []
        for ordinal in passage_ordinals:
            record = records[int(ordinal)]
            report = engine.report_table.records[record.report_ordinal]
            passage = record.passage
            spans = find_spans(engine.literal.folded_passage(int(ordinal)), self.terms)
            hits.append(
                Hit(
                    report_id=report.report_id,
                    passage_id=passage.passage_id,
                    **_shown_metadata(report),
                    section=passage.section_path,
                    text=passage.text,
                    highlights=[[start, end] for start, end in spans],
                    source=report.source,
                    url=passage_url(report.report_id, passage.passage_id),
                )
            )
        return hits

    def hits(self, offset: int = 0, limit: int | None = None) -> list[Hit]:
        """Return hits in grouped rank order: a report's passages together, best first."""
        end = None if limit is None else offset + limit
        return self._hits_for(self._flat[offset:end].tolist())

    def iter_hits(self, batch: int = 500) -> Iterator[Hit]:
        """Yield every hit, reading the store in batches (for exports of any size)."""
        for start in range(0, self.total_passages, batch):
            yield from self.hits(start, batch)

    def groups(
        self, offset: int = 0, limit: int | None = None, passages_per_group: int | None = 3
    ) -> list[ReportGroup]:
        """Return ranked reports with their best passages (all of them if None)."""
        end = None if limit is None else offset + limit
        picked = []
        for start, stop, report_ordinal in zip(
            self._group_starts[offset:end],
            self._group_ends[offset:end],
            self._group_reports[offset:end],
            strict=True,
        ):
            top = stop if passages_per_group is None else min(stop, start + passages_per_group)
            picked.append((int(report_ordinal), int(stop - start), self._ordinals[start:top]))
        hits = self._hits_for([int(o) for _, _, chosen in picked for o in chosen])
        groups, cursor = [], 0
        for report_ordinal, count, chosen in picked:
            record = self.engine.report_table.records[report_ordinal]
            groups.append(
                ReportGroup(
                    report_id=record.report_id,
                    **_shown_metadata(record),
                    source=record.source,
                    passage_count=count,
                    hits=hits[cursor : cursor + len(chosen)],
                )
            )
            cursor += len(chosen)
        return groups

    # facets ----------------------------------------------------------------------

    @property
    def facets(self) -> dict[str, list[dict[str, object]]]:
        """Count matching reports and passages by province, department, year and law."""
        if self._facets is None:
            self._facets = self._count_facets()
        return self._facets

    def _count_facets(self) -> dict[str, list[dict[str, object]]]:
        tallies: dict[str, dict[str, list[int]]] = {name: {} for name in FACET_FIELDS}
        records = self.engine.report_table.records
        for report_ordinal in np.flatnonzero(self._report_counts).tolist():
            meta = records[report_ordinal].metadata
            passages = int(self._report_counts[report_ordinal])
            values = {
                "province": [meta.province],
                "department": [meta.department],
                "year": [str(meta.year) if meta.year else ""],
                "law": meta.laws,
            }
            for name, found in values.items():
                for value in found:
                    if value:
                        tally = tallies[name].setdefault(value, [0, 0])
                        tally[0] += 1
                        tally[1] += passages
        return {
            name: [
                {"value": value, "reports": counts[0], "passages": counts[1]}
                for value, counts in sorted(
                    tally.items(), key=lambda item: (-item[1][0], -item[1][1], item[0])
                )
            ]
            for name, tally in tallies.items()
        }

    # the JSON contract -----------------------------------------------------------

    def to_json(self, offset: int = 0, limit: int | None = None) -> dict[str, object]:
        return {
            "query": self.query,
            "total_passages": self.total_passages,
            "total_reports": self.total_reports,
            "took_ms": self.took_ms,
            "facets": self.facets,
            "hits": [hit.as_dict() for hit in self.hits(offset, limit)],
        }
