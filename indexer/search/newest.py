"""A result's reports newest first: what a feed of a search follows.

A report is as new as the build that added it (`ReportStore.added`: every report of one
build shares that build's time; a rebuild from scratch keeps the times reports first
came). Ties (one build's reports) keep the result's rank. Each report comes with its
first matching passage in reading order, what a feed entry quotes.

A shard of a sharded index gives its own newest with their groups' ranks (`newest_ranked`);
the coordinator merges them by build, then by the merged rank.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from indexer.index.store import ReportRecord
    from indexer.search.generation import Generation
    from indexer.search.results import Hit


class Ranked(Protocol):
    """What the newest reports read of a result (`ranking.SearchResult`)."""

    generation: Generation

    def first_passages(self) -> list[tuple[int, int]]: ...

    def report_passage_counts(self) -> np.ndarray: ...

    def hits_of(self, ordinals: Sequence[int]) -> list[Hit]: ...


@dataclass(frozen=True)
class NewReport:
    """A matching report, when it came into the index, and its first matching passage."""

    record: ReportRecord
    generation: str  # the generation folder of the build that added it ("" if unknown)
    added: str  # that build's time, ISO 8601 UTC
    first: Hit
    passages: int  # its matching passages

    @property
    def built(self) -> tuple[str, str]:
        """What orders reports newest first: the build's time, then its generation."""
        return self.added, self.generation


def newest_reports(result: Ranked, limit: int) -> list[NewReport]:
    """Return up to `limit` matching reports, those added by the latest build first."""
    return [report for _, report in newest_ranked(result, limit)]


def newest_ranked(result: Ranked, limit: int) -> list[tuple[int, NewReport]]:
    """`newest_reports`, each with its group's rank in the result."""
    generation = result.generation
    records = generation.report_table.records
    added = generation.added
    ranked = result.first_passages()
    counts = {
        report: int(count) for report, count in enumerate(result.report_passage_counts()) if count
    }

    # Newest build first (by time, then by generation: two builds in one second still
    # come in order); within a build, the result's rank (the sort is stable).
    def built(rank: int) -> tuple[str, str]:
        made, when = added.get(records[ranked[rank][0]].report_id, ("", ""))
        return when, made

    order = sorted(range(len(ranked)), key=built, reverse=True)[:limit]
    firsts = result.hits_of([ranked[rank][1] for rank in order])
    out = []
    for rank, hit in zip(order, firsts, strict=True):
        record = records[ranked[rank][0]]
        made, when = added.get(record.report_id, ("", ""))
        out.append((rank, NewReport(record, made, when, hit, counts.get(record.ordinal, 0))))
    return out
