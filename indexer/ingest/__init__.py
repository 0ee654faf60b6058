"""Ingest: from a file on disk to structured reports, in six stages, one module each.

The modules are numbered in the order the text flows through them:

=====  ==================  ===============================================================
stage  module              what
=====  ==================  ===============================================================
1      s1_read             files and folders → decoded text (txt, docx, html, pdf);
                           unreadable files become `Skipped`
1      s1_pdf              a PDF's text layer (PDFium characters and boxes), or OCR of
                           a scan, → paragraphs
1      s1_layout           laid-out lines → paragraphs by indent, margins and gaps; running
                           titles and page numbers removed by evidence across pages
1      s1_ocr              scanned pages → lines with boxes (RapidOCR, PP-OCRv4), cached
                           by the file's sha256 in the index folder
1      s1_names            file names: lossless stored form, readable form, relative name
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
6      s6_cut              a paragraph over 2,000 characters → passages, cut at sentences
6      s6_identify         content-derived ids → `Report`
=====  ==================  ===============================================================

`lines` recognises what a paragraph is (heading, title, salutation, signature, opening or
closing cue); stages 2–5 share it. Everything here is pure text processing: nothing
touches the index. `ingest_file` runs every stage on one file and never raises for it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from indexer.errors import SourceError
from indexer.ingest.s1_names import readable, source_name, storable
from indexer.ingest.s1_read import read_source
from indexer.ingest.s2_clean import clean_source
from indexer.ingest.s3_split import split_explained
from indexer.ingest.s5_filename import file_name_evidence
from indexer.ingest.s6_identify import make_report
from indexer.models import Evidence, Report, Skipped, SourceText

log = logging.getLogger(__name__)


def ingest_file(path: Path, sources: Sequence[str | Path] = ()) -> list[Report] | Skipped:
    """Read and parse one file; return its reports, or a Skipped saying why there are none.

    Never raises for anything the file holds or lacks: a file that breaks a reader or a
    later stage (a bug, a pathological document, memory) is skipped with the error named,
    and the build goes on with the next. `sources`, the build's SOURCE arguments, make
    each report's `source` relative to the one that named the file (`s1_names.source_name`).
    """
    try:
        return parse_source(read_source(path), name=source_name(path, sources))
    except SourceError as error:
        return Skipped(path, str(error))
    except Exception as error:  # one bad file must never abort a build of thousands
        log.debug("skipping %s", readable(path), exc_info=True)
        said = str(error)[:200].encode("utf-8", "backslashreplace").decode("utf-8")
        return Skipped(path, f"处理文件时出错（{type(error).__name__}: {said}）")


def parse_source(source: SourceText, *, name: str | None = None) -> list[Report]:
    """Return the reports a source file holds, in the order it holds them.

    What the file says of itself (its properties, its name, a page's info table) describes
    its report only when it holds one: a compilation's name is no report's title. `name`
    is what the reports record as their file (default: its path, `storable`).
    """
    paragraphs, page_evidence = _clean(source.text)
    chunks = [chunk for chunk in split_explained(paragraphs) if chunk.paragraphs]
    file_evidence: tuple[Evidence, ...] = ()
    if len(chunks) == 1:
        file_evidence = (
            *source.evidence,
            *page_evidence,
            # A GBK file name is read as GB18030, not left with escapes, for its title.
            *file_name_evidence(readable(source.path.name)),
        )
    reports = [
        make_report(
            chunk.paragraphs,
            source=storable(source.path) if name is None else name,
            position=position,
            evidence=file_evidence,
            boundary=chunk.reason,
        )
        for position, chunk in enumerate(chunks, 1)
    ]
    # How the text was obtained holds for every report of the file, one or many.
    for item in source.evidence:
        if item.field == "text_source":
            for report in reports:
                report.metadata.text_source = item.value
    return reports


def _clean(text: str) -> tuple[list[str], tuple[Evidence, ...]]:
    """Clean a text; return its paragraphs and what its page furniture stated."""
    cleaned = clean_source(text)
    return cleaned.paragraphs, tuple(cleaned.evidence)
