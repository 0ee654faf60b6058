"""What the shells (web app, CLI) use of an engine and its results.

One index (`engine.SearchEngine`, `ranking.SearchResult`) and a sharded one
(`sharded.ShardedEngine`, `sharded_result.ShardedResult`) answer alike, so the shells
hold an `Engine` and never ask which; nothing here reaches into a generation. Every call
that may fan out takes `answered`, which notes the shards that answered a request's calls
(`answered.Answered`: one index is one shard, always answering).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from indexer.index.store import ReportRecord
from indexer.models import Report
from indexer.search.answered import Answered
from indexer.search.compare import Comparison
from indexer.search.facets import Facets
from indexer.search.kwic import KwicRow
from indexer.search.laws import LawLinks
from indexer.search.newest import NewReport
from indexer.search.results import Hit, ReportGroup
from indexer.search.similar import ReportPair, SimilarPassage

Filters = Mapping[str, Sequence[str]]


class Concordant(Protocol):
    """A concordance (`kwic.Concordance`): every occurrence in its context, in one order."""

    total: int

    def rows(self, offset: int = 0, limit: int | None = None) -> list[KwicRow]: ...

    def iter_rows(self) -> Iterator[KwicRow]: ...


class Result(Protocol):
    """Every match of a query, ranked and grouped, with the workbench's views of it."""

    query: str
    interpretation: str
    total_passages: int
    total_reports: int
    took_ms: float
    shards: Answered

    @property
    def total_occurrences(self) -> int: ...

    @property
    def facets(self) -> dict[str, list[dict[str, object]]]: ...

    @property
    def all_facets(self) -> Facets: ...

    @property
    def group_count(self) -> int: ...

    @property
    def nbytes(self) -> int: ...

    def groups(
        self, offset: int = 0, limit: int | None = None, passages_per_group: int | None = 3
    ) -> list[ReportGroup]: ...

    def hits(self, offset: int = 0, limit: int | None = None) -> list[Hit]: ...

    def iter_hits(self, batch: int = 500) -> Iterator[Hit]: ...

    def trends(self) -> dict[str, Any]: ...

    def concordance(self, *, width: int = ..., sort: str = ...) -> Concordant: ...

    def collocations(self, limit: int = ..., max_passages: int = ...) -> dict[str, Any]: ...

    def newest(self, limit: int) -> list[NewReport]: ...


class Similar(Protocol):
    """Near-duplicate passages across reports (`similar.SimilarPassages`)."""

    available: bool

    @property
    def report_pair_count(self) -> int: ...

    def of_passages(self, ordinals: np.ndarray) -> dict[int, list[tuple[int, float]]]: ...

    def in_report(self, report_id: str) -> dict[str, list[SimilarPassage]]: ...

    def report_pairs(self, limit: int = 200) -> list[ReportPair]: ...


class Engine(Protocol):
    """An opened index, one or sharded: search it, read its reports, compare them."""

    @property
    def name(self) -> str: ...

    @property
    def build_id(self) -> str: ...

    @property
    def index_dir(self) -> Path: ...

    @property
    def built_at(self) -> str: ...

    @property
    def shard_count(self) -> int: ...

    def answering(self, partial: bool = False) -> Answered: ...

    def search(
        self,
        query: str,
        *,
        filters: Filters | None = None,
        sort: str = "relevance",
        partial: bool = False,
        answered: Answered | None = None,
        first_hits: int | None = None,
    ) -> Result: ...

    def count(
        self,
        query: str,
        filters: Filters | None = None,
        *,
        partial: bool = False,
        answered: Answered | None = None,
    ) -> int: ...

    def disjunctive_facets(
        self,
        query: str,
        filters: Filters | None,
        counted: Facets,
        *,
        answered: Answered | None = None,
    ) -> Facets: ...

    def overview(self, *, laws: int = 10, answered: Answered | None = None) -> dict[str, Any]: ...

    def suggest(
        self,
        query: str,
        filters: Filters | None = None,
        limit: int = 5,
        *,
        answered: Answered | None = None,
    ) -> list[tuple[str, int]]: ...

    def report(self, report_id: str, *, answered: Answered | None = None) -> Report: ...

    def report_highlights(
        self,
        report_id: str,
        query: str,
        filters: Filters | None = None,
        *,
        answered: Answered | None = None,
    ) -> dict[str, list[tuple[int, int]]]: ...

    def report_summaries(self, *, answered: Answered | None = None) -> list[ReportRecord]: ...

    def similar_passages(self, answered: Answered | None = None) -> Similar: ...

    def law_links(self, answered: Answered | None = None) -> LawLinks: ...

    def compare(self, a_id: str, b_id: str, *, answered: Answered | None = None) -> Comparison: ...

    def counterparts(
        self, report_id: str, *, answered: Answered | None = None
    ) -> list[ReportRecord]: ...

    def about(self, *, answered: Answered | None = None) -> dict[str, Any]: ...

    def close(self) -> None: ...
