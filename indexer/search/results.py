"""What a search returns, and the JSON contract of hits, results and reports.

The library speaks in ids; the shells (web app, CLI) turn ids into links. Every function
that writes JSON takes a `Linker` for that, so the one place that knows the web app's
routes is the web app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from indexer.models import HIT_COLUMNS, Metadata, Report
from indexer.search.citation import citation, citation_gbt7714

Linker = Callable[[str, str | None], str]
"""(report_id, passage_id or None) → the URL of that report or passage."""


class _WithReportMetadata:
    """Read the report's hit fields (title, issuer, province, …) as attributes."""

    metadata: Metadata

    def __getattr__(self, name: str) -> Any:
        if name in HIT_COLUMNS:
            return getattr(self.metadata, name)
        raise AttributeError(name)


@dataclass(frozen=True)
class Hit(_WithReportMetadata):
    """One matching passage, with its report's metadata."""

    report_id: str
    passage_id: str
    metadata: Metadata
    section: str
    text: str
    highlights: list[list[int]]
    source: str
    occurrences: int = 0  # the query's occurrences in this passage (`occurrences.py`)
    report_occurrences: int = 0  # and in every matching passage of its report

    def to_json(self, link: Linker, permalink: Linker | None = None) -> dict[str, object]:
        """The JSON contract's hit (README, "The JSON of /api/search").

        `permalink` makes the URLs quoted in the citations (absolute ones, from the web
        app); `link` by default. `citation_gbt7714` cites the passage's report.
        """
        quoted = permalink or link
        return {
            "report_id": self.report_id,
            "passage_id": self.passage_id,
            **self.metadata.on_hits(),
            "section": self.section,
            "text": self.text,
            "highlights": self.highlights,
            "occurrences": self.occurrences,
            "report_occurrences": self.report_occurrences,
            "source": self.source,
            "url": link(self.report_id, self.passage_id),
            "citation": self.citation(quoted(self.report_id, self.passage_id)),
            "citation_gbt7714": citation_gbt7714(self.metadata, quoted(self.report_id, None)),
        }

    def citation(self, permalink: str) -> str:
        """This passage's citation (`citation.citation`), quoting `permalink`."""
        return citation(self.metadata, self.section, self.text, permalink)


@dataclass(frozen=True)
class ReportGroup(_WithReportMetadata):
    """A matching report and its best passages."""

    report_id: str
    metadata: Metadata
    source: str
    passage_count: int
    hits: list[Hit]
    occurrences: int = 0  # the query's occurrences in the report's matching passages


class Answer(Protocol):
    """What `result_to_json` reads of a search's result (`ranking.SearchResult`)."""

    query: str
    total_passages: int
    total_reports: int
    took_ms: float

    @property
    def total_occurrences(self) -> int: ...

    @property
    def facets(self) -> dict[str, list[dict[str, object]]]: ...

    def hits(self, offset: int = 0, limit: int | None = None) -> list[Hit]: ...


def result_to_json(
    result: Answer,
    link: Linker,
    offset: int = 0,
    limit: int | None = None,
    *,
    permalink: Linker | None = None,
) -> dict[str, object]:
    """The JSON of /api/search and `indexer search --json`: counts, facets, a window of hits.

    `permalink` makes the URLs quoted in citations (`link` by default).
    """
    return {
        "query": result.query,
        "total_passages": result.total_passages,
        "total_reports": result.total_reports,
        "total_occurrences": result.total_occurrences,
        "took_ms": result.took_ms,
        "facets": result.facets,
        "hits": [hit.to_json(link, permalink) for hit in result.hits(offset, limit)],
    }


def report_to_json(
    report: Report, link: Linker, *, permalink: Linker | None = None
) -> dict[str, object]:
    """The JSON of /api/reports/<id>: metadata, source, citation and every passage.

    `permalink` makes the URL its GB/T 7714 citation quotes (`link` by default).
    """
    return {
        "report_id": report.report_id,
        **report.metadata.as_json(),
        "source": report.source,
        "position": report.position,
        "url": link(report.report_id, None),
        "citation_gbt7714": citation_gbt7714(
            report.metadata, (permalink or link)(report.report_id, None)
        ),
        "passages": [
            {
                "passage_id": p.passage_id,
                "section": p.section_path,
                "is_heading": p.is_heading,
                "start": p.start,
                "end": p.end,
                "text": p.text,
                "url": link(report.report_id, p.passage_id),
            }
            for p in report.passages
        ],
    }
