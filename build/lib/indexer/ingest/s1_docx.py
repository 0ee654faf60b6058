"""Stage 1, Word 2007+: a .docx's paragraphs and table rows in body order, and its title.

Also the reader the converted formats end in: `s1_office` turns .doc and .wps into .docx
with LibreOffice and reads the result here, so every Word file's tables read alike.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import TYPE_CHECKING

import docx
from docx.table import Table

from indexer.errors import SourceError
from indexer.ingest.s1_html import CELL_GAP
from indexer.ingest.s1_properties import docx_evidence
from indexer.models import FileText

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.table import _Cell


def read_docx(data: bytes) -> FileText:
    """Return a .docx's text (a table row on one line, cells apart) and its title property."""
    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs = list(_docx_paragraphs(document))
    # python-docx raises zipfile, KeyError, lxml and its own errors for a damaged package;
    # all of them mean the same thing to the user.
    except Exception as exc:
        raise SourceError(
            "无法打开 .docx：文件已损坏，或不是 Word 2007 及以后的文档",
            hint="请用 Word 或 WPS 打开后另存为 .docx 再试",
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
