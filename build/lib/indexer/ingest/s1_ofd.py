"""Stage 1, OFD (GB/T 33190-2016): the text of a fixed-layout official document, page by page.

An OFD file is a zip of XML. The structure followed, from the standard:

- `OFD.xml` (root `ofd:OFD`): each `ofd:DocBody` names its document by `ofd:DocRoot`
  (e.g. `Doc_0/Document.xml`) and may carry `ofd:DocInfo/ofd:Title`;
- the document (`ofd:Document`) lists its pages in order, `ofd:Pages/ofd:Page`, each with
  `BaseLoc`, the page's content file, relative to the document's folder (or absolute from
  the package root when it starts with "/");
- a page (`ofd:Page/ofd:Content/ofd:Layer`) draws `ofd:TextObject`s, possibly inside
  `ofd:PageBlock`s; a text object's `Boundary` ("x y width height", millimetres from the
  page's top left) places it, and its `ofd:TextCode`s hold the characters, each at `X`, `Y`
  (the baseline) inside that boundary; a TextCode without X or Y continues the previous.

No maintained library reads this without bringing a PDF renderer (easyofd needs PyMuPDF and
reportlab), so the reader is this module: lxml, with entities and network off. A page's
text codes are put in reading order: lines by their baseline (codes within a third of the
font size of each other share one), top to bottom, each line left to right; a wide gap in
a line (a table's columns) becomes `CELL_GAP`. A line that fills the text block runs on
into the next unindented line, across a page break too (`_paragraphs`), so a paragraph
wrapped by the layout is one paragraph again. Page templates (running headers and seals
drawn on every page) and annotations are not read.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from unicodedata import east_asian_width

from lxml import etree

from indexer.errors import SourceError
from indexer.ingest.s1_html import CELL_GAP
from indexer.ingest.s1_properties import document_title
from indexer.models import Evidence, FileText

MAX_PART_BYTES = 50_000_000
"""The largest XML part read from an OFD package; a larger one is refused as a bomb."""

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
_RESAVE = "请用数科 OFD 阅读器或福昕 OFD 版式办公套件打开，另存为 PDF 或导出文字后再试"


@dataclass(frozen=True)
class _Code:
    """One run of characters on a page: where its baseline starts and its font size."""

    x: float
    y: float
    size: float
    text: str


def read_ofd(data: bytes) -> FileText:
    """Return an OFD file's text, page after page, each page's lines in reading order."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise SourceError("无法打开 .ofd：文件已损坏，或不是 OFD 版式文件", hint=_RESAVE) from exc
    with package:
        root = _xml(package, "OFD.xml")
        if root is None:
            raise SourceError("无法打开 .ofd：包里没有 OFD.xml（不是 OFD 版式文件）", hint=_RESAVE)
        lines: list[str] = []
        evidence: list[Evidence] = []
        for body in _children(root, "DocBody"):
            title = document_title(_text_of(body, "DocInfo", "Title"))
            if title:
                evidence.append(Evidence("title", title, "ofd_properties"))
            document_path = _text_of(body, "DocRoot")
            if document_path:
                lines.extend(_document_lines(package, _resolve("", document_path)))
    return "\n".join(lines), None, tuple(evidence[:1])


def _document_lines(package: zipfile.ZipFile, path: str) -> Iterator[str]:
    document = _xml(package, path)
    if document is None:
        raise SourceError(f"无法读取 .ofd：找不到文档 {path}（文件已损坏）", hint=_RESAVE)
    folder = posixpath.dirname(path)
    yield from _paragraphs(
        list(_reading_order(list(_codes(content))))
        for content in _page_contents(package, document, folder)
    )


def _page_contents(
    package: zipfile.ZipFile, document: etree._Element, folder: str
) -> Iterator[etree._Element]:
    """Yield each page's content, in the document's page order."""
    for pages in _children(document, "Pages"):
        for page in _children(pages, "Page"):
            location = page.get("BaseLoc")
            content = _xml(package, _resolve(folder, location)) if location else None
            if content is not None:
                yield content


def _codes(page: etree._Element) -> Iterator[_Code]:
    """Yield every text code on a page (its layers and page blocks), placed on the page."""
    for text_object in page.iter("{*}TextObject"):
        left, top = _origin(text_object.get("Boundary", ""))
        size = _number(text_object.get("Size"), 3.5)
        x = y = 0.0
        for code in _children(text_object, "TextCode"):
            x = _number(code.get("X"), x)
            y = _number(code.get("Y"), y)
            if code.text:
                yield _Code(left + x, top + y, size, code.text)
            x += _advance(code.text or "", size)  # where a code without X continues


