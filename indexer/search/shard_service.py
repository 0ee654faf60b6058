"""One shard of a sharded index, answering its coordinator in plain data.

A sharded index (`index/cluster.py`) is searched by fanning each query out to its shards
and merging their answers (`sharded.py`). What a shard answers is computed here, by the
ordinary search code over the shard's generation, opened with the whole index's
statistics (`global_stats.GlobalStatistics`), so its scores, filters and facet counts are
those one index would give for these reports. Every call names the cluster generation the
query started on, so a query never mixes generations: a shard opens its generation as
that manifest names it (and keeps the latest two open).

Everything in and out is plain data (strings, numbers, numpy arrays, the frozen result
dataclasses), so a `ShardService` can live in this process or in a Ray actor on another
machine (`distributed/`) with the same code. Searches are kept by their query in a
cache bounded in bytes: the coordinator's follow-up calls (a page of groups, the facets,
the occurrences) find the result computed by its first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from cachetools import LRUCache

from indexer.index.cluster import Manifest
from indexer.index.global_stats import GlobalStatistics
from indexer.index.store import ReportRecord
from indexer.models import Report
from indexer.search.facets import Facets
from indexer.search.generation import Generation
from indexer.search.ranking import SearchResult
from indexer.search.results import Hit, ReportGroup
from indexer.search.sorting import merge_keys

Filters = Mapping[str, Sequence[str]]
FiltersKey = tuple[tuple[str, tuple[str, ...]], ...]

# Searches kept per shard for the coordinator's follow-up calls, bounded in bytes.
RESULTS_BYTES = 128 * 1024 * 1024
GENERATIONS_KEPT = 2


def filters_key(filters: Filters | None) -> FiltersKey:
    """Filters as a hashable, order-free key."""
    return tuple(sorted((k, tuple(v)) for k, v in (filters or {}).items() if v))


@dataclass(frozen=True)
class ShardSummary:
    """A shard's answer to a search: its totals and its first groups' merge keys.

    `keys` are the rows `sorting.merge_keys` gives, one per group in the shard's rank
    order (at most `upto` of them); `sizes` their matching passages.
    """

    total_passages: int
    total_reports: int
    groups: int  # every group the shard has, of which `keys` holds the first
    keys: np.ndarray
    sizes: np.ndarray


class ShardEngine(Protocol):
    """What a shard's service asks of the engine over its generation (`SearchEngine`)."""

    generation: Generation

    def search(
        self, query: str, *, filters: Filters | None = None, sort: str = "relevance"
    ) -> SearchResult: ...

    def count(self, query: str, filters: Filters | None = None) -> int: ...

    def report(self, report_id: str) -> Report: ...

    def report_highlights(
        self, report_id: str, query: str, filters: Filters | None = None
    ) -> dict[str, list[tuple[int, int]]]: ...

    def report_summaries(self) -> list[ReportRecord]: ...


class ShardService:
    """Shard `shard` of the sharded index in `index_dir`, opened per cluster generation
    by `make_engine` (`SearchEngine`, which the search family's front door passes)."""

    def __init__(
        self, index_dir: str | Path, shard: int, make_engine: Callable[[Generation], ShardEngine]
    ) -> None:
        self.index_dir = Path(index_dir).resolve()
        self.shard = shard
        self._make_engine = make_engine
        self._engines: dict[str, ShardEngine] = {}
        self._lock = threading.Lock()
        self._results: LRUCache[tuple[Any, ...], SearchResult] = LRUCache(
            maxsize=RESULTS_BYTES, getsizeof=lambda result: result.nbytes + 4096
        )

    def engine(self, generation: str) -> ShardEngine:
        """The engine of this shard as cluster generation `generation` names it."""
        with self._lock:
            found = self._engines.get(generation)
            if found is not None:
                return found
            cluster = self.index_dir / generation
            path = Manifest.read(cluster).shards[self.shard]
            whole = GlobalStatistics(cluster, self.shard)
            found = self._make_engine(Generation(self.index_dir, path, whole))
            self._engines[generation] = found
            for old in list(self._engines)[:-GENERATIONS_KEPT]:
                self._engines.pop(old)  # closed when its last query lets go of it
            return found

    def result(
        self, generation: str, query: str, filters: Filters | None, sort: str
    ) -> SearchResult:
        key = (generation, query, filters_key(filters), sort)
        with self._lock:
            found = self._results.get(key)
        if found is None:
            found = self.engine(generation).search(query, filters=filters, sort=sort)
            with self._lock:
                self._results[key] = found
        return found

    # the calls ------------------------------------------------------------------------

    def search(
        self, generation: str, query: str, filters: Filters | None, sort: str, upto: int
    ) -> ShardSummary:
        result = self.result(generation, query, filters, sort)
        keys, sizes = result.group_keys(upto)
        return ShardSummary(
            total_passages=result.total_passages,
            total_reports=result.total_reports,
            groups=result.group_count,
            keys=merge_keys(sort, keys, result.generation.global_report, sizes),
            sizes=sizes,
        )

    def facets(self, generation: str, query: str, filters: Filters | None, sort: str) -> Facets:
        return self.result(generation, query, filters, sort).all_facets

    def occurrences(self, generation: str, query: str, filters: Filters | None, sort: str) -> int:
        return self.result(generation, query, filters, sort).total_occurrences

    def groups(
        self,
        generation: str,
        query: str,
        filters: Filters | None,
        sort: str,
        ranks: Sequence[int],
        per_group: int | None,
    ) -> list[ReportGroup]:
        """The shard's groups at `ranks` (its own rank order), with their best passages."""
        result = self.result(generation, query, filters, sort)
        return result.groups_at(ranks, per_group)

    def hits(
        self,
        generation: str,
        query: str,
        filters: Filters | None,
        sort: str,
        slices: Sequence[tuple[int, int, int]],
    ) -> list[Hit]:
        """The hits of (group rank, first, end) slices of groups' passages, best first."""
        return self.result(generation, query, filters, sort).hits_in_groups(slices)

    def count(self, generation: str, query: str, filters: Filters | None) -> int:
        return self.engine(generation).count(query, filters)

    def facets_of_everything(self, generation: str) -> Facets:
        return self.engine(generation).generation.facets_of_everything()

    def report(self, generation: str, report_id: str) -> Report:
        return self.engine(generation).report(report_id)

    def report_highlights(
        self, generation: str, report_id: str, query: str, filters: Filters | None
    ) -> dict[str, list[tuple[int, int]]]:
        return self.engine(generation).report_highlights(report_id, query, filters)

    def report_summaries(self, generation: str) -> list[tuple[int, ReportRecord]]:
        """Every live report with its ordinal in the whole index."""
        engine = self.engine(generation)
        global_report = engine.generation.global_report
        return [(int(global_report[r.ordinal]), r) for r in engine.report_summaries()]

    def counts(self, generation: str) -> dict[str, int]:
        """Reports, passages and folded characters held (what `stats` says)."""
        generation_ = self.engine(generation).generation
        reports, passages = generation_.store.counts()
        characters = len(generation_.literal.folded_text)
        return {"reports": reports, "passages": passages, "characters": characters}
