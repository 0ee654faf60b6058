"""Turn the files and folders a user names into decoded text.

This is the only module that reads a user's files from disk (and `s1_archive` the files
inside an archive): every later stage gets a SourceText. Each format has a reader of the
one shape `models.Reader` (bytes in; text, encoding and evidence out; a SourceError saying
why, in Chinese with what to do, when it cannot), registered by suffix in `_FORMATS` and
`_READERS` below; the readers live in their own modules (s1_docx, s1_office, …).
Decoding is faithful (newlines become "\\n", a BOM is dropped, markup is reduced to its
visible text) but for control characters: vertical tab and form feed become "\\n" and
the rest of C0 and C1 (NUL, ESC, DEL, CSI, …) but tab are removed, so nothing stored can
reach a terminal as a command. Cleaning the text is a later stage's job.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from indexer.errors import SourceError
from indexer.ingest.s1_archive import ARCHIVE_SUFFIXES
from indexer.ingest.s1_text import decode_text
from indexer.models import FileText, Reader, Skipped, SourceText

# suffix → format name; the format's reader is in _READERS at the end of this module.
_FORMATS = {
    ".txt": "txt",
    ".text": "txt",
    ".docx": "docx",
    ".doc": "doc",
    ".wps": "doc",  # Kingsoft WPS Writer: Word's binary format (s1_office)
    ".rtf": "rtf",
    ".odt": "odt",
    ".html": "html",
    ".htm": "html",
    ".mht": "mht",
    ".mhtml": "mht",
    ".pdf": "pdf",
    ".ofd": "ofd",
    ".xlsx": "xlsx",
    ".xls": "xls",
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_FORMATS) | ARCHIVE_SUFFIXES
SUPPORTED_LIST = " ".join(sorted(SUPPORTED_SUFFIXES))
"""The readable types as a user reads them in a message: ".doc .docx .htm …"."""

# --- finding files -------------------------------------------------------------------------


def iter_source_files(
    paths: Iterable[str | Path], real_path: RealPaths | None = None
) -> Iterator[Path | Skipped]:
    """Yield every supported file under `paths`, and a Skipped for each one that is not.

    A folder is walked recursively in sorted name order (files and subfolders interleaved,
    as a file browser shows them); hidden entries (".git", ".DS_Store", Word's "~$" lock
    files) are passed over silently. A path named explicitly is never treated as hidden.
    A file reached twice (named and inside a named folder) is yielded once. `real_path`
    resolves paths (given: it remembers them for the caller's next look).
    """
    seen: set[str] = set()
    real_path = real_path if real_path is not None else RealPaths()
    for given in paths:
        path = Path(given)
        if not path.exists():
            if path.is_symlink():
                yield Skipped(path, "符号链接指向不存在的目标或形成循环（请修正或删除这个链接）")
            else:
                yield Skipped(path, f"不存在: {path}（找不到这个文件或文件夹，请检查路径）")
            continue
        found = _walk(path, set()) if path.is_dir() else iter([(path, None)])
        for item in found:
            if isinstance(item, Skipped):
                yield item
                continue
            file, entry = item
            # realpath, not resolve(): resolve raises on a symlink loop, realpath stops.
            real = real_path(file, link=entry.is_symlink() if entry is not None else None)
            if real in seen:
                continue
            seen.add(real)
            yield _check_file(file, entry)


class RealPaths:
    """`os.path.realpath` of many files in few folders, each folder resolved once: a file
    that is no symlink is an entry of its folder's real path (resolving every component
    of 35,000 files' paths took 2.7 s of a one-file update), and each path once: finding
    the files and comparing them with the index both ask. One scan's worth: a folder
    replaced by a symlink later is resolved again by the next instance."""

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}
        self._paths: dict[str, str] = {}

    def __call__(self, path: str | Path, *, link: bool | None = None) -> str:
        """The real path of `path`; `link` says whether it is a symlink, when its folder's
        listing said so already (None: asked here)."""
        text = os.fspath(path)
        real = self._paths.get(text)
        if real is None:
            real = self._paths[text] = self._resolve(text, link)
        return real

    def _resolve(self, text: str, link: bool | None) -> str:
        folder, name = os.path.split(text)
        if link is None:
            link = os.path.islink(text)
        if name in ("", ".", "..") or link:
            return os.path.realpath(text)
        real = self._folders.get(folder)
        if real is None:
            real = self._folders[folder] = os.path.realpath(folder or ".")
        return os.path.join(real, name)


Found = tuple[Path, "os.DirEntry[str] | None"]  # a file, and its folder's entry for it


def _walk(folder: Path, visited: set[Path]) -> Iterator[Found | Skipped]:
    """Yield the files under `folder` in sorted order, not following a symlink loop, each
    with its folder's entry: what the listing says of a file (is it a symlink, a regular
    file) is known without asking the file system again: two system calls a file fewer
    (0.55-0.70 s → 0.46-0.52 s over 35,000 files here; more on shared storage)."""
    real = folder.resolve()
    if real in visited:
        return
    visited.add(real)
    try:
        with os.scandir(folder) as entries:
            ordered = sorted(entries, key=lambda entry: entry.name)
    except OSError as exc:
        yield Skipped(folder, f"无法读取文件夹: {exc.strerror or exc}（请检查文件夹权限）")
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
            yield path, entry


def _is_hidden(name: str) -> bool:
    return name.startswith((".", "~$"))


def _check_file(path: Path, entry: os.DirEntry[str] | None = None) -> Path | Skipped:
    """Return `path` if it is a regular file with a supported suffix, else say why not
    (`entry`, its folder's entry for it, answers without a system call)."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return Skipped(path, unsupported(suffix))
    # A fifo or device would block or never end when read.
    if not _is_regular(path, entry):
        return Skipped(path, "不是普通文件（设备、管道或套接字无法作为报告读取）")
    return path


def _is_regular(path: Path, entry: os.DirEntry[str] | None) -> bool:
    """Whether `path` is (or links to) a regular file, as `Path.is_file` says: False for a
    symlink loop or a dangling link too."""
    if entry is None:
        return path.is_file()
    try:
        return entry.is_file()
    except OSError:  # a symlink loop (ELOOP)
        return False


# --- reading files -------------------------------------------------------------------------


def unsupported(suffix: str) -> str:
    """The reason a file of an unreadable type is skipped, with the types that are read."""
    shown = suffix or "（无扩展名）"
    return f"不支持的文件类型 {shown}（可以读取 {SUPPORTED_LIST}；请另存为其中一种再试）"


def read_source(path: str | Path) -> SourceText:
    """Read one source file and return its decoded text and what the file says about itself.

    Raises SourceError, with a message a user can act on, for anything that stops the file
    from being read: unsupported type, I/O error, undecodable bytes, a corrupt document,
    a PDF without a text layer, or no text at all. An archive is read by `s1_archive`,
    member by member, each member by `read_bytes`.
    """
    path = Path(path)
    if path.suffix.lower() not in _FORMATS:
        raise SourceError(unsupported(path.suffix.lower()))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(
            f"无法读取文件: {exc.strerror or exc}", hint="请检查文件权限，或文件是否仍在下载中"
        ) from exc
    return read_bytes(path, data)


def read_bytes(path: Path, data: bytes) -> SourceText:
    """Read a file's bytes by the reader of its suffix; `path` may name an archive member."""
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SourceError(unsupported(path.suffix.lower()))
    if not data:
        raise SourceError("文件是空的（0 字节），请检查文件是否下载完整")
    text, encoding, evidence = reader_of(fmt)(data)
    text = _remove_controls(_normalise_newlines(text))
    if not text.strip():
        raise SourceError("文件里没有文字", hint="如果是扫描件或图片，需要先做文字识别（OCR）")
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


def _read_text(data: bytes) -> FileText:
    return (*decode_text(data), ())


# format → the reader's module and function, imported on first use: most builds read two or
# three formats, and importing every reader's library (python-docx, readability, openpyxl,
# PDFium …) cost each process 0.6 s before it read a file.
_READERS: dict[str, str] = {
    "docx": "indexer.ingest.s1_docx:read_docx",
    "doc": "indexer.ingest.s1_office:read_word_binary",
    "rtf": "indexer.ingest.s1_rtf:read_rtf",
    "odt": "indexer.ingest.s1_odt:read_odt",
    "html": "indexer.ingest.s1_html:read_html",
    "mht": "indexer.ingest.s1_mht:read_mht",
    "pdf": "indexer.ingest.s1_pdf:read_pdf",
    "ofd": "indexer.ingest.s1_ofd:read_ofd",
    "xlsx": "indexer.ingest.s1_sheet:read_xlsx",
    "xls": "indexer.ingest.s1_sheet:read_xls",
}


@functools.cache
def reader_of(fmt: str) -> Reader:
    """The reader of a format (`_READERS`; plain text is read here)."""
    if fmt == "txt":
        return _read_text
    module, _, name = _READERS[fmt].partition(":")
    found: Reader = getattr(importlib.import_module(module), name)
    return found
