"""The index of this app, per request: opened once per process and generation.

`get_engine` returns the request's `CachedEngine`: `search` answered from a results cache
(`GenerationCache`, bounded in bytes, emptied by a new generation), the rest passed on to
the `SearchEngine`, which is opened on first use, so requests that need none (static
files, cached pages) open nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from flask import current_app, g, has_app_context

from indexer.errors import IndexMissingError
from indexer.index.store import ReportRecord
from indexer.models import Report
from indexer.search.compare import Comparison, compare, counterparts
from indexer.search.engine import SearchEngine, open_index
from indexer.search.facets import Facets
from indexer.search.generation import Generation
from indexer.search.laws import LawLinks
from indexer.search.ranking import SearchResult
from indexer.search.shard_set import ShardSetFactory
from indexer.search.similar import SimilarPassages

Filters = Mapping[str, Sequence[str]]


class GenerationCache:
    """A thread-safe LRU map bounded in bytes, holding entries of one build id at a time."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.generation: str | None = None
        self.hits = self.misses = 0
        self._entries = self._empty()
        self._lock = threading.Lock()

    def _empty(self) -> LRUCache[Hashable, tuple[Any, int]]:
        # Each entry weighs its size; cachetools drops the least recently used past the cap.
        return LRUCache(maxsize=max(self.max_bytes, 1), getsizeof=lambda entry: entry[1])

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        return int(self._entries.currsize)

    def _switch(self, generation: str) -> None:
        if generation != self.generation:
            self._entries = self._empty()
            self.generation = generation

    def get(self, generation: str, key: Hashable) -> Any:
        with self._lock:
            self._switch(generation)
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self.hits += 1
            return entry[0]

    def put(self, generation: str, key: Hashable, value: Any, size: int) -> None:
        if size > self.max_bytes:
            return
        with self._lock:
            self._switch(generation)
            self._entries[key] = (value, size)


def _result_size(result: SearchResult) -> int:
    """Estimate a result's memory: its arrays, plus room for facets once they are counted."""
    return result.nbytes + 256 * result.total_reports + 4096


def _filters_key(filters: Filters | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(sorted((k, tuple(v)) for k, v in (filters or {}).items()))


class CachedEngine:
    """The request's engine: `search` answered from the result cache, the rest passed on.

    The engine is opened on first use, so requests that need none (static files, cached
    pages) open nothing.
    """

    def __init__(self, index_dir: Path, results: GenerationCache) -> None:
        self._index_dir = index_dir
        self._results = results
        self._engine: SearchEngine | None = None

    def _open(self) -> SearchEngine:
        if self._engine is None:
            engine = open_index(self._index_dir, shard_sets())
            if not isinstance(engine, SearchEngine):
                raise IndexMissingError(
                    f"{self._index_dir} 是分片索引，网页服务还不能检索分片索引",
                    hint="用未分片的索引（build 不加 --shards）",
                )
            self._engine = engine
        return self._engine

    # What the views read of an engine, passed on (only `search` is cached).

    @property
    def generation(self) -> Generation:
        return self._open().generation

    def count(self, query: str, filters: Filters | None = None) -> int:
        return self._open().count(query, filters)

    @property
    def similar(self) -> SimilarPassages:
        return self._open().similar

    @property
    def laws(self) -> LawLinks:
        return self._open().laws

    def overview(self) -> dict[str, Any]:
        return self._open().overview()

    def report(self, report_id: str) -> Report:
        return self._open().report(report_id)

    def report_highlights(
        self, report_id: str, query: str, filters: Mapping[str, Sequence[str]] | None = None
    ) -> dict[str, list[tuple[int, int]]]:
        return self._open().report_highlights(report_id, query, filters)

    def disjunctive_facets(
        self, query: str, filters: Mapping[str, Sequence[str]] | None, counted: Facets
    ) -> Facets:
        return self._open().disjunctive_facets(query, filters, counted)

    def compare(self, a_id: str, b_id: str) -> Comparison:
        return compare(self._open(), a_id, b_id)

    def counterparts(self, report_id: str) -> list[ReportRecord]:
        return counterparts(self._open(), report_id)

    def report_summaries(self) -> list[ReportRecord]:
        return self._open().report_summaries()

    @property
    def build_id(self) -> str:
        return self._open().build_id

    def search(
        self,
        query: str,
        *,
        filters: Mapping[str, Sequence[str]] | None = None,
        sort: str = "relevance",
    ) -> SearchResult:
        engine = self._open()
        if self._results.max_bytes <= 0:
            return engine.search(query, filters=filters, sort=sort)
        key = (query, _filters_key(filters), sort)
        result = self._results.get(engine.build_id, key)
        if result is None:
            result = engine.search(query, filters=filters, sort=sort)
            self._results.put(engine.build_id, key, result, _result_size(result))
        return result


def shard_sets() -> ShardSetFactory | None:
    """How the app reaches a sharded index's shards (`open_index`'s `shards`): the
    `SHARD_SETS` setting; None, in this process (and outside an app); `python -m webapp
    --ray` sets a Ray cluster's actors (`indexer/distributed/serving.py`)."""
    if not has_app_context():
        return None
    found: ShardSetFactory | None = current_app.config["SHARD_SETS"]
    return found


def get_engine() -> CachedEngine:
    """Return this request's engine (made by the page cache's hook, else here)."""
    if "engine" not in g:
        g.engine = CachedEngine(Path(current_app.config["INDEX_DIR"]), GenerationCache(0))
    engine: CachedEngine = g.engine
    return engine
