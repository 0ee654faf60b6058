"""What a build did: files read, unchanged and removed, reports, skipped files and why, timings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from indexer.ingest.s1_names import readable, storable
from indexer.models import Skipped


@dataclass
class BuildSummary:
    """What a build read, stored, removed and skipped."""

    index_dir: Path
    files_read: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    reports: int = 0  # in the index after the build
    passages: int = 0
    reports_added: int = 0
    reports_removed: int = 0
    generation: str = ""
    ocr_pages: int = 0  # pages of scanned PDFs recognised by OCR in this build
    ocr_cached: int = 0  # scanned files whose OCR was read from the cache instead
    skipped: list[Skipped] = field(default_factory=list)
    duplicates: list[tuple[str, int, str]] = field(default_factory=list)  # source, position, id
    seconds: dict[str, float] = field(default_factory=dict)
    shards: int = 1
    resharded: tuple[int, int] | None = None  # (before, after) when the count changed

    def as_dict(self) -> dict[str, object]:
        return {
            "index_dir": str(self.index_dir),
            "generation": self.generation,
            "files_read": self.files_read,
            "files_unchanged": self.files_unchanged,
            "files_removed": self.files_removed,
            "reports": self.reports,
            "passages": self.passages,
            "reports_added": self.reports_added,
            "reports_removed": self.reports_removed,
            "ocr_pages": self.ocr_pages,
            "ocr_cached": self.ocr_cached,
            "skipped": [{"path": storable(s.path), "reason": s.reason} for s in self.skipped],
            "duplicates": [
                {"source": source, "position": position, "report_id": report_id}
                for source, position, report_id in self.duplicates
            ],
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "shards": self.shards,
            "resharded": list(self.resharded) if self.resharded else None,
        }


SKIPPED_SHOWN = 50
"""How many skipped files an error lists one by one before it counts the rest."""


def skipped_lines(skipped: list[Skipped]) -> str:
    """Return each skipped file and its reason, a line each, for an error that ends a build.

    A build that read nothing fails; without this the user would not learn why each file
    was passed over.
    """
    if not skipped:
        return ""
    lines = [f"，跳过的 {len(skipped)} 个文件及原因:"]
    lines += [f"  {readable(item.path)}: {item.reason}" for item in skipped[:SKIPPED_SHOWN]]
    if len(skipped) > SKIPPED_SHOWN:
        lines.append(f"  …另有 {len(skipped) - SKIPPED_SHOWN} 个")
    return "\n".join(lines)
