"""Keyword in context: one line per occurrence, the match between its left and right context.

A row is one occurrence (`occurrences.py`) of a query in a matching passage:
`left + match + right` is a substring of the passage as the report wrote it, `match`
exactly what the query matched there, `left` and `right` at most `width` characters,
never beyond the passage. Rows come in one of three orders:

- `report`: reports in the result's rank order, each read from its start, occurrences in
  text order (any page of any result, read a page at a time);
- `right`: by the text after the match, then the match, then report order;
- `left`: by the text before the match read backwards from the match (the word right
  before it first, as concordancers sort), then the match, then report order.

Context sorts compare folded text (so 復議 sorts with 复议) and need every row at once:
they are offered up to `MAX_SORTED` occurrences, beyond which a narrower query is asked for.

A shard of a sharded index answers for its groups (`rows_in_groups`) and gives its sorted
rows' keys (`sorted_keys`), which the coordinator merges with the other shards' in one
index's order (`sharded_features.ShardedConcordance`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from indexer.errors import QueryError
from indexer.search.occurrences import Marks, Occurrences, Span, located

if TYPE_CHECKING:
    from indexer.models import Metadata
    from indexer.search.generation import Generation

KWIC_SORTS = {"report": "按报告", "left": "按左侧文字", "right": "按右侧文字"}
"""The orders of a concordance: name → label shown to users."""
DEFAULT_WIDTH = 30
MAX_WIDTH = 200
MAX_SORTED = 50_000
_BATCH = 500  # passages read from the store at once


@dataclass(frozen=True)
class KwicRow:
    """One occurrence in its context."""

    report_id: str
    passage_id: str
    left: str
    match: str
    right: str
    metadata: Metadata


SortKey = tuple[str, str, int, int]
"""A row's place in a context order: (context, match, its group's rank, its row in
report order); a shard's ranks are its own, which the coordinator maps to the merged
order's."""


@dataclass(frozen=True)
class _Place:
    ordinal: int
    span: Span
    rank: int  # position in report order, for ties


class Searched(Protocol):
    """What a concordance reads of a result (`ranking.SearchResult`)."""

    generation: Generation

    @property
    def total_occurrences(self) -> int: ...

    @property
    def occurrences(self) -> Occurrences: ...

    @property
    def marks(self) -> Marks: ...

    def reading_order(self) -> np.ndarray: ...

    def group_sizes(self) -> np.ndarray: ...


def check_order(width: int, sort: str) -> None:
    """Refuse an unknown order or a width out of range (QueryError)."""
    if sort not in KWIC_SORTS:
        known = "、".join(f"{k}（{v}）" for k, v in KWIC_SORTS.items())
        raise QueryError(f"未知的排序方式 {sort}", hint=f"可用：{known}")
    if not 1 <= width <= MAX_WIDTH:
        raise QueryError(f"上下文宽度应在 1–{MAX_WIDTH} 字之间", hint=f"例如 {DEFAULT_WIDTH}")


def check_sortable(total: int, sort: str) -> None:
    """Refuse a context sort of more than `MAX_SORTED` occurrences (QueryError)."""
    if sort != "report" and total > MAX_SORTED:
        raise QueryError(
            f"共 {total} 处，按上下文排序最多 {MAX_SORTED} 处",
            hint="加上筛选条件或更具体的词缩小范围，或按报告排序（sort=report）",
        )


