"""Cited laws held in the corpus: which report is a cited law, and which reports cite it.

A report is the text of a law when its title, made canonical (`canonical_law_name`:
中华人民共和国行政复议法（2017年修正） → 行政复议法), is a law title and equals the name a
citation extracts to. When the corpus holds several versions of one law, the latest (by
year, then date) is the one linked. Built from report metadata on first use; no index
files of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from indexer.index.store import ReportRecord
from indexer.ingest.s5_citations import book_spans, canonical_law_name, is_law_title
from indexer.normalize import fold


@dataclass(frozen=True)
class Citation:
    """A 《…》 title in a text, brackets included, that names a law the corpus holds."""

    start: int
    end: int
    report_id: str
    name: str


def law_key(name: str) -> str:
    """What makes two spellings of a law one law: its canonical name, folded."""
    return fold(canonical_law_name(name))


def citation_spans(text: str, laws: Iterable[str]) -> list[tuple[int, int]]:
    """Return the spans of the 《…》 titles in `text` citing one of `laws`, brackets included.

    A citation is any spelling of the law's canonical name (《中华人民共和国行政复议法》,
    《行政复议法（2017年修正）》 and 《行政复议法》 alike). Spans are in `text`'s characters.
    """
    keys = {law_key(law) for law in laws}
    if not keys:
        return []
    return [
        (match.start(), match.end())
        for match in book_spans(text)
        if law_key(text[match.start(1) : match.end(1)]) in keys
    ]


class LawLinks:
    """Cited-law lookups over the live reports of one generation (`SearchEngine.laws`)."""

    def __init__(self, records: Sequence[ReportRecord]) -> None:
        latest: dict[str, ReportRecord] = {}
        for record in records:
            title = record.metadata.title
            if not title:
                continue
            name = canonical_law_name(title)
            if not is_law_title(name):
                continue
            known = latest.get(name)
            if known is None or _recency(record) > _recency(known):
                latest[name] = record
        self.report_of_law = {name: record.report_id for name, record in latest.items()}
        self.law_of_report = {report_id: name for name, report_id in self.report_of_law.items()}
        self.citing: dict[str, list[ReportRecord]] = {}
        for record in records:
            for law in record.metadata.laws:
                target = self.report_of_law.get(law)
                if target is not None and target != record.report_id:
                    self.citing.setdefault(law, []).append(record)

    def report_for(self, cited: str) -> str | None:
        """Return the id of the report holding the law `cited` names, if the corpus has it."""
        return self.report_of_law.get(canonical_law_name(cited))

    def cited_by(self, report_id: str) -> list[ReportRecord]:
        """Return the reports citing the law that report `report_id` is (none if no law)."""
        name = self.law_of_report.get(report_id)
        return list(self.citing.get(name, [])) if name else []

    def citations(self, text: str, *, within: str | None = None) -> list[Citation]:
        """Return the 《…》 titles of `text` naming laws the corpus holds, in order.

        Titles never overlap: of nested titles the outermost one that resolves wins.
        A report's citations of itself (`within`) are left out.
        """
        found: list[Citation] = []
        for match in book_spans(text):
            title = text[match.start(1) : match.end(1)]  # book_spans masks inner titles
            report_id = self.report_for(title)
            if report_id is not None and report_id != within:
                name = canonical_law_name(title)
                found.append(Citation(match.start(), match.end(), report_id, name))
        chosen: list[Citation] = []
        for citation in sorted(found, key=lambda c: c.start - c.end):  # longest first
            if all(citation.end <= c.start or citation.start >= c.end for c in chosen):
                chosen.append(citation)
        return sorted(chosen, key=lambda c: c.start)


def _recency(record: ReportRecord) -> tuple[int, str, int]:
    return (record.metadata.year or 0, record.metadata.date or "", -record.ordinal)
