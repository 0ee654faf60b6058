"""Stage 1, legacy Word: .doc (Word 97–2003) and Kingsoft .wps, converted by LibreOffice.

Both are OLE compound files holding Word's binary format: Kingsoft WPS Writer has saved
.wps on the Word 97 format since WPS 2005, with extensions of its own that LibreOffice
ignores. LibreOffice (Debian's `libreoffice-writer-nogui`) converts the file to .docx and
`s1_docx` reads that, so a table reads row by row as in any .docx. Chosen by measuring
(README, "Dependencies"): it read every paragraph of the sample converted to .doc, where
catdoc lost one and antiword wraps lines and table cells; the price is about a second a
file and a 259 MB install.

LibreOffice runs as a subprocess on a copy of the file in a private temporary folder (its
profile there too, so parallel builds and a user's own LibreOffice never meet), without a
shell, under a time limit that ends its whole process group. A file it cannot convert is
that file's skip reason, never the build's failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from indexer.errors import SourceError
from indexer.ingest.s1_docx import read_docx
from indexer.ingest.s1_html import read_html
from indexer.ingest.s1_mht import read_mht
from indexer.ingest.s1_rtf import read_rtf
from indexer.models import Evidence, FileText, Reader

PACKAGE = "libreoffice-writer-nogui"
"""The Debian package that provides the converter; named in the skip reason when missing."""

CONVERT_SECONDS = 120
"""How long one conversion may take before it is ended and the file skipped."""

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PROGRAMS = ("soffice", "libreoffice")


def read_word_binary(data: bytes) -> FileText:
    """Return the text of a .doc or Kingsoft .wps file, converted to .docx by LibreOffice.

    Many ".doc" files on government sites are another format renamed (Word saved them as
    web page or RTF, a CMS exported HTML under a .doc name): those are read by the reader
    of what they are, without LibreOffice.
    """
    if not data.startswith(_OLE_MAGIC):
        disguised = _reader_of_disguised(data)
        if disguised is not None:
            return disguised(data)
        raise SourceError(
            "不是 Word 97–2003 或 WPS 文字格式的文件（文件已损坏，或扩展名与内容不符）",
            hint="请用 Word 或 WPS 打开后另存为 .docx 再试",
        )
    text, _, evidence = read_docx(convert_to_docx(data))
    # The title property was the .doc's own; say so, not that a .docx stated it.
    relabelled = tuple(Evidence(e.field, e.value, "doc_properties") for e in evidence)
    return text, None, relabelled


def _reader_of_disguised(data: bytes) -> Reader | None:
    """Return the reader of what a file named .doc really is, when it is not Word binary."""
    head = data[:2048].lstrip()
    lowered = head.lower()
    if head.startswith(b"PK\x03\x04"):
        return read_docx
    if head.startswith(b"{\\rtf"):
        return read_rtf
    if b"mime-version:" in lowered and b"multipart/related" in lowered:
        return read_mht
    if lowered.startswith((b"<html", b"<!doctype html", b"<?xml")) or b"<html" in lowered:
        return read_html
    return None


def find_converter() -> str | None:
    """Return the path of LibreOffice's command, or None when it is not installed."""
    for name in _PROGRAMS:
        found = shutil.which(name)
        if found:
            return found
    return None


def convert_to_docx(data: bytes) -> bytes:
    """Return the .docx LibreOffice makes of a Word-binary file's bytes."""
    program = find_converter()
    if program is None:
        raise SourceError(
            "读取 .doc 和 .wps 需要 LibreOffice，本机没有安装",
            hint=f"以 root 运行 apt-get install {PACKAGE}（Debian/Ubuntu），"
            "或用 Word、WPS 把文件另存为 .docx",
        )
    with tempfile.TemporaryDirectory(prefix="report-office-") as folder:
        work = Path(folder)
        # A fixed name: nothing of the user's file name reaches the command line, and
        # LibreOffice detects the format from the content, so .wps is named .doc too.
        source = work / "source.doc"
        source.write_bytes(data)
        command = [
            program,
            "--headless",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(work / "out"),
            str(source),
        ]
        _run(command, work)
        converted = work / "out" / "source.docx"
        if not converted.is_file():
            raise SourceError(
                "LibreOffice 无法转换这个文件（文件可能已损坏、加密，或不是 Word 文档）",
                hint="请用 Word 或 WPS 打开后另存为 .docx 再试",
            )
        return converted.read_bytes()


def _run(command: list[str], work: Path) -> None:
    """Run the converter in its own process group; end the group when it runs too long."""
    environment = {**os.environ, "HOME": str(work)}  # nothing written to the user's home
    with subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=work,
        env=environment,
        start_new_session=True,  # soffice starts soffice.bin: a timeout must end both
    ) as process:
        try:
            process.wait(timeout=CONVERT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise SourceError(
                f"LibreOffice 转换超过 {CONVERT_SECONDS} 秒，已停止（文件可能过大或已损坏）",
                hint="请用 Word 或 WPS 打开后另存为 .docx 再试",
            ) from None
