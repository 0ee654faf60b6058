"""The documents every stage passes along: what a source file became."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

UNKNOWN = "未识别"
"""What every listing, facet and filter says of a field no evidence gave (region:未识别 is
also the filter selecting the reports that state no place)."""


@dataclass(frozen=True)
class Evidence:
    """One statement about a report found outside its running text, and where it was found.

    `field` is a metadata field ("title", "issuer", "date", "year", "doc_number"); `value` is
    as written there (a date as ISO "2024-01-15", "2024-01" or "2024"); `source` names the
    place, e.g. "html_h1", "html_title", "html_meta", "info_table", "docx_properties",
    "pdf_metadata", "filename".
    """

    field: str
    value: str
    source: str


FileText = tuple[str, str | None, tuple[Evidence, ...]]
"""What a reader makes of a file's bytes: its text, the encoding it was decoded with (text
formats only), and what the file's own properties say (`Evidence`)."""

Reader = Callable[[bytes], FileText]
"""The interface every format's reader shares (`ingest/s1_read.py` keeps the registry): bytes
in, text out, a `SourceError` saying why, in Chinese with what to do, when it cannot."""


@dataclass(frozen=True)
class SourceText:
    """The text of one source file, decoded, before any cleaning."""

    path: Path
    text: str
    format: str  # the reader's name: "txt", "docx", "html", "pdf", "doc", "xlsx", "ofd", …
    encoding: str | None = None  # for text formats: the detected encoding
    evidence: tuple[Evidence, ...] = ()  # what the file's own properties say (HTML head, …)


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


MADE_LABEL = "［无标题］"
"""How a label made for a report without a title begins (`Metadata.label`)."""
REPORT = "报告"  # the kind a label names when the text names none


def _field(default: object = "", *, on_hits: bool = False, source: str = "") -> Any:
    """A metadata field; `on_hits` fields travel with every search hit and report group;
    `source` names the field recording where a correctable value came from."""
    info = {"on_hits": on_hits, "source": source}
    if isinstance(default, list):
        return field(default_factory=list, metadata=info)
    return field(default=default, metadata=info)


@dataclass
class Metadata:
    """What the text reveals about a report; empty where it does not say.

    The one declaration of the metadata fields: the store, the JSON of reports and hits,
    the CLI's listings and the CSV derive their columns from it (see `METADATA_FIELDS`).
    """

    title: str = _field(on_hits=True, source="title_source")
    title_source: str = _field()  # where each value was found: see ingest/s5_describe.py
    issuer: str = _field(on_hits=True, source="issuer_source")  # canonical: s5_issuers
    issuer_source: str = _field()
    issuer_stated: str = _field()  # the issuer as the report spelled it, when not canonical
    province: str = _field(on_hits=True, source="region_source")
    city: str = _field(on_hits=True, source="region_source")
    county: str = _field(on_hits=True, source="region_source")
    region_source: str = _field()
    department: str = _field(on_hits=True, source="department_source")
    department_source: str = _field()
    year: int | None = _field(
        None, on_hits=True, source="year_source"
    )  # the year the report is about
    year_source: str = _field()
    date: str = _field(
        source="date_source"
    )  # the date it was issued or delivered: "2024-01-15", "2024-01", ""
    date_source: str = _field()
    # its own document number (发文字号): a page's info table, or a line of its head alone
    doc_number: str = _field(source="doc_number_source")
    doc_number_source: str = _field()
    kind: str = _field()  # 政府工作报告, 法治政府建设年度报告, 报告, 法规: ingest/s5_kind.py
    # Where the evidence that it was found online came from: "html" (a saved web page),
    # "page_meta", "html_meta" (the page said where it was published); "" for a file.
    found_online: str = _field()
    laws: list[str] = _field([])  # noqa: RUF009 (a default_factory; see _field)
    doc_numbers: list[str] = _field([])  # noqa: RUF009 (the numbers its text quotes)
    boundary: str = _field()  # why the report was taken to start where it does in its file
    text_source: str = _field()  # "OCR" when the text was recognised from page images

    @property
    def label(self) -> str:
        """What to call the report: its title, or, where none is stated, a label made of
        what is known (issuer, year, kind), marked as made: ［无标题］六盘水市民政局 2023年报告.

        The made label is never stored as the title: `title` stays empty.
        """
        if self.title:
            return self.title
        kind = f"{self.year}年{self.kind or REPORT}" if self.year else self.kind or REPORT
        return MADE_LABEL + " ".join(part for part in (self.issuer, kind) if part)

    def as_dict(self) -> dict[str, Any]:
        """The stored fields, by name."""
        return {name: getattr(self, name) for name in METADATA_FIELDS}

    def as_json(self) -> dict[str, Any]:
        """The stored fields and the label: what JSON and listings say of a report."""
        return {**self.as_dict(), "label": self.label}

    def on_hits(self) -> dict[str, Any]:
        """The fields every hit and report group carries, in declaration order, then the
        label (`HIT_COLUMNS`)."""
        return {**{name: getattr(self, name) for name in HIT_FIELDS}, "label": self.label}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Metadata:
        """Rebuild from `as_dict`, ignoring keys of fields that no longer exist."""
        if values.keys() == _METADATA_NAMES:  # as this version wrote it: every field
            # Set whole: a shard opening reads 10,000 reports' metadata (4× __init__).
            found = cls.__new__(cls)
            found.__dict__.update(values)
            return found
        return cls(**{k: v for k, v in values.items() if k in _METADATA_NAMES})


METADATA_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Metadata))
_METADATA_NAMES = frozenset(METADATA_FIELDS)  # looked up per key of every report read
HIT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Metadata) if f.metadata["on_hits"])
HIT_COLUMNS: tuple[str, ...] = (*HIT_FIELDS, "label")
"""The keys of `Metadata.on_hits`: the hit fields and the label."""
SOURCE_OF: dict[str, str] = {
    f.name: f.metadata["source"] for f in fields(Metadata) if f.metadata["source"]
}
"""Each correctable field → the field recording where its value came from."""


@dataclass
class Passage:
    """One paragraph of a report, exactly as the report wrote it."""

    passage_id: str
    position: int  # 0-based position in its report
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