@dataclass
class _Line:
    """A line of a page: its text, where it starts and ends, its font size."""

    text: str
    left: float
    right: float
    size: float


def _reading_order(codes: list[_Code]) -> Iterator[_Line]:
    """Yield a page's lines: baselines top to bottom, each line's codes left to right."""
    codes.sort(key=lambda code: (code.y, code.x))
    line: list[_Code] = []
    for code in codes:
        if line and code.y - line[0].y > line[0].size / 3:
            yield _join(line)
            line = []
        line.append(code)
    if line:
        yield _join(line)


def _join(line: list[_Code]) -> _Line:
    """Join a line's codes; a gap wider than two characters separates table cells."""
    line.sort(key=lambda code: code.x)
    text = line[0].text
    end = line[0].x + _advance(line[0].text, line[0].size)
    for code in line[1:]:
        text += CELL_GAP + code.text if code.x - end > 2 * code.size else code.text
        end = max(end, code.x + _advance(code.text, code.size))
    return _Line(text, line[0].x, end, line[0].size)


def _paragraphs(pages: Iterable[list[_Line]]) -> Iterator[str]:
    """Yield paragraphs: a line that fills the text block runs on into an unindented next.

    A paragraph's first line is indented (two characters in Chinese documents), titles
    are centred and signatures pushed right; a line broken only because the block is full
    reaches the block's right edge, ends in no 。！？；：, and the next line starts at the
    left margin. Margin and edge are the document's (the leftmost start, the rightmost end
    two lines share), so a page of short paragraphs is judged like the others, and a
    sentence cut by a page break is one paragraph again. Table rows never run on.
    """
    lines = [line for page in pages for line in page]
    if not lines:
        return
    margin = min(line.left for line in lines)
    ends = sorted((line.right for line in lines), reverse=True)
    edge = ends[1] if len(ends) > 1 else float("inf")
    text = ""
    runs_on = False
    for line in lines:
        indented = line.left > margin + line.size / 2
        if text and runs_on and not indented and CELL_GAP not in line.text:
            text += line.text
        else:
            if text:
                yield text
            text = line.text
        runs_on = (
            line.right >= edge - line.size
            and line.text[-1] not in _PARAGRAPH_END
            and CELL_GAP not in line.text
        )
    yield text


_PARAGRAPH_END = frozenset("。！？；：!?;:")


def _advance(text: str, size: float) -> float:
    """Estimate how far a run of text reaches: a full em per wide character, half else."""
    return sum(size if east_asian_width(char) in ("W", "F") else size / 2 for char in text)


def _xml(package: zipfile.ZipFile, path: str) -> etree._Element | None:
    """Parse a part of the package, or None when it is missing."""
    try:
        info = package.getinfo(path)
    except KeyError:
        return None
    if info.file_size > MAX_PART_BYTES:
        raise SourceError(f"无法读取 .ofd：{path} 解压后过大（可能是压缩炸弹）", hint=_RESAVE)
    try:
        return etree.fromstring(package.read(info), _PARSER)
    except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError) as exc:
        raise SourceError(f"无法读取 .ofd：{path} 已损坏", hint=_RESAVE) from exc


def _children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    """Yield the direct children of `element` called `name`, in any namespace."""
    return (child for child in element if etree.QName(child).localname == name)


def _text_of(element: etree._Element, *names: str) -> str:
    """Return the text of the first element down the path of `names`, or ""."""
    for name in names:
        found = next(_children(element, name), None)
        if found is None:
            return ""
        element = found
    return (element.text or "").strip()


def _resolve(folder: str, location: str) -> str:
    """Return a location inside the package: absolute from its root when it starts with /."""
    location = location.strip().replace("\\", "/")
    joined = location.lstrip("/") if location.startswith("/") else f"{folder}/{location}"
    return posixpath.normpath(joined).lstrip("/")


def _origin(boundary: str) -> tuple[float, float]:
    parts = boundary.split()
    return (_number(parts[0], 0.0), _number(parts[1], 0.0)) if len(parts) >= 2 else (0.0, 0.0)


def _number(value: str | None, default: float) -> float:
    try:
        return float(value) if value is not None else default
    except ValueError:
        return default
