"""The shards of a sharded index as the coordinator reaches them, and their answers.

`ShardedEngine` (`sharded.py`) asks every shard (or the one holding a report) to run a
`ShardService` call and merges what comes back. How the call travels is a `ShardSet`:
`LocalShards` runs each shard's service in this process; a Ray cluster's actors are
another (`distributed/`). A shard that fails or does not answer in time is missing from
the answers; the coordinator never silently merges a partial answer (`answered.Answered`,
imported from here too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from indexer.search.answered import Answered, ShardsUnavailableError
from indexer.search.facets import Facets
from indexer.search.generation import Generation
from indexer.search.shard_service import ReportHits, ShardEngine, ShardService

__all__ = ["Answered", "Coordinator", "LocalShards", "ShardSet", "ShardsUnavailableError"]


class ShardSet(Protocol):
    """A way to reach each shard's `ShardService`."""

    @property
    def total(self) -> int: ...

    @property
    def hits_ahead(self) -> int:
        """The most of its first hits a shard sends with its first answer to a search
        (as many as the caller reads at once): a page's worth where a round trip costs
        more than making them, else none."""
        ...

    def ask(self, method: str, args: tuple[Any, ...], shards: Sequence[int]) -> dict[int, Any]:
        """Call `ShardService.<method>(*args)` on the given shards; return each answer by
        shard. A shard that failed or timed out is absent; an error the service raised on
        purpose (a `ReportSearchError`: a bad query, an unknown report) is raised here."""
        ...

    def ask_each(self, method: str, args: dict[int, tuple[Any, ...]]) -> dict[int, Any]:
        """`ask` with each shard's own arguments, all sent at once (one round trip)."""
        ...

    def close(self) -> None: ...


# How an engine reaches a sharded index's shards: (index folder, shard count) → ShardSet.
ShardSetFactory = Callable[[Path, int], ShardSet]


class Coordinator(Protocol):
    """What a sharded result and its views ask of the engine over the shards
    (`sharded.ShardedEngine`)."""

    @property
    def total(self) -> int: ...

    def ask(
        self,
        method: Callable[..., Any],
        args: tuple[Any, ...],
        answered: Answered,
        shards: Sequence[int] | None = None,
    ) -> dict[int, Any]:
        """Ask the shards (all by default) the `ShardService` call `method` (a method of
        the class: its name travels) for this generation; note who answered."""
        ...

    def ask_each(
        self, method: Callable[..., Any], args: dict[int, tuple[Any, ...]], answered: Answered
    ) -> dict[int, Any]:
        """`ask` with each shard's own arguments, in one round trip."""
        ...

    def facets_of_everything(self, answered: Answered | None = None) -> Facets: ...

    def count_facets(self, report_hits: Sequence[ReportHits], answered: Answered) -> Facets:
        """The facets of the matching reports, given as the shards' `report_hits`."""
        ...

    def shard_holding(self, report_id: str) -> int: ...


class LocalShards:
    """Every shard's service in this process, asked one after another.

    Not in parallel threads: measured on the laws corpus in 3 shards on 2 cores, a
    thread per shard cost the median query 2 ms more than it saved (the threads hand the
    interpreter lock to and fro between numpy calls; only the heaviest queries, such as
    的, gained). Shards answer in parallel when each is its own process (Ray actors).
    """

    def __init__(
        self, index_dir: str | Path, count: int, make_engine: Callable[[Generation], ShardEngine]
    ) -> None:
        self.services = [ShardService(index_dir, shard, make_engine) for shard in range(count)]

    @property
    def total(self) -> int:
        return len(self.services)

    @property
    def hits_ahead(self) -> int:
        return 0  # here a second call costs nothing, and hits made ahead cost each shard

    def ask(self, method: str, args: tuple[Any, ...], shards: Sequence[int]) -> dict[int, Any]:
        return self.ask_each(method, dict.fromkeys(shards, args))

    def ask_each(self, method: str, args: dict[int, tuple[Any, ...]]) -> dict[int, Any]:
        return {k: getattr(self.services[k], method)(*arguments) for k, arguments in args.items()}

    def close(self) -> None:
        """Nothing to let go of: the services' generations close when collected."""
