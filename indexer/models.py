"""The documents every stage passes along: what a source file became."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SourceText:
    """The text of one source file, decoded, before any cleaning."""

    path: Path
    text: str
    format: str  # "txt", "docx", "html" or "pdf"
    encoding: str | None = None  # for text formats: the detected encoding


@dataclass(frozen=True)
class Skipped:
    """A source file that was not loaded, and why (in words a user understands)."""

    path: Path
    reason: str


@dataclass(frozen=True)
class Heading:
    """A paragraph's place in the report's outline."""

    level: int  # 1 for 一、, 2 for (一), 3 for 1. / 1、, 4 for inline 一是…
    label: str  # the heading as written, e.g. "(六)依法有效化解社会矛盾纠纷"


@dataclass
class Metadata:
    """What the text reveals about a report; empty where it does not say."""

    title: str = ""
    title_derived: bool = False  # True when the text has no title and we composed one
    issuer: str = ""
    province: str = ""
    city: str = ""
    county: str = ""
    department: str = ""
    year: int | None = None
    laws: list[str] = field(default_factory=list)
    doc_numbers: list[str] = field(default_factory=list)


@dataclass
class Passage:
    """One paragraph of a report, exactly as the report wrote it."""

    passage_id: str
    ordinal: int  # 0-based position in its report
    text: str
    start: int  # character offsets into Report.text
    end: int
    section: tuple[str, ...]  # heading labels from outermost to innermost
    is_heading: bool = False  # the paragraph is a heading line and nothing else

    @property
    def section_path(self) -> str:
        return " › ".join(self.section)


@dataclass
class Report:
    """One report: its passages and metadata, and where it came from."""

    report_id: str
    metadata: Metadata
    passages: list[Passage]
    source: str  # source file path as given to the build
    position: int  # 1-based position of the report within its source file

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.passages)
