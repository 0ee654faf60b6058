"""Ingest: from a file on disk to structured reports, in six stages, one module each.

The modules are numbered in the order the text flows through them:

=====  ==================  ===============================================================
stage  module              what
=====  ==================  ===============================================================
1      s1_read             files and folders → decoded text (txt, docx, html, pdf);
                           unreadable files become `Skipped`
1      s1_text             bytes → text: UTF-8, UTF-8 with BOM or GB18030, detected
1      s1_html             a saved page's main content (readability-lxml, with a recall
                           guard falling back to the whole body)
1      s1_properties       what a file says of itself: headline, page title, info table,
                           docx and PDF properties → `Evidence`
2      s2_clean            drop site clutter, rejoin paragraphs broken mid-sentence
2      s2_clutter_rules    the clutter line rules: breadcrumbs, widgets, footers, licences
2      s2_page_info        a page's info table and meta lines → `Evidence`
3      s3_split            one file → its reports, each boundary with its reason
4      s4_structure        each paragraph's section path from the numbered headings
5      s5_describe         title, issuer, year, date, department, each with its source
5      s5_dates            years and dates in any numeral system (2023年, 二〇二三年)
5      s5_filename         what a file name says: title, year, date
5      s5_organs           who a report speaks for (我局, 我县) and its department type
5      s5_places           province, city and county from the division table
5      s5_citations        cited laws and document numbers
6      s6_identify         content-derived ids → `Report`
=====  ==================  ===============================================================

`lines` recognises what a paragraph is (heading, title, salutation, signature, opening or
closing cue); stages 2–5 share it. Everything here is pure text processing: nothing
touches the index.
"""

from __future__ import annotations

from indexer.ingest.s2_clean import clean_source
from indexer.ingest.s3_split import split_explained
from indexer.ingest.s5_filename import file_name_evidence
from indexer.ingest.s6_identify import make_report
from indexer.models import Evidence, Report, SourceText


def parse_source(source: SourceText) -> list[Report]:
    """Return the reports a source file holds, in the order it holds them.

    What the file says of itself (its properties, its name, a page's info table) describes
    its report only when it holds one: a compilation's name is no report's title.
    """
    paragraphs, page_evidence = _clean(source.text)
    chunks = [chunk for chunk in split_explained(paragraphs) if chunk.paragraphs]
    file_evidence: tuple[Evidence, ...] = ()
    if len(chunks) == 1:
        file_evidence = (
            *source.evidence,
            *page_evidence,
            *file_name_evidence(source.path.name),
        )
    return [
        make_report(
            chunk.paragraphs,
            source=str(source.path),
            position=position,
            evidence=file_evidence,
            boundary=chunk.reason,
        )
        for position, chunk in enumerate(chunks, 1)
    ]


def _clean(text: str) -> tuple[list[str], tuple[Evidence, ...]]:
    """Clean a text; return its paragraphs and what its page furniture stated."""
    cleaned = clean_source(text)
    return cleaned.paragraphs, tuple(cleaned.evidence)
