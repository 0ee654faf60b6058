"""Similar passages at query time: a report's near-duplicates elsewhere, and report pairs.

What is similar is decided by the build (`similar_sign`: MinHash signatures, LSH bands,
classes of identical text, `similar_pairs`); this reads its tables of one generation. A
sharded index's tables, over all its shards, are read by `sharded_similar.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from indexer.errors import NotFoundError
from indexer.index import similar_pairs
from indexer.index.similar_sign import FOLDER, read_meta

if TYPE_CHECKING:
    from indexer.index.store import ReportRecord
    from indexer.models import Passage
    from indexer.search.generation import Generation


@dataclass(frozen=True)
class SimilarPassage:
    """A passage of another report close to a given one."""

    report_id: str
    passage_id: str
    title: str
    similarity: float
    issuer: str = ""  # with the year: tells apart reports of one title (每年的同名报告)
    year: int | None = None
    label: str = ""  # the title, or the label made where there is none (`Metadata.label`)


def similar_passage(record: ReportRecord, passage: Passage, similarity: float) -> SimilarPassage:
    """A passage of `record`'s report as a similar passage."""
    meta = record.metadata
    return SimilarPassage(
        report_id=record.report_id,
        passage_id=passage.passage_id,
        title=meta.title,
        similarity=similarity,
        issuer=meta.issuer,
        year=meta.year,
        label=meta.label,
    )


@dataclass(frozen=True)
class ReportPair:
    """Two reports and how many near-identical passages they share."""

    first: ReportRecord
    second: ReportRecord
    shared: int


class SimilarPassages:
    """The similar-passage lookups of an opened generation (`SearchEngine.similar`)."""

    def __init__(self, generation: Generation) -> None:
        self.generation = generation
        folder = generation.root / FOLDER
        self.available = "segments" in read_meta(folder)  # none: built without them
        self.classes = similar_pairs.Classes(folder if self.available else None)
        self.report_pairs_table = self.classes.report_pairs

    def of_passages(self, ordinals: np.ndarray) -> dict[int, list[tuple[int, float]]]:
        """Return, per given passage ordinal with any, its similar passages' ordinals."""
        report_of = np.asarray(self.generation.passage_report)
        found = {int(o): self.classes.similar_to(int(o), report_of) for o in ordinals}
        return {o: others for o, others in found.items() if others}

    def in_report(self, report_id: str) -> dict[str, list[SimilarPassage]]:
        """Return, per passage id of the report, the similar passages of other reports.

        Raises NotFoundError for a report the index does not hold.
        """
        generation = self.generation
        record = generation.store.report_record(report_id)
        if record is None:
            raise NotFoundError(f"没有编号为 {report_id} 的报告")
        ordinals = np.flatnonzero(np.asarray(generation.passage_report) == record.ordinal)
        found = self.of_passages(ordinals)
        if not found:
            return {}
        others = sorted({t for targets in found.values() for t, _ in targets})
        stored = generation.store.passages(others + list(found))
        records = generation.report_table.records
        result: dict[str, list[SimilarPassage]] = {}
        for ordinal, targets in found.items():
            passage_id = stored[ordinal].passage.passage_id
            result[passage_id] = [
                similar_passage(records[stored[t].report_ordinal], stored[t].passage, similarity)
                for t, similarity in targets
                if t in stored
            ]
        return result

    def report_pairs(self, limit: int = 200) -> list[ReportPair]:
        """Return the pairs of reports sharing the most near-identical passages, most first."""
        records = self.generation.report_table.records
        return [
            ReportPair(records[int(a)], records[int(b)], int(shared))
            for a, b, shared in np.asarray(self.report_pairs_table[:limit])
        ]

    @property
    def report_pair_count(self) -> int:
        return len(self.report_pairs_table)
