"""Similar passages of a sharded index: the tables over all shards, read by the coordinator.

The build pairs similar passages across shards once they are written (`similar_sign.
pair_shards`): the cluster generation's `global/similar/` holds the classes and report
pairs of the whole index, by whole-index ordinals. Here they are read as one index reads
its own (`similar.SimilarPassages`); what a whole-index ordinal is (which report, which
passage) is asked of the shards, each finding its own by binary search in its
`global_passage` (`ShardService.passages_at`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from indexer.index import similar_pairs
from indexer.index.similar_sign import FOLDER, read_meta
from indexer.index.store import ReportRecord
from indexer.models import Passage
from indexer.search.answered import Answered
from indexer.search.shard_service import ShardService
from indexer.search.shard_set import Coordinator
from indexer.search.similar import ReportPair, SimilarPassage, similar_passage

T = TypeVar("T")


class SimilarTables:
    """A cluster generation's similar-passage tables, memory-mapped once."""

    def __init__(self, cluster_global: Path) -> None:
        folder = cluster_global / FOLDER
        self.available = "segments" in read_meta(folder)
        self.classes = similar_pairs.Classes(folder if self.available else None)


class ShardedSimilar:
    """`similar.SimilarPassages` over every shard, its calls noted in `answered`."""

    def __init__(self, engine: Coordinator, tables: SimilarTables, answered: Answered) -> None:
        self.engine, self.answered = engine, answered
        self.available = tables.available
        self.classes = tables.classes

    def _gather(self, method: Callable[..., dict[int, T]], ordinals: list[int]) -> dict[int, T]:
        """Ask every shard `method(ordinals)` of whole-index ordinals; each answers for
        those it holds."""
        found: dict[int, T] = {}
        if ordinals:
            answers: dict[int, Any] = self.engine.ask(method, (ordinals,), self.answered)
            for part in answers.values():
                found.update(part)
        return found

    def of_passages(self, ordinals: np.ndarray) -> dict[int, list[tuple[int, float]]]:
        """Return, per given passage ordinal (whole-index) with any, its similar passages."""
        near = {int(o): self.classes.near(int(o)) for o in ordinals}
        everything = sorted({int(x) for others, _ in near.values() for x in others} | set(near))
        report_of = self._gather(ShardService.reports_of_passages, everything)
        found = {}
        for ordinal, (others, scores) in near.items():
            reports = np.array([report_of.get(int(x), -1) for x in others], dtype=np.int64)
            own = report_of.get(ordinal, -2)
            found[ordinal] = similar_pairs.best_first(others, scores, reports != own)
        return {o: others for o, others in found.items() if others}

    def in_report(self, report_id: str) -> dict[str, list[SimilarPassage]]:
        """Return, per passage id of the report, the similar passages of other reports.

        Raises NotFoundError for a report the index does not hold.
        """
        shard = self.engine.shard_holding(report_id)
        answers = self.engine.ask(
            ShardService.passage_ordinals, (report_id,), self.answered, [shard]
        )
        ordinals = self.answered.require(answers, shard)
        found = self.of_passages(np.asarray(ordinals, dtype=np.int64))
        if not found:
            return {}
        others = sorted({t for targets in found.values() for t, _ in targets})
        stored: dict[int, tuple[ReportRecord, Passage]] = self._gather(
            ShardService.passages_at, others + list(found)
        )
        result: dict[str, list[SimilarPassage]] = {}
        for ordinal, targets in found.items():
            if ordinal not in stored:
                continue
            result[stored[ordinal][1].passage_id] = [
                similar_passage(*stored[t], similarity) for t, similarity in targets if t in stored
            ]
        return result

    def report_pairs(self, limit: int = 200) -> list[ReportPair]:
        """Return the pairs of reports sharing the most near-identical passages, most first."""
        rows = np.asarray(self.classes.report_pairs[:limit], dtype=np.int64).reshape(-1, 3)
        wanted = sorted({int(r) for r in rows[:, :2].ravel()})
        records = self._gather(ShardService.reports_at, wanted)
        return [
            ReportPair(records[int(a)], records[int(b)], int(shared))
            for a, b, shared in rows
            if int(a) in records and int(b) in records
        ]

    @property
    def report_pair_count(self) -> int:
        return len(self.classes.report_pairs)
