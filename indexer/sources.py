"""Turn the files and folders a user names into decoded text.

This is the only module that reads a user's files: every later stage gets a SourceText.
Decoding is faithful (newlines become "\\n", a BOM is dropped, markup is reduced to its
visible text); cleaning the text is a later stage's job.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from unicodedata import east_asian_width

import docx
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning
from bs4.dammit import EncodingDetector
from bs4.element import NavigableString, PreformattedString
from charset_normalizer import from_bytes
from docx.table import Table
from pypdf import PdfReader

from indexer.errors import SourceError
from indexer.models import Skipped, SourceText

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.table import _Cell

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".text", ".docx", ".html", ".htm", ".pdf"})

_FORMATS = {
    ".txt": "txt",
    ".text": "txt",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}
_SUPPORTED_LIST = " ".join(sorted(SUPPORTED_SUFFIXES))

# gb18030 is a superset of gbk, which is a superset of gb2312: decoding with it never loses a
# character that a gb2312/gbk reading would have found, and files labelled gb2312 often hold
# gbk-only characters.
_GB_FAMILY = frozenset({"gb2312", "gbk", "gb18030"})

# Below this many bytes (about 32 Chinese characters) charset-normalizer often prefers a
# Japanese, Thai or Korean reading of GBK text full of punctuation such as 《》、“”;
# measured on the sample reports, it is reliable from here on.
_SMALL_INPUT = 64

_UNDECODABLE = "无法解码文本（不是 UTF-8/GB18030 编码）"
_SAVE_AS_UTF8 = "请用 UTF-8 编码另存后再试"

# C0 controls other than \t \n \v \f \r: text files do not contain them, binary files do.
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f]")


# --- finding files -------------------------------------------------------------------------


def iter_source_files(paths: Iterable[str | Path]) -> Iterator[Path | Skipped]:
    """Yield every supported file under `paths`, and a Skipped for each one that is not.

    A folder is walked recursively in sorted name order (files and subfolders interleaved,
    as a file browser shows them); hidden entries (".git", ".DS_Store", Word's "~$" lock
    files) are passed over silently. A path named explicitly is never treated as hidden.
    A file reached twice (named and inside a named folder) is yielded once.
    """
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if not path.exists():
            yield Skipped(path, f"不存在: {path}（找不到这个文件或文件夹 / not found）")
            continue
        found = _walk(path, set()) if path.is_dir() else iter([path])
        for item in found:
            if isinstance(item, Skipped):
                yield item
                continue
            real = item.resolve()
            if real in seen:
                continue
            seen.add(real)
            yield _check_file(item)


def _walk(folder: Path, visited: set[Path]) -> Iterator[Path | Skipped]:
    """Yield the files under `folder` in sorted order, not following a symlink loop."""
    real = folder.resolve()
    if real in visited:
        return
    visited.add(real)
    try:
        with os.scandir(folder) as entries:
            ordered = sorted(entries, key=lambda entry: entry.name)
    except OSError as exc:
        yield Skipped(folder, f"无法读取文件夹: {exc.strerror or exc}（cannot list folder）")
        return
    for entry in ordered:
        if _is_hidden(entry.name):
            continue
        path = folder / entry.name
        if entry.is_dir():
            yield from _walk(path, visited)
        else:
            yield path


def _is_hidden(name: str) -> bool:
    return name.startswith((".", "~$"))


def _check_file(path: Path) -> Path | Skipped:
    """Return `path` if it is a regular file with a supported suffix, else say why not."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "（无扩展名）"
        return Skipped(path, f"不支持的文件类型 {shown}（unsupported; 支持 {_SUPPORTED_LIST}）")
    # A fifo or device would block or never end when read.
    if not path.is_file():
        return Skipped(path, "不是普通文件（not a regular file）")
    return path


# --- reading files -------------------------------------------------------------------------


def read_sources(paths: Iterable[str | Path]) -> Iterator[SourceText | Skipped]:
    """Yield the text of every source file under `paths`, or a Skipped saying why not.

    Never raises for a bad file: the reason goes into the Skipped and reading goes on.
    """
    for item in iter_source_files(paths):
        if isinstance(item, Skipped):
            yield item
            continue
        try:
            yield read_source(item)
        except SourceError as exc:
            yield Skipped(item, str(exc))


