"""What a field value selects: the masks of region:, dept:, issuer:, law:, docno:, section:,
year:, date:.

A value a facet offers selects exactly the reports that facet counted under it: a
department type or a law is compared whole (教育 is not 教育体育), a region path level by
level (`facets.region_path`). A single region or issuer name typed in a query matches inside
the stated name (region:贵州 finds 贵州省). `UNKNOWN` (未识别) selects the reports stating
nothing for the field. Filters from a URL or the CLI become the same query nodes as typed
fields (`with_filters`), so both mean one thing.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from indexer.errors import QueryError
from indexer.ingest.s5_citations import canonical_law_name, doc_number_key
from indexer.ingest.s5_organs import STEM_LABEL
from indexer.models import UNKNOWN
from indexer.normalize import fold
from indexer.query import FIELDS, And, Field, Node, Or, parse_query
from indexer.query.dates import DATE_HINT, date_days, date_range
from indexer.search.generation import Generation
from indexer.search.laws import citation_spans, law_key

FILTER_KEYS = tuple(FIELDS)  # the query language's fields, usable as filters too
_DEPARTMENT_SUFFIX = re.compile(r"(委员会|办公室|局|厅|委|办|部门)$")
# How organ names spell a department type (教体, 教育和体育) → the type, folded as filters are.
_DEPARTMENT_OF_STEM = {fold(stem): fold(label) for stem, label in STEM_LABEL.items()}
# filter → (the metadata field it reads, whether a value of it states nothing)
_STATES_NOTHING: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "region": ("province", operator.not_),
    "dept": ("department", operator.not_),
    "issuer": ("issuer", operator.not_),
    "law": ("laws", operator.not_),
    "docno": ("doc_number", operator.not_),
    "year": ("year", operator.not_),
    "date": ("date", lambda date: date_days(date) is None),
}


def department_label(value: str) -> str:
    """The department type a dept: value names: 民政局 → 民政, 教体局 → 教育体育 (folded)."""
    needle = fold(value.strip())
    stem = _DEPARTMENT_SUFFIX.sub("", needle) or needle
    return _DEPARTMENT_OF_STEM.get(stem, stem)


class FilterMasks:
    """Field and year masks over the passages of one opened generation."""

    def __init__(self, generation: Generation) -> None:
        self._generation = generation
        self._table = generation.report_table
        self._passage_report = generation.passage_report

    def field(self, name: str, value: str, *, cite: bool = False) -> np.ndarray:
        """Passages of the reports a field value selects (section: passages under it).

        With `cite`, law: selects the passages citing the law (`query.cited_laws`).
        """
        if value.strip() == UNKNOWN:
            return self.unknown(name)
        needle = fold(value.strip())
        table = self._table
        if name == "section":
            sections = self._generation.sections
            matching = np.fromiter((needle in s for s in sections), bool, len(sections))
            return matching[self._generation.section_of]
        if name == "region":
            reports = self._region_reports(needle)
        elif name == "dept":
            label = department_label(value)
            reports = table.mask(lambda i: table.department[i] == label)
        elif name == "issuer":
            reports = self._issuer_reports(needle)
        elif name == "date":
            days = date_range(value)
            if days is None:
                raise QueryError(f"成文日期写法不对：{value}", hint=DATE_HINT)
            low, high = days
            first, last = table.dates
            reports = (first > 0) & (first <= high) & (last >= low)
        elif name == "docno":
            number = fold(doc_number_key(value))
            reports = table.mask(lambda i: number in table.doc_number[i])
        elif name == "law":
            law = law_key(value)
            reports = table.mask(lambda i: law in table.laws[i])
            if cite:
                return reports[self._passage_report] & self._citing(value)
        else:
            raise QueryError(f"未知字段 {name}")
        return reports[self._passage_report]

    def unknown(self, name: str) -> np.ndarray:
        """Passages of reports stating nothing for `name` (the facets' 未识别 bucket)."""
        if name == "section":
            sections = self._generation.sections
            unstated = np.fromiter((not s for s in sections), bool, len(sections))
            return unstated[self._generation.section_of]
        if name not in _STATES_NOTHING:
            raise QueryError(f"未知字段 {name}")
        field, states_nothing = _STATES_NOTHING[name]
        values = self._table.column(field)
        reports = np.fromiter(map(states_nothing, values), bool, len(values))
        return reports[self._passage_report]

    def years(self, low: int | None, high: int | None) -> np.ndarray:
        """Passages of reports whose year is within [low, high] (either end open)."""
        years = self._table.years
        reports = years > 0
        if low is not None:
            reports &= years >= low
        if high is not None:
            reports &= years <= high
        return reports[self._passage_report]

    def _region_reports(self, needle: str) -> np.ndarray:
        """Reports a region value selects: a name inside the place, or a path level by level.

        A path ("浙江省 嘉兴市", "浙江省 未识别") names a province, then a city, then a county;
        未识别 at a level selects the reports stating none there.
        """
        table = self._table
        parts = needle.split()
        if len(parts) == 1:
            return table.mask(lambda i: needle in table.region[i])
        unknown = fold(UNKNOWN)
        wanted = tuple("" if part == unknown else part for part in parts[:3])
        depth = len(wanted)
        return table.mask(lambda i: table.places[i][:depth] == wanted)

    def _issuer_reports(self, needle: str) -> np.ndarray:
        """An issuer's reports: exactly its own when the value is an issuer's name (what the
        issuer facet offers), else every issuer whose name or spelling holds the value."""
        table = self._table
        if needle in table.issuer_names:
            return table.mask(lambda i: table.issuer_name[i] == needle)
        return table.mask(lambda i: needle in table.issuer[i])

    def _citing(self, law: str) -> np.ndarray:
        """Passages citing `law` in a 《…》 title, any spelling of its name."""
        mask = np.zeros(len(self._passage_report), dtype=bool)
        name = canonical_law_name(law.strip())
        candidates = self._generation.literal.passages_containing(name).tolist()
        records = self._generation.store.passages(candidates)
        mask[[o for o in candidates if citation_spans(records[o].passage.text, [name])]] = True
        return mask


def _filter_node(name: str, value: str) -> Node:
    """One filter value as a query node; year=未识别 is "no year stated" (no year ≥ 1)."""
    if name != "year":
        return Field(name, value)
    return parse_query(f"year:{value}")


def with_filters(query: str, filters: Mapping[str, Sequence[str]]) -> Node:
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
        parsed = [_filter_node(name, v) for v in options]
        clauses.append(parsed[0] if len(parsed) == 1 else Or(tuple(parsed)))
    if query.strip() or not clauses:
        clauses.insert(0, parse_query(query))  # an empty query with no filter is an error
    return clauses[0] if len(clauses) == 1 else And(tuple(clauses))
