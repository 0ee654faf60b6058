"""From one decoded source file to its reports: clean, split, outline, describe, identify."""

from __future__ import annotations

import hashlib
from collections import Counter

from .clean import clean_paragraphs
from .metadata import describe
from .models import Passage, Report, SourceText
from .split import split_reports
from .structure import outline

REPORT_ID_LENGTH = 16
PASSAGE_ID_LENGTH = 12


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def parse_source(source: SourceText) -> list[Report]:
    """Return the reports a source file holds, in the order it holds them."""
    paragraphs = clean_paragraphs(source.text)
    return [
        make_report(chunk, source=str(source.path), position=position)
        for position, chunk in enumerate(split_reports(paragraphs), 1)
        if chunk
    ]


def make_report(paragraphs: list[str], *, source: str, position: int) -> Report:
    """Build a report from its paragraphs.

    Ids come from content alone, never from paths or build order, so re-ingesting the
    same text gives the same ids and a link to a passage survives rebuilds. A paragraph
    repeated inside a report gets its occurrence number mixed in to stay unique.
    """
    report_id = _digest("report", *paragraphs)[:REPORT_ID_LENGTH]
    seen: Counter[str] = Counter()
    passages: list[Passage] = []
    offset = 0
    sections = outline(paragraphs)
    for ordinal, (text, (section, is_heading)) in enumerate(zip(paragraphs, sections, strict=True)):
        seen[text] += 1
        passage_id = _digest(report_id, text, str(seen[text]))[:PASSAGE_ID_LENGTH]
        passages.append(
            Passage(
                passage_id=passage_id,
                ordinal=ordinal,
                text=text,
                start=offset,
                end=offset + len(text),
                section=section,
                is_heading=is_heading,
            )
        )
        offset += len(text) + 1  # the "\n" that joins passages in Report.text
    return Report(
        report_id=report_id,
        metadata=describe(paragraphs),
        passages=passages,
        source=source,
        position=position,
    )