def read_source(path: str | Path) -> SourceText:
    """Read one source file and return its decoded text.

    Raises SourceError, with a message a user can act on, for anything that stops the file
    from being read: unsupported type, I/O error, undecodable bytes, a corrupt document,
    a PDF without a text layer, or no text at all.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    fmt = _FORMATS.get(suffix)
    if fmt is None:
        raise SourceError(f"不支持的文件类型 {suffix or '（无扩展名）'}（支持 {_SUPPORTED_LIST}）")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"无法读取文件: {exc.strerror or exc}（cannot read）") from exc
    if not data:
        raise SourceError("文件是空的（empty file）")
    text, encoding = _READERS[fmt](data)
    text = _normalise_newlines(text)
    if not text.strip():
        raise SourceError("文件里没有文字（no text）")
    return SourceText(path=path, text=text, format=fmt, encoding=encoding)


def _normalise_newlines(text: str) -> str:
    # str.replace runs in C; splitlines() would also split on \v, \f, \x1c, \u2028 and so
    # alter the text.
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- plain text ----------------------------------------------------------------------------


def _decode_text(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes of Chinese text; return the text and the encoding used.

    Order: strict UTF-8 (a BOM is dropped), then `declared` (an encoding the file claims,
    as in an HTML meta tag), then charset-normalizer. Strict UTF-8 goes first because it
    almost never decodes anything else without error. Among charset-normalizer's readings,
    gb18030 wins whenever it is one of them: on short Chinese text charset-normalizer often
    ranks big5, cp949, johab, euc_jis_2004 or utf_16_be higher. When the input is too small
    for charset-normalizer to judge, or it finds nothing at all (it rejects short text with
    much CJK punctuation such as “” 《》 、), a strict gb18030 reading is used if there is one.
    UTF-16/32 is accepted only with a BOM.
    """
    for encoding in ("utf-8-sig", _usable_declared(declared)):
        if encoding is None:
            continue
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Pure ASCII UTF-16 without a BOM decodes as UTF-8 too, with a NUL after each letter.
        if "\x00" not in text:
            return _drop_bom(text), _encoding_name(encoding, data)
    return _detect(data)


def _usable_declared(declared: str | None) -> str | None:
    """Return the codec for a declared encoding, or None if it cannot be trusted."""
    if not declared:
        return None
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        return None
    # A document whose declaration we could read as ASCII is not UTF-16/32, whatever it says
    # (the HTML standard treats such a declaration as UTF-8).
    if name.startswith(("utf-16", "utf-32")):
        return None
    return "gb18030" if name in _GB_FAMILY else name


def _encoding_name(encoding: str, data: bytes) -> str:
    if encoding == "utf-8-sig":
        return "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    return encoding


def _drop_bom(text: str) -> str:
    # gb18030 has its own BOM, which decodes to U+FEFF like the others.
    return text[1:] if text.startswith("\ufeff") else text


def _detect(data: bytes) -> tuple[str, str]:
    """Decode with the encoding charset-normalizer finds, preferring gb18030."""
    readings = [(codecs.lookup(m.encoding).name, m) for m in from_bytes(data)]
    for name, match in readings:
        if match.bom:
            return _drop_bom(str(match)), name
    # Without a BOM, charset-normalizer's UTF-16/32 guesses are mostly GBK text or random
    # bytes misread; Windows, which writes UTF-16 text files, always adds the BOM.
    readings = [(name, m) for name, m in readings if not name.startswith(("utf-16", "utf-32"))]
    gb_found = any(name in _GB_FAMILY for name, _ in readings)
    if gb_found or not readings or len(data) < _SMALL_INPUT:
        text = _strict_gb18030(data)
        if text is not None:
            return _drop_bom(text), "gb18030"
    if not readings:
        raise SourceError(_UNDECODABLE, hint=_SAVE_AS_UTF8)
    name, best = readings[0]  # charset-normalizer lists its best reading first
    return str(best), name


def _strict_gb18030(data: bytes) -> str | None:
    """Return the gb18030 reading of `data`, or None if there is none or it looks binary."""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    # charset-normalizer vetted its own readings; this one it did not, and nearly any
    # byte string is valid gb18030 once it is mostly below 0x80.
    if _BINARY_CONTROLS.search(text):
        return None
    return text


# --- docx ----------------------------------------------------------------------------------


def _read_docx(data: bytes) -> tuple[str, None]:
    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs = list(_docx_paragraphs(document))
    # python-docx raises zipfile, KeyError, lxml and its own errors for a damaged package;
    # all of them mean the same thing to the user.
    except Exception as exc:
        raise SourceError(
            "无法打开 .docx（文件已损坏，或不是 Word 2007 及以后的文档 / corrupt docx）",
            hint="旧版 .doc 请先用 Word 另存为 .docx",
        ) from exc
    return "\n".join(paragraphs), None


def _docx_paragraphs(container: DocxDocument | _Cell) -> Iterator[str]:
    """Yield the text of each paragraph in body order, descending into tables."""
    for block in container.iter_inner_content():
        if isinstance(block, Table):
            yield from _table_paragraphs(block)
        else:
            yield block.text


def _table_paragraphs(table: Table) -> Iterator[str]:
    """Yield the paragraphs of each cell, row by row, each merged cell once."""
    # row.cells repeats a merged cell once per grid column and per merged row. The set
    # holds the lxml elements themselves: an id() could be reused once a proxy is freed.
    seen = set()
    for row in table.rows:
        for cell in row.cells:
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            yield from _docx_paragraphs(cell)


# --- html ----------------------------------------------------------------------------------

_DROPPED_TAGS = frozenset(
    {
        "head",
        "script",
        "style",
        "noscript",
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "template",
        "iframe",
        "svg",
        "canvas",
        "button",
        "select",
    }
)
# Inside these, <header> holds the article's own title and <footer> its date and issuer:
# content, not page chrome.
_CONTENT_ROOTS = frozenset({"article", "main"})
_KEPT_IN_CONTENT = frozenset({"header", "footer"})

