"""A sharded index served from Ray actors: `RayShards`, a `ShardSet` over a cluster.

Each shard's `ShardService` (`search/shard_service.py`) lives in `replicas` Ray actors,
named after the index folder, the shard and the replica, so every process serving the
index (each web worker) reaches the same actors, and the first to ask makes them. Ray
restarts an actor that dies (`max_restarts`); the service opens its generation again on
the next call.

A call goes to each shard's replicas in turn (round-robin), and to the next replica when
one is dead or restarting (failover); a replica that failed is passed over for a few
seconds. A shard counts as not answered when no replica answered within the call's
timeout, or every one is dead: it is then missing from the answers, and the coordinator
fails or marks the result partial (`shard_set.Answered`), never silently. An error the
service raised on purpose (a `ReportSearchError`: a bad query, an unknown report) is
raised again as itself.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import pickle
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ray
from ray.exceptions import RayActorError, RayTaskError

from indexer.distributed.connecting import join
from indexer.errors import ReportSearchError
from indexer.search.shard_service import ShardService
from indexer.search.shard_set import ShardSet

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0  # a shard not answering a call in this time counts as not answered
# New actors start a process and import the engine (seconds on a busy machine) before they
# answer: waited for once, as they are made, so a first call's timeout measures an answer.
STARTUP_SECONDS = 120.0
DOWN_SECONDS = 2.0  # a replica that failed is passed over this long (Ray restarts it)
CALLS_AT_ONCE = 4  # calls a replica runs at once (numpy and the literal scans release the GIL)
# The most hits each shard sends with its first answer to a search, as many as the caller
# reads at once: the JSON API's first page (its default limit, 20) then costs no second
# round trip (1-2 ms). Making them costs each actor ~1 ms, and with more actors than cores
# that time adds up: a caller reading fewer, or none, asks for those only.
HITS_AHEAD = 20


class ShardActor:
    """One replica of one shard: its `ShardService`, called by method name."""

    def __init__(self, index_dir: str, shard: int) -> None:
        from indexer.search.engine import SearchEngine

        self.service = ShardService(index_dir, shard, SearchEngine)

    def call(self, method: str, args: tuple[Any, ...]) -> bytes:
        """The service's answer, pickled here: Ray returns bytes faster than it serializes
        an answer's numpy arrays and dataclasses itself (a search's answer to three
        shards: 0.28 ms less a round trip, 2.29 → 2.02 ms p50)."""
        return pickle.dumps(getattr(self.service, method)(*args), pickle.HIGHEST_PROTOCOL)

    def ready(self) -> bool:
        """True once the replica's process has started and imported the engine."""
        return True

    def pid(self) -> int:
        """The process serving this replica (tests kill it)."""
        return os.getpid()


def actor_name(index_dir: Path, shard: int, replica: int) -> str:
    """The name of a replica's actor: the same in every process serving the folder."""
    folder = hashlib.sha256(str(index_dir.resolve()).encode("utf-8")).hexdigest()[:16]
    return f"{folder}-shard-{shard}-replica-{replica}"


