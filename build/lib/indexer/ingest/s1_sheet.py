"""Stage 1, spreadsheets: attachment tables (附表) in .xlsx (openpyxl) and .xls (xlrd).

A sheet becomes lines a reader would say aloud. A row with one filled cell stands alone (a
table's title above it, a note or 填报单位 below). The first row with two or more filled
cells is the header row, read as it is; every later row carries its column headers,
`序号：1　单位：西山县市场监管所　检查次数：12`, so a passage found alone still says what
its figures are. Cells are joined with `CELL_GAP`, as a .docx table row is. Values are
shown as the sheet shows them where that matters: whole numbers without ".0", percentages
with %, dates as ISO dates; a formula's value is the one the file saved.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator
from itertools import zip_longest
from unicodedata import east_asian_width

import openpyxl
import xlrd

from indexer.errors import SourceError
from indexer.ingest.s1_html import CELL_GAP
from indexer.ingest.s1_properties import document_title
from indexer.models import Evidence, FileText

_RESAVE = "请用 Excel 或 WPS 表格打开后另存为 .xlsx 再试"


def read_xlsx(data: bytes) -> FileText:
    """Return the text of every sheet of an .xlsx workbook, and its title property."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            lines = [
                line
                for sheet in book.worksheets
                for line in table_lines(
                    [_cell_text(cell.value, getattr(cell, "number_format", "")) for cell in row]
                    for row in sheet.iter_rows()
                )
            ]
            title = document_title(book.properties.title)
        finally:
            book.close()
    # openpyxl raises zipfile, KeyError, lxml and its own errors for a damaged workbook.
    except Exception as exc:
        raise SourceError(
            "无法打开 .xlsx：文件已损坏、加密，或不是 Excel 2007 及以后的工作簿", hint=_RESAVE
        ) from exc
    evidence = (Evidence("title", title, "xlsx_properties"),) if title else ()
    return "\n".join(lines), None, evidence


def read_xls(data: bytes) -> FileText:
    """Return the text of every sheet of an Excel 97–2003 (.xls) workbook."""
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
        lines = [
            line
            for sheet in book.sheets()
            for line in table_lines(
                [_xls_cell(cell, book.datemode) for cell in sheet.row(index)]
                for index in range(sheet.nrows)
            )
        ]
    # xlrd raises XLRDError, struct and compound-document errors for a damaged workbook.
    except Exception as exc:
        raise SourceError(
            "无法打开 .xls：文件已损坏、加密，或不是 Excel 97–2003 工作簿", hint=_RESAVE
        ) from exc
    return "\n".join(lines), None, ()


def table_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    """Yield a sheet's lines: lone cells as they are, data rows carrying their headers."""
    headers: list[str] | None = None
    for cells in rows:
        filled = [cell for cell in cells if cell]
        if not filled:
            continue
        if len(filled) == 1:
            yield filled[0]
        elif headers is None:
            headers = cells
            yield CELL_GAP.join(filled)
        else:
            yield CELL_GAP.join(
                f"{header}：{value}" if header else value
                for header, value in zip_longest(headers, cells, fillvalue="")
                if value
            )


def _cell_text(value: object, number_format: str = "") -> str:
    """Return a cell's value as the sheet shows it, on one line."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int | float):
        if "%" in number_format:
            return f"{value * 100:g}%"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    return _one_line(str(value))


def _xls_cell(cell: xlrd.sheet.Cell, datemode: int) -> str:
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return _cell_text(xlrd.xldate_as_datetime(cell.value, datemode))
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return _cell_text(cell.value)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return _cell_text(bool(cell.value))
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return ""
    return _cell_text(cell.value)


def _one_line(text: str) -> str:
    """Join a cell's lines: with nothing between Chinese characters (检查\\n次数), else a space."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    joined = lines[0]
    for line in lines[1:]:
        wide = _wide(joined[-1]) and _wide(line[0])
        joined += line if wide else f" {line}"
    return joined


def _wide(char: str) -> bool:
    return east_asian_width(char) in ("W", "F")
