"""Stage 1, RTF: the text of a .rtf file, Chinese escapes decoded, table rows kept whole.

striprtf decodes both ways Chinese is written in RTF: `\\uNNNN` Unicode escapes and `\\'xx`
bytes in the document's code page (`\\ansicpg936`, GBK), and drops the font table, styles
and pictures. It ends each table cell with "|" and each row with a line break, so a line
ending in "|" is a table row: its cells are joined with `CELL_GAP`, as a .docx row is.
"""

from __future__ import annotations

import codecs
import re

from striprtf.striprtf import rtf_to_text

from indexer.errors import SourceError
from indexer.ingest.s1_html import CELL_GAP
from indexer.models import FileText

_CODE_PAGE = re.compile(rb"\\ansicpg(\d+)")
_GB_PAGES = {"cp936", "gbk", "gb2312"}


def read_rtf(data: bytes) -> FileText:
    """Return an RTF document's text, one line per paragraph or table row."""
    if not data.lstrip().startswith(b"{\\rtf"):
        raise SourceError(
            "不是 RTF 文件（文件已损坏，或扩展名与内容不符）",
            hint="请用 Word 或 WPS 打开后另存为 .docx 或 .rtf 再试",
        )
    encoding = _code_page(data)
    # RTF is ASCII with escapes; a writer that put raw bytes in wrote its code page.
    markup = data.decode(encoding, errors="replace")
    try:
        text = rtf_to_text(markup, encoding=encoding, errors="replace")
    # striprtf indexes into its group stack; unbalanced braces make it raise.
    except Exception as exc:
        raise SourceError(
            "无法读取 RTF：文件已损坏（括号不配对或控制字错误）",
            hint="请用 Word 或 WPS 打开后另存为 .docx 再试",
        ) from exc
    return "\n".join(_rows_to_lines(text.split("\n"))), encoding, ()


def _code_page(data: bytes) -> str:
    """Return the document's declared code page as a codec name (GBK read as gb18030)."""
    found = _CODE_PAGE.search(data[:4096])
    if not found:
        return "cp1252"  # RTF's default, `\\ansi`
    name = f"cp{int(found.group(1))}"
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return "cp1252"
    return "gb18030" if name in _GB_PAGES else name


def _rows_to_lines(lines: list[str]) -> list[str]:
    """Join each table row's cells with CELL_GAP; other lines unchanged."""
    out = []
    for line in lines:
        if line.endswith("|"):
            cells = [cell.strip() for cell in line[:-1].split("|")]
            line = CELL_GAP.join(cell for cell in cells if cell)
        out.append(line)
    return out
