"""Ingest: from a file on disk to structured reports, in six stages, one module each.

The modules are numbered in the order the text flows through them:

=====  ==================  ===============================================================
stage  module              what
=====  ==================  ===============================================================
1      s1_read             files and folders → decoded text, by the reader of each type
                           (the registry); unreadable files become `Skipped`
1      s1_docx             .docx paragraphs and table rows in body order
1      s1_office           .doc and Kingsoft .wps through LibreOffice (converted to .docx)
1      s1_rtf              .rtf: Unicode and GBK escapes, table rows kept whole
1      s1_odt              .odt paragraphs and table rows in body order
1      s1_mht              .mht/.mhtml web archives: the page part, read as HTML
1      s1_sheet            .xlsx/.xls attachment tables: rows carrying column headers
1      s1_ofd              .ofd (GB/T 33190-2016): text objects in reading order per page
1      s1_archive          .zip: each member a file of its own, nesting and size bounded
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
2      s2_clean            drop site clutter; map each paragraph to its source lines
2      s2_rejoin           rejoin paragraphs broken mid-sentence or by a removed marker
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
5      s5_issuers          one canonical issuer name for every spelling (alias table)
5      s5_kind             what a report is (政府工作报告, 法规, …), whether found online
6      s6_cut              a paragraph over 2,000 characters → passages, cut at sentences
6      s6_identify         content-derived ids → `Report`
2–5    lines               what a paragraph is (heading, title, salutation, signature,
                           opening or closing cue), shared by stages 2 to 5
–      corrections         the user's metadata CSV (build --metadata, metadata.csv)
                           applied over what was extracted
=====  ==================  ===============================================================

Everything here is pure text processing: nothing touches the index. `ingest_file` runs
every stage on one file and never raises for it; `ingest_path` does so for each member of
an archive.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from indexer.errors import SourceError
from indexer.ingest.s1_archive import Member, is_archive, iter_members
from indexer.ingest.s1_names import readable, source_name, storable
from indexer.ingest.s1_read import read_bytes, read_source
from indexer.ingest.s2_clean import clean_source
from indexer.ingest.s3_split import split_explained
from indexer.ingest.s5_citations import doc_number_key
from indexer.ingest.s5_filename import file_name_evidence
from indexer.ingest.s5_kind import web_evidence
from indexer.ingest.s6_identify import make_report
from indexer.models import Evidence, Report, Skipped, SourceText

log = logging.getLogger(__name__)


def ingest_path(path: Path, sources: Sequence[str | Path] = ()) -> Iterator[list[Report] | Skipped]:
    """Read and parse one file the build found: its reports, or each archive member's.

    A plain file gives one item (`ingest_file`). An archive gives one per member, each
    isolated as a file is: its reports, or a Skipped naming it inside the archive
    (`bundle.zip/2023/报告.doc`); an archive that cannot be opened is one Skipped.
    """
    if not is_archive(path):
        yield ingest_file(path, sources)
        return
    # Members are named inside the archive as the build names it, even when the SOURCE
    # is the archive itself: "bundle.zip/2023/报告.doc", never "2023/报告.doc".
    archive = source_name(path, sources)
    try:
        for member in iter_members(path):
            if isinstance(member, Skipped):
                yield member
            else:
                inside = storable(member.path.relative_to(path))
                yield _ingest(member.path, f"{archive}/{inside}", _member_reader(member))
    except SourceError as error:
        yield Skipped(path, str(error))
    except Exception as error:  # as in _ingest: one bad archive must never abort a build
        yield _failure(path, error)


def ingest_file(path: Path, sources: Sequence[str | Path] = ()) -> list[Report] | Skipped:
    """Read and parse one file; return its reports, or a Skipped saying why there are none.

    Never raises for anything the file holds or lacks: a file that breaks a reader or a
    later stage (a bug, a pathological document, memory) is skipped with the error named,
    and the build goes on with the next. `sources`, the build's SOURCE arguments, make
    each report's `source` relative to the one that named the file (`s1_names.source_name`).
    """
    return _ingest(path, source_name(path, sources), lambda: read_source(path))


def _member_reader(member: Member) -> Callable[[], SourceText]:
    return lambda: read_bytes(member.path, member.data)


def _ingest(path: Path, name: str, read: Callable[[], SourceText]) -> list[Report] | Skipped:
    try:
        return parse_source(read(), name=name)
    except SourceError as error:
        return Skipped(path, str(error))
    except Exception as error:  # one bad file must never abort a build of thousands
        return _failure(path, error)


def _failure(path: Path, error: Exception) -> Skipped:
    """Skip a file that broke a stage, naming the error (a bug to report, not the user's)."""
    log.debug("skipping %s", readable(path), exc_info=True)
    said = str(error)[:200].encode("utf-8", "backslashreplace").decode("utf-8")
    return Skipped(
        path, f"处理文件时出错（{type(error).__name__}: {said}），请把这个文件报告给维护者"
    )


def parse_source(source: SourceText, *, name: str | None = None) -> list[Report]:
    """Return the reports a source file holds, in the order it holds them.

    What the file says of itself (its properties, its name, a page's info table) describes
    its report only when it holds one: a compilation's name is no report's title. `name`
    is what the reports record as their file (default: its path, `storable`).
    """
    paragraphs, page_evidence = _clean(source.text)
    chunks = [chunk for chunk in split_explained(paragraphs) if chunk.paragraphs]
    # Found online or in a file: true of every report the file holds.
    file_evidence = web_evidence(source.format, (*source.evidence, *page_evidence))
    front: list[str] = []
    if len(chunks) == 1:
        file_evidence += (
            *source.evidence,
            *page_evidence,
            # A GBK file name is read as GB18030, not left with escapes, for its title.
            *file_name_evidence(readable(source.path.name)),
        )
        front = front_matter(file_evidence, chunks[0].paragraphs)
    reports = [
        make_report(
            chunk.paragraphs,
            source=storable(source.path) if name is None else name,
            position=position,
            evidence=file_evidence,
            boundary=chunk.reason,
            front_matter=front,
        )
        for position, chunk in enumerate(chunks, 1)
    ]
    # How the text was obtained holds for every report of the file, one or many.
    for item in source.evidence:
        if item.field == "text_source":
            for report in reports:
                report.metadata.text_source = item.value
    return reports


def front_matter(evidence: Sequence[Evidence], paragraphs: Sequence[str]) -> list[str]:
    """Lines of the page to keep with the report: a 发文字号 its text does not state.

    An info table is page furniture, removed from the text, but its 文号 is what a
    researcher cites and searches by: it leads the report's passages as the row it was.
    """
    text = doc_number_key("\n".join(paragraphs))
    return [
        f"发文字号：{e.value.strip()}"
        for e in dict.fromkeys(evidence)
        if e.field == "doc_number" and doc_number_key(e.value) not in text
    ]


def _clean(text: str) -> tuple[list[str], tuple[Evidence, ...]]:
    """Clean a text; return its paragraphs and what its page furniture stated."""
    cleaned = clean_source(text)
    return cleaned.paragraphs, tuple(cleaned.evidence)
