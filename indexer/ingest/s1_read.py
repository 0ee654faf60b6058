"""Turn the files and folders a user names into decoded text.

This is the only module that reads a user's files: every later stage gets a SourceText.
Decoding is faithful (newlines become "\\n", a BOM is dropped, markup is reduced to its
visible text) but for control characters: vertical tab and form feed become "\\n" and
the rest of C0 and C1 (NUL, ESC, DEL, CSI, …) but tab are removed, so nothing stored can
reach a terminal as a command. Cleaning the text is a later stage's job.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import docx
from docx.table import Table

from indexer.errors import SourceError
from indexer.ingest.s1_html import CELL_GAP, read_html
from indexer.ingest.s1_pdf import read_pdf
from indexer.ingest.s1_properties import docx_evidence
from indexer.ingest.s1_text import decode_text
from indexer.models import Evidence, Skipped, SourceText

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

# --- finding files -------------------------------------------------------------------------


def iter_source_files(paths: Iterable[str | Path]) -> Iterator[Path | Skipped]:
    """Yield every supported file under `paths`, and a Skipped for each one that is not.

    A folder is walked recursively in sorted name order (files and subfolders interleaved,
    as a file browser shows them); hidden entries (".git", ".DS_Store", Word's "~$" lock
    files) are passed over silently. A path named explicitly is never treated as hidden.
    A file reached twice (named and inside a named folder) is yielded once.
    """
    seen: set[str] = set()
    for given in paths:
        path = Path(given)
        if not path.exists():
            if path.is_symlink():
                yield Skipped(path, "符号链接指向不存在的目标或形成循环（broken symlink）")
            else:
                yield Skipped(path, f"不存在: {path}（找不到这个文件或文件夹 / not found）")
            continue
        found = _walk(path, set()) if path.is_dir() else iter([path])
        for item in found:
            if isinstance(item, Skipped):
                yield item
                continue
            # realpath, not resolve(): resolve raises on a symlink loop, realpath stops.
            real = os.path.realpath(item)
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
        try:
            is_dir = entry.is_dir()
        except OSError:  # a symlink loop: _check_file says it is no regular file
            is_dir = False
        if is_dir:
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


def read_source(path: str | Path) -> SourceText:
    """Read one source file and return its decoded text and what the file says about itself.

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
    text, encoding, evidence = _READERS[fmt](data)
    text = _remove_controls(_normalise_newlines(text))
    if not text.strip():
        raise SourceError("文件里没有文字（no text）")
    return SourceText(path=path, text=text, format=fmt, encoding=encoding, evidence=evidence)


def _normalise_newlines(text: str) -> str:
    # str.replace runs in C; splitlines() would also split on \v, \f, \x1c, \u2028 and so
    # alter the text.
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


# C0 controls but \t \n, DEL and C1 controls; \v and \f are line breaks, mapped first.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_BREAKS = str.maketrans({"\v": "\n", "\f": "\n"})


def _remove_controls(text: str) -> str:
    """Map \\v and \\f to a line break and remove every other control but \\t and \\n."""
    if "\v" in text or "\f" in text:
        text = text.translate(_BREAKS)
    return _CONTROLS.sub("", text)


_Read = tuple[str, str | None, tuple[Evidence, ...]]  # text, encoding, evidence


def _read_text(data: bytes) -> _Read:
    return (*decode_text(data), ())


# --- docx ----------------------------------------------------------------------------------


def _read_docx(data: bytes) -> _Read:
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
    return "\n".join(paragraphs), None, docx_evidence(document)


def _docx_paragraphs(container: DocxDocument | _Cell) -> Iterator[str]:
    """Yield the text of each paragraph in body order, descending into tables."""
    for block in container.iter_inner_content():
        if isinstance(block, Table):
            yield from _table_paragraphs(block)
        else:
            yield block.text


def _table_paragraphs(table: Table) -> Iterator[str]:
    """Yield each row as one line of its cells when every cell holds one paragraph.

    A label and its figures (行政许可 3项) then stay in one passage. A row whose cells hold
    several paragraphs is a layout, read cell by cell. Each merged cell is read once.
    """
    # row.cells repeats a merged cell once per grid column and per merged row. The set
    # holds the lxml elements themselves: an id() could be reused once a proxy is freed.
    seen = set()
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            cells.append(list(_docx_paragraphs(cell)))
        if all(len(paragraphs) <= 1 for paragraphs in cells):
            line = CELL_GAP.join(p for paragraphs in cells for p in paragraphs)
            if line:
                yield line
        else:
            for paragraphs in cells:
                yield from paragraphs


_READERS: dict[str, Callable[[bytes], _Read]] = {
    "txt": _read_text,
    "docx": _read_docx,
    "html": read_html,
    "pdf": read_pdf,
}
