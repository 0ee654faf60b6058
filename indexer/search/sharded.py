"""A sharded index searched as one: each query fanned out to the shards, answers merged.

Every report lives in one shard (`index/cluster.py`), so what a shard counts of its
reports is exact, and the whole index's counts are sums: totals, facet counts (each
shard's complete counts, never a truncated top list), occurrences. Ranked groups are
merged by their keys (`sorting.merge_keys`): each shard ranks with the whole index's
statistics and breaks ties by whole-index report ordinals, so the merged order is the
one a single index gives. A page at `offset` asks each shard for its first
`offset + limit` groups' keys, then the winners' passages from the shards holding them.

`ShardedEngine` and `ShardedResult` answer what `SearchEngine` and `SearchResult` answer
to the web app and the CLI; the shards are reached through a `ShardSet` (this process,
or a Ray cluster). A shard that does not answer makes the call fail with
`ShardsUnavailableError`, or, asked for `partial`, the result says which are missing.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from indexer.index.cluster import Manifest, read_build_record, shard_of
from indexer.index.generations import ReaderLock
from indexer.index.layout import IndexLayout
from indexer.index.store import ReportRecord
from indexer.models import Report
from indexer.query import cited_laws, explain_query
from indexer.query.proximity import highlight_terms
from indexer.search.facets import FACET_FILTERS, PUBLIC_FACETS, Facets, merge_facets
from indexer.search.filters import with_filters
from indexer.search.results import Hit, ReportGroup
from indexer.search.shard_service import ShardSummary
from indexer.search.shard_set import Answered, ShardSet
from indexer.search.sorting import merged_order
from indexer.settings import SORTS

Filters = Mapping[str, Sequence[str]]

# Groups' keys asked of each shard for a page of passages, doubled until enough.
FIRST_KEYS = 64


class ShardedEngine:
    """The cluster generation `name` of the sharded index in `index_dir`, searched through
    `shards`. Holds the generation (a reader lock) until closed or collected."""

    def __init__(self, index_dir: Path, name: str, shards: ShardSet) -> None:
        layout = IndexLayout(index_dir / name)
        self._lock = ReaderLock(layout.root)
        if not layout.is_complete():
            self._lock.release()
            raise FileNotFoundError(layout.root)
        self.index_dir, self.name, self.shards = index_dir, name, shards
        self.manifest = Manifest.read(layout.root)
        self.build_id = layout.build_id.read_text(encoding="utf-8").strip()
        self.layout = layout

    @property
    def total(self) -> int:
        return len(self.manifest.shards)

    def close(self) -> None:
        self._lock.release()

    def ask(
        self,
        method: str,
        args: tuple[Any, ...],
        answered: Answered,
        shards: Sequence[int] | None = None,
    ) -> dict[int, Any]:
        """Ask the shards (all by default) a `ShardService` call for this generation."""
        asked = list(range(self.total)) if shards is None else list(shards)
        answers = self.shards.ask(method, (self.name, *args), asked)
        return answered.check(answers, asked)

    # searching -------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        filters: Filters | None = None,
        sort: str = "relevance",
        partial: bool = False,
    ) -> ShardedResult:
        """What `SearchEngine.search` answers, over every shard (see the module)."""
        if sort not in SORTS:
            from indexer.errors import QueryError

            known = "、".join(f"{name}（{label}）" for name, label in SORTS.items())
            raise QueryError(f"未知排序方式 {sort}", hint=f"可用：{known}")
        return ShardedResult(self, query, filters, sort, Answered(self.total, partial))

    def count(self, query: str, filters: Filters | None = None, *, partial: bool = False) -> int:
        answers = self.ask("count", (query, filters), Answered(self.total, partial))
        return sum(answers.values())

    def facets_of_everything(self, answered: Answered | None = None) -> Facets:
        answered = answered or Answered(self.total)
        return merge_facets(list(self.ask("facets_of_everything", (), answered).values()))

    def disjunctive_facets(self, query: str, filters: Filters | None, counted: Facets) -> Facets:
        """`SearchEngine.disjunctive_facets`, over every shard."""
        out = dict(counted)
        active = {key for key, values in (filters or {}).items() if values}
        for key in sorted(active & set(FACET_FILTERS.values())):
            rest = {k: list(v) for k, v in (filters or {}).items() if k != key and v}
            if not query.strip() and not rest:
                other = self.facets_of_everything()
            else:
                other = self.search(query, filters=rest or None).all_facets
            for name, filter_key in FACET_FILTERS.items():
                if filter_key == key:
                    out[name] = other[name]
        return out

    # reading ---------------------------------------------------------------------

    def shard_holding(self, report_id: str) -> int:
        return shard_of(report_id, self.total)

    def report(self, report_id: str) -> Report:
        shard = self.shard_holding(report_id)
        answer: Report = self.ask("report", (report_id,), Answered(self.total), [shard])[shard]
        return answer

    def report_highlights(
        self, report_id: str, query: str, filters: Filters | None = None
    ) -> dict[str, list[tuple[int, int]]]:
        shard = self.shard_holding(report_id)
        args = (report_id, query, filters)
        found: dict[str, list[tuple[int, int]]] = self.ask(
            "report_highlights", args, Answered(self.total), [shard]
        )[shard]
        return found

    def report_summaries(self) -> list[ReportRecord]:
        """Every live report, in the whole index's order."""
        answers = self.ask("report_summaries", (), Answered(self.total))
        rows = [row for found in answers.values() for row in found]
        return [record for _, record in sorted(rows, key=lambda row: row[0])]

    @property
    def built_at(self) -> str:
        return str(self._build.get("built_at", ""))

    @functools.cached_property
    def _build(self) -> dict[str, Any]:
        return read_build_record(self.layout)

    def about(self) -> dict[str, Any]:
        """What `stats` says: every shard's counts summed; when and how it was built."""
        totals: dict[str, Any] = {}
        for found in self.ask("counts", (), Answered(self.total)).values():
            for key, value in found.items():
                totals[key] = totals.get(key, 0) + value
        return {
            "built_at": self.built_at,
            **totals,
            "build": self._build.get("summary"),
            "shards": self.total,
        }


