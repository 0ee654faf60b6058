"""Stage 6: give a report and its passages ids derived from their content, and assemble it."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

from indexer.ingest.s4_structure import outline
from indexer.ingest.s5_describe import describe_report
from indexer.ingest.s6_cut import cut_paragraph
from indexer.models import Evidence, Passage, Report

REPORT_ID_LENGTH = 16
PASSAGE_ID_LENGTH = 12


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def make_report(
    paragraphs: list[str],
    *,
    source: str,
    position: int,
    evidence: Sequence[Evidence] = (),
    boundary: str = "",
    front_matter: Sequence[str] = (),
) -> Report:
    """Build a report from its paragraphs.

    `front_matter` are lines the file states about the report outside its text (a portal
    page's "发文字号：东政〔2023〕5号" row): they lead its passages, so they are searched
    and shown, but play no part in reading its metadata from the text.

    Ids come from content alone, never from paths or build order, so re-ingesting the
    same text gives the same ids and a link to a passage survives rebuilds. A paragraph
    repeated inside a report gets its occurrence number mixed in to stay unique. A
    paragraph longer than `s6_cut.MAX_PASSAGE_CHARS` becomes several passages, each in
    its paragraph's section; the report id is still that of its paragraphs.
    """
    report_id = _digest("report", *front_matter, *paragraphs)[:REPORT_ID_LENGTH]
    seen: Counter[str] = Counter()
    passages: list[Passage] = []
    offset = 0
    sections = [((), False)] * len(front_matter) + outline(paragraphs)
    pieces = [
        (text, section, is_heading)
        for paragraph, (section, is_heading) in zip(
            [*front_matter, *paragraphs], sections, strict=True
        )
        for text in cut_paragraph(paragraph)
    ]
    for index, (text, section, is_heading) in enumerate(pieces):
        seen[text] += 1
        passage_id = _digest(report_id, text, str(seen[text]))[:PASSAGE_ID_LENGTH]
        passages.append(
            Passage(
                passage_id=passage_id,
                position=index,
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
        metadata=describe_report(paragraphs, evidence, boundary=boundary),
        passages=passages,
        source=source,
        position=position,
    )
