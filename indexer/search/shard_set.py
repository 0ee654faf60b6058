"""The shards of a sharded index as the coordinator reaches them, and their answers.

`ShardedEngine` (`sharded.py`) asks every shard (or the one holding a report) to run a
`ShardService` call and merges what comes back. How the call travels is a `ShardSet`:
`LocalShards` runs each shard's service in this process; a Ray cluster's actors are
another (`distributed/`). A shard that fails or does not answer in time is missing from
the answers; the coordinator never silently merges a partial answer (`Answered`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from indexer.errors import ReportSearchError
from indexer.search.generation import Generation
from indexer.search.shard_service import ShardEngine, ShardService


class ShardSet(Protocol):
    """A way to reach each shard's `ShardService`."""

    @property
    def total(self) -> int: ...

    def ask(self, method: str, args: tuple[Any, ...], shards: Sequence[int]) -> dict[int, Any]:
        """Call `ShardService.<method>(*args)` on the given shards; return each answer by
        shard. A shard that failed or timed out is absent; an error the service raised on
        purpose (a `ReportSearchError`: a bad query, an unknown report) is raised here."""
        ...

    def close(self) -> None: ...


# How an engine reaches a sharded index's shards: (index folder, shard count) → ShardSet.
ShardSetFactory = Callable[[Path, int], ShardSet]


class ShardsUnavailableError(ReportSearchError):
    """Some shards did not answer: the result would be partial."""

    status = 503

    def __init__(self, missing: Sequence[int], total: int) -> None:
        names = "、".join(str(k) for k in missing)
        super().__init__(
            f"索引的 {len(missing)}/{total} 个分片没有应答（分片 {names}），结果不完整，未返回",
            hint="稍后重试；或加 partial=1 查看其余分片的结果（会标明不完整）",
        )
        self.missing = list(missing)
        self.total = total


@dataclass
class Answered:
    """Which shards answered every call a result made: what `"shards"` in JSON says."""

    total: int
    partial: bool = False  # accept missing shards (the result says so) instead of failing
    missing: set[int] = field(default_factory=set)

    def check(self, answers: dict[int, Any], asked: Sequence[int]) -> dict[int, Any]:
        """Note the shards of `asked` missing from `answers`; fail unless partial."""
        self.missing |= set(asked) - set(answers)
        if self.missing and not self.partial:
            raise ShardsUnavailableError(sorted(self.missing), self.total)
        return answers

    def as_json(self) -> dict[str, object]:
        found: dict[str, object] = {"total": self.total, "answered": self.total - len(self.missing)}
        if self.missing:
            found["missing"] = sorted(self.missing)
        return found


class LocalShards:
    """Every shard's service in this process, asked in parallel threads (numpy and the
    literal index's scans release the interpreter lock)."""

    def __init__(
        self, index_dir: str | Path, count: int, make_engine: Callable[[Generation], ShardEngine]
    ) -> None:
        self.services = [ShardService(index_dir, shard, make_engine) for shard in range(count)]
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def total(self) -> int:
        return len(self.services)

    def ask(self, method: str, args: tuple[Any, ...], shards: Sequence[int]) -> dict[int, Any]:
        if len(shards) == 1:
            return {shards[0]: getattr(self.services[shards[0]], method)(*args)}
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.total, thread_name_prefix="shard")
            pool = self._pool
        futures = {k: pool.submit(getattr(self.services[k], method), *args) for k in shards}
        return {k: future.result() for k, future in futures.items()}

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False)
                self._pool = None
