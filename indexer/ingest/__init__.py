"""Ingest: from a file on disk to structured reports, in six stages, one module each.

The modules are numbered in the order the text flows through them:

=====  ===================  ==============================================================
stage  module               what
=====  ===================  ==============================================================
1      s1_read, s1_text,    files and folders → decoded text (txt, docx, html, pdf);
       s1_html              encodings detected; unreadable files become `Skipped`
2      s2_clean             drop site clutter, rejoin paragraphs broken mid-sentence
3      s3_split             one file → its reports
4      s4_structure         each paragraph's section path from the numbered headings
5      s5_describe,         title, issuer, year, department (s5_describe); who speaks
       s5_organs,           and which department (s5_organs); province, city, county
       s5_places,           (s5_places); cited laws and document numbers
       s5_citations         (s5_citations)
6      s6_identify          content-derived ids → `Report`
=====  ===================  ==============================================================

`lines` recognises what a paragraph is (heading, title, salutation, signature, opening or
closing cue); stages 2–5 share it. Everything here is pure text processing: nothing
touches the index.
"""

from __future__ import annotations

from indexer.ingest.s2_clean import clean_paragraphs
from indexer.ingest.s3_split import split_reports
from indexer.ingest.s6_identify import make_report
from indexer.models import Report, SourceText


def parse_source(source: SourceText) -> list[Report]:
    """Return the reports a source file holds, in the order it holds them."""
    paragraphs = clean_paragraphs(source.text)
    return [
        make_report(chunk, source=str(source.path), position=position)
        for position, chunk in enumerate(split_reports(paragraphs), 1)
        if chunk
    ]