_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "blockquote",
        "body",
        "br",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "legend",
        "li",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
# HTML collapses ASCII whitespace only; &nbsp; and the ideographic space U+3000 are text.
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_HTML_SPACE_CHARS = " \t\n\r\f"


def _read_html(data: bytes) -> tuple[str, str]:
    declared = EncodingDetector.find_declared_encoding(data, is_html=True)
    markup, encoding = _decode_text(data, declared)
    with warnings.catch_warnings():
        # We know this is a file's content and want it parsed as HTML, even when it is short
        # and looks like a file name, or starts with an XML declaration (XHTML).
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(markup, "lxml")
    return _html_text(soup.body or soup), encoding


def _html_text(root: Tag) -> str:
    """Return the visible text under `root`, one block element per line, no blank lines."""
    lines = "".join(_html_chunks(root)).split("\n")
    stripped = (line.strip(_HTML_SPACE_CHARS) for line in lines)
    return "\n".join(line for line in stripped if line and not line.isspace())


def _html_chunks(root: Tag) -> Iterator[str]:
    """Yield the visible strings under `root` in order, with "\\n" at block boundaries."""
    # An explicit stack rather than recursion: real pages nest deeper than Python's
    # recursion limit allows.
    stack = [(iter(root.children), root)]
    pre_depth = content_depth = 0
    while stack:
        children, parent = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            name = parent.name
            pre_depth -= name == "pre"
            content_depth -= name in _CONTENT_ROOTS
            if name in _BLOCK_TAGS:
                yield "\n"
        elif isinstance(child, Tag):
            name = child.name
            if name in _DROPPED_TAGS and not (content_depth and name in _KEPT_IN_CONTENT):
                continue
            pre_depth += name == "pre"
            content_depth += name in _CONTENT_ROOTS
            if name in _BLOCK_TAGS:
                yield "\n"
            stack.append((iter(child.children), child))
        # Comments, doctypes, CDATA and processing instructions are not visible text.
        elif isinstance(child, NavigableString) and not isinstance(child, PreformattedString):
            yield str(child) if pre_depth else _collapse_html_space(child)


def _collapse_html_space(text: str) -> str:
    """Collapse whitespace as a browser does; drop a line break between two CJK characters.

    Hard-wrapped Chinese source must not gain a space inside a word or phrase: CSS Text 3
    (segment break transformation) removes a line break whose neighbours are both East Asian
    wide characters. Only breaks within one text node are seen here.
    """
    if "\n" not in text and "\r" not in text:
        return _HTML_SPACE.sub(" ", text)
    return _HTML_SPACE.sub(_space_or_nothing, text)


def _space_or_nothing(match: re.Match[str]) -> str:
    run, text, start, end = match.group(), match.string, match.start(), match.end()
    if "\n" not in run and "\r" not in run:
        return " "
    if start == 0 or end == len(text):
        return " "
    return "" if _wide(text[start - 1]) and _wide(text[end]) else " "


def _wide(char: str) -> bool:
    # Hangul is excluded by the CSS rule: Korean separates words with spaces.
    return east_asian_width(char) in ("F", "W", "H") and not "\uac00" <= char <= "\ud7a3"


# --- pdf -----------------------------------------------------------------------------------


def _read_pdf(data: bytes) -> tuple[str, None]:
    reader = _open_pdf(data)
    try:
        pages = [page.extract_text() for page in reader.pages]
    # A damaged page tree or content stream makes pypdf raise almost any error type.
    except Exception as exc:
        raise SourceError("无法读取 PDF 的文字（文件已损坏 / corrupt pdf）") from exc
    if not pages:
        raise SourceError("PDF 里没有任何页面（no pages）")
    if not any(text.strip() for text in pages):
        raise SourceError("PDF 没有文本层（可能是扫描件），需要先做 OCR")
    return "\n".join(pages), None


def _open_pdf(data: bytes) -> PdfReader:
    """Open a PDF, unlocking it if it only has an owner password."""
    try:
        reader = PdfReader(io.BytesIO(data))
    # pypdf raises PdfReadError, but also ValueError, KeyError, … for damaged files.
    except Exception as exc:
        raise SourceError("无法打开 PDF（文件已损坏 / corrupt pdf）") from exc
    if reader.is_encrypted:
        # Many PDFs are encrypted only against editing, with an empty user password.
        try:
            unlocked = bool(reader.decrypt(""))
        # Decrypting AES needs an optional crypto package; without it pypdf raises.
        except Exception:
            unlocked = False
        if not unlocked:
            raise SourceError("PDF 已加密，无法读取（encrypted）", hint="请提供未加密的版本")
    return reader


_READERS: dict[str, Callable[[bytes], tuple[str, str | None]]] = {
    "txt": _decode_text,
    "docx": _read_docx,
    "html": _read_html,
    "pdf": _read_pdf,
}
