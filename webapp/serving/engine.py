"""The index of this app, per request: opened once per process and generation.

`get_engine` returns the request's `CachedEngine`: `search` answered from a results cache
(`GenerationCache`, bounded in bytes, emptied by a new generation), the rest passed on to
the engine (`indexer.search.engine.open_index`: one index or a sharded one, alike), which
is opened on first use, so requests that need none (static files, cached pages) open
nothing. Every call of a request notes in one record which shards answered
(`answered`): what `"shards"` in the JSON says, and what the page says when part of the
index did not answer. A request with `partial=1` accepts such an answer; without, a
missing shard makes it a 503.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from flask import current_app, g, has_app_context, request

from indexer.index.store import ReportRecord
from indexer.models import Report
from indexer.search.answered import Answered
from indexer.search.compare import Comparison
from indexer.search.engine import open_index
from indexer.search.facets import Facets
from indexer.search.interface import Engine, Result, Similar
from indexer.search.laws import LawLinks
from indexer.search.shard_set import ShardSetFactory
from webapp.partial import wants_partial

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


def _result_size(result: Result) -> int:
    """Estimate a result's memory: its arrays, plus room for facets once they are counted."""
    return result.nbytes + 256 * result.total_reports + 4096


def _filters_key(filters: Filters | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(sorted((k, tuple(v)) for k, v in (filters or {}).items()))


class CachedEngine:
    """The request's engine: `search` answered from the result cache, the rest passed on.

    The engine is opened on first use, so requests that need none (static files, cached
    pages) open nothing. `partial`: the request accepts an answer some shards are
    missing from; such a result is never cached.
    """

    def __init__(self, index_dir: Path, results: GenerationCache, *, partial: bool = False):
        self._index_dir = index_dir
        self._results = results
        self._partial = partial
        self._engine: Engine | None = None
        self._answered: Answered | None = None

    def _open(self) -> Engine:
        if self._engine is None:
            self._engine = open_index(self._index_dir, shard_sets())
            self._answered = self._engine.answering(self._partial)
        return self._engine

    @property
    def answered(self) -> Answered:
        """Which shards answered this request's calls so far."""
        self._open()
        assert self._answered is not None
        return self._answered

    def answered_for_page(self) -> Answered:
        """`answered`, once what templates read lazily (the cited-law links) is read: a
        page says at its top whether a shard was missing, before they are used."""
        self.laws  # noqa: B018 - read for which shards answer it
        return self.answered

    def shards_json(self) -> dict[str, object]:
        """`"shards"` of the request's JSON: `{"total", "answered"}` (and `missing`)."""
        return self.answered.as_json()

    # What the views read of an engine, passed on (only `search` is cached).

    def count(self, query: str, filters: Filters | None = None) -> int:
        return self._open().count(query, filters, answered=self.answered)

    @functools.cached_property
    def similar(self) -> Similar:
        return self._open().similar_passages(self.answered)

    @functools.cached_property
    def laws(self) -> LawLinks:
        """The cited-law links, once per request (a page links every citation)."""
        return self._open().law_links(self.answered)

    def overview(self) -> dict[str, Any]:
        return self._open().overview(answered=self.answered)

    def suggest(self, query: str, filters: Filters | None = None) -> list[tuple[str, int]]:
        return self._open().suggest(query, filters, answered=self.answered)

    def report(self, report_id: str) -> Report:
        return self._open().report(report_id, answered=self.answered)

    def report_highlights(
        self, report_id: str, query: str, filters: Filters | None = None
    ) -> dict[str, list[tuple[int, int]]]:
        return self._open().report_highlights(report_id, query, filters, answered=self.answered)

    def disjunctive_facets(self, query: str, filters: Filters | None, counted: Facets) -> Facets:
        return self._open().disjunctive_facets(query, filters, counted, answered=self.answered)

    def compare(self, a_id: str, b_id: str) -> Comparison:
        return self._open().compare(a_id, b_id, answered=self.answered)

    def counterparts(self, report_id: str) -> list[ReportRecord]:
        return self._open().counterparts(report_id, answered=self.answered)

    def report_summaries(self) -> list[ReportRecord]:
        return self._open().report_summaries(answered=self.answered)

    @property
    def build_id(self) -> str:
        return self._open().build_id

    @property
    def built_at(self) -> str:
        return self._open().built_at

    def search(
        self,
        query: str,
        *,
        filters: Filters | None = None,
        sort: str = "relevance",
        first_hits: int | None = None,
    ) -> Result:
        """The engine's search, kept in the results cache. `first_hits`: how many first
        hits the caller reads at once (0 when it reads none), made ahead by shards
        served far away (`ShardedEngine.search`)."""
        engine = self._open()

        def searched() -> Result:
            return engine.search(
                query, filters=filters, sort=sort, answered=self.answered, first_hits=first_hits
            )

        if self._results.max_bytes <= 0 or self._partial:
            return searched()
        key = (query, _filters_key(filters), sort)
        result: Result | None = self._results.get(engine.build_id, key)
        if result is None:
            result = searched()
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
        g.engine = CachedEngine(
            Path(current_app.config["INDEX_DIR"]),
            GenerationCache(0),
            partial=wants_partial(request.args, request.path),
        )
    engine: CachedEngine = g.engine
    return engine
