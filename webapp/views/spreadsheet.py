"""Excel workbooks (.xlsx) of any size: rows spooled to disk, the file sent in pieces.

openpyxl's write-only workbook keeps no row in memory (each sheet is written to a
temporary file as rows are appended); the finished file is read back and sent 64 KB at a
time, then deleted. Every text cell is typed as text, so a passage starting with = + - @
is shown as written and never run as a formula (what the CSV's leading quote does).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import Response, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PIECE = 65_536
MAX_COLUMN_WIDTH = 60


@dataclass(frozen=True)
class Sheet:
    """One sheet: its name, its columns (header and width in characters), its rows."""

    title: str
    columns: Sequence[tuple[str, int]]
    rows: Iterable[Sequence[object]]


def _cells(sheet: Any, values: Sequence[object]) -> list[WriteOnlyCell]:
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # text, even when it starts with =
        cells.append(cell)
    return cells


def _pieces(sheets: Sequence[Sheet]) -> Iterator[bytes]:
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title)
        for number, (_, width) in enumerate(spec.columns, 1):
            sheet.column_dimensions[get_column_letter(number)].width = min(width, MAX_COLUMN_WIDTH)
        header = _cells(sheet, [name for name, _ in spec.columns])
        for cell in header:
            cell.font = bold
        sheet.append(header)
        sheet.freeze_panes = "A2"
        for row in spec.rows:
            sheet.append(_cells(sheet, row))
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        while piece := handle.read(PIECE):
            yield piece


def xlsx_response(sheets: Sequence[Sheet], name: str) -> Response:
    """Stream a workbook of `sheets` as an attachment called `name` (.xlsx added)."""
    quoted = quote(f"{name}.xlsx", safe="")
    return Response(
        stream_with_context(_pieces(sheets)),
        mimetype=XLSX_MIMETYPE,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"report-search.xlsx\"; filename*=UTF-8''{quoted}"
            )
        },
    )
