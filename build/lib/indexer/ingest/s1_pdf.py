"""PDF → text: the text layer laid out into paragraphs, or OCR of pages that have none.

pypdf opens the file (damage, encryption with an empty user password) and reads its
properties; PDFium (pypdfium2) reads each page's characters with their boxes, which
`s1_layout` turns into paragraphs without page furniture. A page without a text layer (a
scan) is recognised by `s1_ocr`; a document whose text came from OCR says so in its
evidence (`text_source` "OCR"), so its reports can tell the reader.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator

import pypdfium2
from pypdf import PdfReader

from indexer.errors import SourceError
from indexer.ingest.s1_layout import Line, Page, paragraphs, remove_furniture
from indexer.ingest.s1_ocr import recognise_pages
from indexer.ingest.s1_properties import pdf_evidence
from indexer.models import Evidence

OCR = "OCR"
"""The `text_source` of text recognised from page images."""

_Read = tuple[str, str | None, tuple[Evidence, ...]]  # text, encoding, evidence


def read_pdf(data: bytes) -> _Read:
    """Return a PDF's paragraphs as text, and what the file says of itself.

    Pages with a text layer are read from it; if no page has one, every page is OCRed
    (a page or two without text in a text PDF are figures or blank pages, not scans). A
    PDF of neither text nor images (vector drawings, blank pages) has nothing to OCR.
    """
    reader = _open_pdf(data)
    evidence = pdf_evidence(reader)
    document = _open_pdfium(data)
    try:
        pages = list(_text_pages(document))
        if not pages:
            raise SourceError("PDF 里没有任何页面：文件可能已损坏")
        if not any(page.lines for page in pages):
            if not any(_has_image(document[i]) for i in range(len(document))):
                raise SourceError(
                    "PDF 没有文本层，也没有可做 OCR 的扫描图像（空白页或只有图形）",
                    hint="如果页面上看得到文字，请另存为带文字的 PDF 或扫描成图像后再试",
                )
            pages = recognise_pages(data, document)
            evidence = (*evidence, Evidence("text_source", OCR, "ocr"))
    finally:
        document.close()
    text = "\n".join(paragraphs(remove_furniture(pages)))
    if not text.strip() and evidence and evidence[-1].field == "text_source":
        raise SourceError(
            "PDF 没有文本层（扫描件），OCR 也没有识别出文字",
            hint="页面可能是空白或只有图形；如是文字扫描件，请提高扫描分辨率后重试",
        )
    return text, None, evidence


def _open_pdf(data: bytes) -> PdfReader:
    """Open a PDF, unlocking it if it only has an owner password."""
    try:
        reader = PdfReader(io.BytesIO(data))
    # pypdf raises PdfReadError, but also ValueError, KeyError, … for damaged files.
    except Exception as exc:
        raise SourceError("无法打开 PDF：文件已损坏") from exc
    if reader.is_encrypted:
        # Many PDFs are encrypted only against editing, with an empty user password.
        try:
            unlocked = bool(reader.decrypt(""))
        # Decrypting AES needs an optional crypto package; without it pypdf raises.
        except Exception:
            unlocked = False
        if not unlocked:
            raise SourceError(
                "PDF 已加密，无法读取", hint="请提供未加密的版本，或用原软件去掉打开密码后再放进来"
            )
    return reader


def _open_pdfium(data: bytes) -> pypdfium2.PdfDocument:
    try:
        # An empty password opens files encrypted only against editing, as pypdf did.
        return pypdfium2.PdfDocument(data, password="")
    except pypdfium2.PdfiumError as exc:
        raise SourceError("无法读取 PDF 的文字：文件已损坏") from exc


def _text_pages(document: pypdfium2.PdfDocument) -> Iterator[Page]:
    for index in range(len(document)):
        try:
            page = document[index]
            width, height = page.get_size()
            text_page = page.get_textpage()
            lines = _page_lines(text_page, height)
        except pypdfium2.PdfiumError as exc:
            raise SourceError(f"无法读取 PDF 第 {index + 1} 页的文字：文件已损坏") from exc
        yield Page(tuple(lines), width, height)


def _has_image(page: pypdfium2.PdfPage) -> bool:
    """Tell whether a page draws an image (a scan), also inside a form XObject."""
    images = page.get_objects(filter=(pypdfium2.raw.FPDF_PAGEOBJ_IMAGE,), max_depth=3)
    return next(iter(images), None) is not None


def _page_lines(text_page: pypdfium2.PdfTextPage, height: float) -> list[Line]:
    """The page's text lines, each with the box of its characters (y downwards).

    PDFium marks the line breaks and the spaces it infers from gaps as generated; a
    generated space beside a Chinese character is the layout's spacing between Chinese
    and Latin text (2023 年), not a space the writer typed, and is dropped.
    """
    text = text_page.get_text_range()
    lines: list[Line] = []
    chars: list[tuple[str, tuple[float, ...]]] = []  # a generated space has no box: ()

    def close_line() -> None:
        kept = [(char, box) for n, (char, box) in enumerate(chars) if not _spacing(chars, n)]
        visible = [box for char, box in kept if box and not char.isspace()]
        line = "".join(char for char, _ in kept).strip()
        if line and visible:
            left = min(box[0] for box in visible)
            right = max(box[2] for box in visible)
            top = height - max(box[3] for box in visible)
            bottom = height - min(box[1] for box in visible)
            lines.append(Line(line, left, top, right, bottom))
        chars.clear()

    # get_text_range gives one character per index but for characters outside the
    # Basic Multilingual Plane, which take two; count_chars counts UTF-16 units.
    index = 0
    for char in text:
        units = 2 if ord(char) > 0xFFFF else 1
        if char in "\r\n":
            close_line()  # does nothing for the \n of \r\n
        else:
            generated = char == " " and _is_generated(text_page, index)
            box = () if generated else text_page.get_charbox(index, loose=True)
            chars.append((char, box))
        index += units
    close_line()
    return lines


def _is_generated(text_page: pypdfium2.PdfTextPage, index: int) -> bool:
    return bool(pypdfium2.raw.FPDFText_IsGenerated(text_page.raw, index))


def _spacing(chars: list[tuple[str, tuple[float, ...]]], n: int) -> bool:
    """Tell whether the generated space at `n` is the layout's spacing beside Chinese text.

    It is between a Chinese character and a Latin letter or digit (2023 年: word processors
    space the two scripts apart) when the gap is under half a character; a wider gap
    separates table cells or columns, and a space between two Chinese characters was
    typed (第四节 单位犯罪): both stay.
    """
    char, box = chars[n]
    if char != " " or box != () or not 0 < n < len(chars) - 1:
        return False
    (before, left), (after, right) = chars[n - 1], chars[n + 1]
    mixed = (_is_wide(before) and after.isascii() and after.isalnum()) or (
        _is_wide(after) and before.isascii() and before.isalnum()
    )
    if not mixed or not left or not right:
        return False
    size = max(left[3] - left[1], right[3] - right[1])
    return right[0] - left[2] < 0.5 * size


def _is_wide(char: str) -> bool:
    return bool(char) and unicodedata.east_asian_width(char) in ("W", "F")