class RayShards:
    """The `count` shards of the index in `index_dir`, each in `replicas` Ray actors."""

    hits_ahead = HITS_AHEAD

    def __init__(
        self,
        index_dir: Path,
        count: int,
        *,
        replicas: int = 1,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.index_dir, self.timeout = index_dir.resolve(), timeout
        actor = ray.remote(ShardActor)
        self.actors: list[list[Any]] = [
            [
                actor.options(
                    name=actor_name(self.index_dir, shard, replica),
                    get_if_exists=True,
                    max_restarts=-1,
                    max_task_retries=0,  # a call to a dead replica fails over instead
                    max_concurrency=CALLS_AT_ONCE,
                    num_cpus=0,  # a long-lived server: Ray's cores are left to tasks
                    scheduling_strategy="SPREAD",  # replicas on different nodes if any
                ).remote(str(self.index_dir), shard)
                for replica in range(replicas)
            ]
            for shard in range(count)
        ]
        started = [replica.ready.remote() for shard in self.actors for replica in shard]
        ray.wait(started, num_returns=len(started), timeout=STARTUP_SECONDS)  # late: missing
        self._turns = [itertools.count() for _ in range(count)]
        self._down: dict[tuple[int, int], float] = {}
        self._lock = threading.Lock()

    @property
    def total(self) -> int:
        return len(self.actors)

    def ask(self, method: str, args: tuple[Any, ...], shards: Sequence[int]) -> dict[int, Any]:
        """Each shard's answer to `ShardService.<method>(*args)`; see the module."""
        return self.ask_each(method, dict.fromkeys(shards, args))

    def ask_each(self, method: str, args: dict[int, tuple[Any, ...]]) -> dict[int, Any]:
        """`ask` with each shard's own arguments, every call sent before any is awaited."""
        deadline = time.monotonic() + self.timeout
        tried: dict[int, set[int]] = {shard: set() for shard in args}
        pending: dict[Any, tuple[int, int]] = {}
        for shard, arguments in args.items():
            self._send(shard, method, arguments, tried[shard], pending)
        answers: dict[int, Any] = {}
        while pending:
            left = deadline - time.monotonic()
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=max(left, 0))
            if not ready:
                break  # the shards still pending did not answer in time
            for ref in ready:
                shard, replica = pending.pop(ref)
                try:
                    answers[shard] = pickle.loads(ray.get(ref))  # our own actors' bytes
                except RayActorError:
                    with self._lock:
                        self._down[(shard, replica)] = time.monotonic() + DOWN_SECONDS
                    self._send(shard, method, args[shard], tried[shard], pending)
                except RayTaskError as exc:
                    if isinstance(exc.cause, ReportSearchError):
                        raise exc.cause from None
                    logger.warning("分片 %s 的 %s 调用出错：%s", shard, method, exc.cause)
        return answers

    def _send(
        self,
        shard: int,
        method: str,
        args: tuple[Any, ...],
        tried: set[int],
        pending: dict[Any, tuple[int, int]],
    ) -> None:
        """Send the call to the shard's next replica not yet tried (none left: nothing)."""
        replica = self._next_replica(shard, tried)
        if replica is None:
            return
        tried.add(replica)
        ref = self.actors[shard][replica].call.remote(method, args)
        pending[ref] = (shard, replica)

    def _next_replica(self, shard: int, tried: set[int]) -> int | None:
        """The shard's next replica in turn, passing over those that failed lately."""
        count = len(self.actors[shard])
        start = next(self._turns[shard])
        order = [(start + step) % count for step in range(count)]
        untried = [replica for replica in order if replica not in tried]
        now = time.monotonic()
        with self._lock:
            up = [r for r in untried if self._down.get((shard, r), 0.0) <= now]
        found = up or untried
        return found[0] if found else None

    def close(self) -> None:
        """Nothing to let go of here: the actors live as long as their owner's connection
        (the process that made them), and serve every process reaching them."""


@dataclass(frozen=True)
class RayShardSets:
    """Makes `RayShards` for an index, one per index folder and shard count in a process,
    joining the cluster at `address` first: what `open_index` is given to reach the shards
    through Ray. Plain data, so a web server makes it before its workers fork and each
    worker connects on first use."""

    address: str
    replicas: int = 1
    timeout: float = TIMEOUT_SECONDS

    def __call__(self, index_dir: Path, count: int) -> ShardSet:
        join(self.address)
        key = (index_dir.resolve(), count, self)
        with _made_lock:
            found = _made.get(key)
            if found is None:
                found = _made[key] = RayShards(
                    index_dir, count, replicas=self.replicas, timeout=self.timeout
                )
        return found


_made: dict[tuple[Path, int, RayShardSets], RayShards] = {}
_made_lock = threading.Lock()