class Concordance:
    """A query's occurrences as KWIC rows, in one order (`KWIC_SORTS`)."""

    def __init__(self, result: Searched, *, width: int = DEFAULT_WIDTH, sort: str = "report"):
        check_order(width, sort)
        self.result, self.width, self.sort = result, width, sort
        self.total = result.total_occurrences
        self._order = result.reading_order()
        self._before = result.occurrences.cumulative(self._order)  # rows before each passage
        self._sorted: list[_Place] | None = None
        self._keys: list[SortKey] = []
        if sort != "report":
            check_sortable(self.total, sort)
            self._sorted = self._sort_by_context()

    def rows(self, offset: int = 0, limit: int | None = None) -> list[KwicRow]:
        """Return rows offset … offset + limit (all after offset when None)."""
        end = self.total if limit is None else min(self.total, offset + limit)
        if offset >= end:
            return []
        if self._sorted is not None:
            return self._rows_of(self._sorted[offset:end])
        return self._rows_of(self._report_places(offset, end))

    def iter_rows(self) -> Iterator[KwicRow]:
        """Yield every row in order, a batch of passages at a time (for exports)."""
        step = _BATCH
        for start in range(0, self.total, step):
            yield from self.rows(start, step)

    # what a shard answers its coordinator ------------------------------------------

    def group_rows(self) -> np.ndarray:
        """Where each group's rows start in report order (and, last, the total)."""
        starts = np.r_[0, np.cumsum(self.result.group_sizes())].astype(np.int64)
        return np.asarray(self._before[starts], dtype=np.int64)

    def rows_in_groups(self, slices: Sequence[tuple[int, int, int]]) -> list[KwicRow]:
        """The rows of (group rank, first, end) slices of groups' rows, in report order."""
        starts = self.group_rows()
        places: list[_Place] = []
        for group, first, end in slices:
            base = int(starts[group])
            if first < end:
                places += self._report_places(base + first, base + end)
        return self._rows_of(places)

    def sorted_keys(self) -> list[SortKey]:
        """Every row's key in this (context) order, in that order."""
        return list(self._keys)

    def rows_at(self, positions: Sequence[int]) -> list[KwicRow]:
        """The rows at these positions of this (context) order."""
        assert self._sorted is not None, "report order is read by groups"
        return self._rows_of([self._sorted[p] for p in positions])

    # ------------------------------------------------------------------------------

    def _report_places(self, offset: int, end: int) -> list[_Place]:
        first = int(np.searchsorted(self._before, offset, side="right")) - 1
        last = int(np.searchsorted(self._before, end, side="left"))
        ordinals = self._order[first:last].tolist()
        found = located(self.result.generation, ordinals, self.result.marks)
        places = []
        row = int(self._before[first])
        for ordinal in ordinals:
            for span in found[ordinal]:
                if offset <= row < end:
                    places.append(_Place(ordinal, span, row))
                row += 1
        return places

    def _sort_by_context(self) -> list[_Place]:
        generation, marks = self.result.generation, self.result.marks
        literal, width = generation.literal, self.width
        keyed = []
        rank = 0
        for start in range(0, len(self._order), _BATCH):
            chunk = self._order[start : start + _BATCH].tolist()
            found = located(generation, chunk, marks)
            for ordinal in chunk:
                folded = literal.folded_passage(ordinal)
                for s, e in found[ordinal]:
                    if self.sort == "right":
                        context = folded[e : e + width]
                    else:
                        context = folded[max(0, s - width) : s][::-1]
                    keyed.append(((context, folded[s:e], rank), _Place(ordinal, (s, e), rank)))
                    rank += 1
        keyed.sort(key=lambda pair: pair[0])
        starts = self.group_rows()
        groups = np.searchsorted(starts, [place.rank for _, place in keyed], side="right") - 1
        self._keys = [
            (context, match, int(group), rank)
            for ((context, match, rank), _), group in zip(keyed, groups.tolist(), strict=True)
        ]
        return [place for _, place in keyed]

    def _rows_of(self, places: list[_Place]) -> list[KwicRow]:
        generation = self.result.generation
        records = generation.store.passages(sorted({p.ordinal for p in places}))
        reports = generation.report_table.records
        rows = []
        width = self.width
        for place in places:
            record = records[place.ordinal]
            text = record.passage.text
            s, e = place.span
            report = reports[record.report_ordinal]
            rows.append(
                KwicRow(
                    report_id=report.report_id,
                    passage_id=record.passage.passage_id,
                    left=text[max(0, s - width) : s],
                    match=text[s:e],
                    right=text[e : e + width],
                    metadata=report.metadata,
                )
            )
        return rows
