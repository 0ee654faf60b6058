"""What the store writes, made before it writes: a report's rows, a source file's stat.

A build's workers read files in processes of their own; what they hand the build's
process for the store is prepared there (`StoredReport`), so that process only numbers
and writes rows. `FileStat` is what a later scan compares instead of hashing a file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from indexer.models import Report

PassageRow = tuple[str, int, int, int, str, int, str]
"""A passage as stored, less its ordinals: id, position, start, end, section (JSON), is
heading (0/1), text."""


@dataclass(frozen=True)
class StoredReport:
    """A report as the store writes it, prepared where it was read (a build's worker):
    metadata as JSON, passages as rows of plain values, each passage's section path. The
    build's process, which only numbers and writes reports, then unpickles tuples of
    strings and numbers, not objects, and encodes no JSON."""

    report_id: str
    metadata: str  # JSON object: Metadata.as_dict()
    source: str
    position: int
    passages: list[PassageRow]
    section_paths: list[str]  # of each passage (`Passage.section_path`)

    @classmethod
    def of(cls, report: Report) -> StoredReport:
        # One string object per section (its JSON, its path): pickled once, not once
        # per passage (a chapter's thirty articles sent its JSON thirty times).
        sections = {
            s: json.dumps(s, ensure_ascii=False) for s in {p.section for p in report.passages}
        }
        paths: dict[str, str] = {}
        return cls(
            report_id=report.report_id,
            metadata=json.dumps(report.metadata.as_dict(), ensure_ascii=False),
            source=report.source,
            position=report.position,
            passages=[
                (
                    p.passage_id,
                    p.position,
                    p.start,
                    p.end,
                    sections[p.section],
                    int(p.is_heading),
                    p.text,
                )
                for p in report.passages
            ],
            section_paths=[
                paths.setdefault(p.section_path, p.section_path) for p in report.passages
            ],
        )


@dataclass(frozen=True)
class FileStat:
    """A source file's size and modification time, and when they were taken (all ns).

    A later scan that finds the same size and time skips hashing the file, as git's index
    does, unless the time is within `RACY_NS` of when it was taken: a write in that same
    moment could leave both unchanged."""

    size: int
    mtime_ns: int
    seen_ns: int

    RACY_NS = 2_000_000_000

    def vouches_for(self, size: int, mtime_ns: int) -> bool:
        unchanged = (size, mtime_ns) == (self.size, self.mtime_ns)
        return unchanged and mtime_ns < self.seen_ns - self.RACY_NS