class ShardedResult:
    """Every match of a query over every shard: totals and facets summed, groups merged.

    Made with the shards' totals and first groups' keys; the rest is asked when used.
    """

    def __init__(
        self,
        engine: ShardedEngine,
        query: str,
        filters: Filters | None,
        sort: str,
        answered: Answered,
    ) -> None:
        started = time.perf_counter()
        self.engine, self.query, self.filters, self.sort = engine, query, filters, sort
        self.shards = answered
        tree = with_filters(query, filters or {})
        self.interpretation = explain_query(tree)
        self.terms = highlight_terms(tree)
        self.laws = tuple(cited_laws(tree))
        self._summaries: dict[int, ShardSummary] = {}
        self._upto = 0
        self._ensure_keys(FIRST_KEYS)
        self.total_passages = sum(s.total_passages for s in self._summaries.values())
        self.total_reports = sum(s.total_reports for s in self._summaries.values())
        self._facets: Facets | None = None
        self._occurrences: int | None = None
        self.took_ms = round((time.perf_counter() - started) * 1000, 2)

    def _ask(self, method: str, *args: Any, shards: Sequence[int] | None = None) -> dict[int, Any]:
        call = (self.query, self.filters, self.sort, *args)
        return self.engine.ask(method, call, self.shards, shards)

    # the merged order of groups -----------------------------------------------------

    def _ensure_keys(self, upto: int) -> None:
        """Have every shard's first `upto` groups' keys (asked again only when more)."""
        if upto <= self._upto:
            return
        self._summaries = self._ask("search", upto)
        self._upto = upto
        keys = [(k, s) for k, s in sorted(self._summaries.items()) if len(s.keys)]
        stacked = np.concatenate([s.keys for _, s in keys]) if keys else np.empty((0, 3))
        self._shard_of = np.concatenate(
            [np.full(len(s.keys), k, np.int64) for k, s in keys] or [np.empty(0, np.int64)]
        )
        self._rank_of = np.concatenate(
            [np.arange(len(s.keys)) for _, s in keys] or [np.empty(0, np.int64)]
        )
        self._sizes = np.concatenate([s.sizes for _, s in keys] or [np.empty(0, np.int64)])
        order = merged_order(stacked)
        # The first `upto` merged groups are exact: every shard gave its first `upto`.
        exact = min(upto, len(order))
        order = order[:exact]
        self._shard_of, self._rank_of = self._shard_of[order], self._rank_of[order]
        self._sizes = self._sizes[order]
        self._flat_starts = np.r_[0, np.cumsum(self._sizes)]

    @property
    def group_count(self) -> int:
        return sum(s.groups for s in self._summaries.values())

    def _groups_covering(self, passages: int) -> None:
        """Have the merged groups that hold the first `passages` passages."""
        upto = max(self._upto, FIRST_KEYS)
        while self._flat_starts[-1] < min(passages, self.total_passages):
            upto *= 2
            self._ensure_keys(upto)

    # groups and hits -------------------------------------------------------------------

    def groups(
        self, offset: int = 0, limit: int | None = None, passages_per_group: int | None = 3
    ) -> list[ReportGroup]:
        end = self.group_count if limit is None else min(offset + limit, self.group_count)
        if offset >= end:
            return []
        self._ensure_keys(end)
        wanted = range(offset, end)
        by_shard: dict[int, list[int]] = {}
        for position in wanted:
            by_shard.setdefault(int(self._shard_of[position]), []).append(
                int(self._rank_of[position])
            )
        answers: dict[int, list[ReportGroup]] = {}
        for shard, ranks in by_shard.items():
            found = self._ask("groups", ranks, passages_per_group, shards=[shard])
            if shard in found:
                answers[shard] = list(found[shard])
        out = []
        for position in wanted:
            shard = int(self._shard_of[position])
            if shard in answers:
                out.append(answers[shard].pop(0))
        return out

    def hits(self, offset: int = 0, limit: int | None = None) -> list[Hit]:
        """Hits in grouped rank order, as `SearchResult.hits` gives them."""
        end = self.total_passages if limit is None else min(offset + limit, self.total_passages)
        if offset >= end:
            return []
        self._groups_covering(end)
        starts = self._flat_starts
        first = int(np.searchsorted(starts, offset, side="right")) - 1
        pieces: list[tuple[int, int, int, int]] = []  # (shard, rank, first, end)
        group = first
        while group < len(self._sizes) and starts[group] < end:
            base = int(starts[group])
            pieces.append(
                (
                    int(self._shard_of[group]),
                    int(self._rank_of[group]),
                    max(0, offset - base),
                    min(end - base, int(self._sizes[group])),
                )
            )
            group += 1
        by_shard: dict[int, list[tuple[int, int, int]]] = {}
        for shard, rank, start, stop in pieces:
            by_shard.setdefault(shard, []).append((rank, start, stop))
        answers: dict[int, list[Hit]] = {}
        for shard, slices in by_shard.items():
            found = self._ask("hits", slices, shards=[shard])
            if shard in found:
                answers[shard] = list(found[shard])
        out: list[Hit] = []
        for shard, _rank, start, stop in pieces:
            if shard in answers:
                taken = answers[shard][: stop - start]
                answers[shard] = answers[shard][stop - start :]
                out.extend(taken)
        return out

    def iter_hits(self, batch: int = 500) -> Iterator[Hit]:
        for start in range(0, self.total_passages, batch):
            yield from self.hits(start, batch)

    # counts ------------------------------------------------------------------------

    @property
    def all_facets(self) -> Facets:
        if self._facets is None:
            self._facets = merge_facets(list(self._ask("facets").values()))
        return self._facets

    @property
    def facets(self) -> dict[str, list[dict[str, object]]]:
        return {name: self.all_facets[name] for name in PUBLIC_FACETS}

    @property
    def total_occurrences(self) -> int:
        if self._occurrences is None:
            self._occurrences = sum(self._ask("occurrences").values())
        return self._occurrences

    @property
    def nbytes(self) -> int:
        return int(self._sizes.nbytes * 4) + 4096
