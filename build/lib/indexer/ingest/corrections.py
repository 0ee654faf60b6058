"""User corrections: a CSV whose rows override what was extracted for a file or report.

No rule gets every report right. A user fixes the rest in a sidecar file, `metadata.csv`
in a source folder (found by `build`) or any CSV given with `build --metadata FILE`, in
the format `python -m indexer reports --csv` writes, so the current values are the
starting point:

    file,position,report_id,title,issuer,province,city,county,department,year,date,aliases
    reports/1955年报告.txt,1,,1955年政府工作报告,国务院,,,,,1955,1955-07-05,

A row names its report by `report_id`, or by `file` (the path as built, a path ending,
or just the file name) and, for a file holding several reports, `position` (1-based).
A non-empty cell replaces the value and marks its source "override"; a cell holding only
"-" empties the field; an empty cell leaves the extracted value alone.

The `aliases` column extends the issuer alias table (`ingest/s5_issuers.py`): a row's
`issuer` is the canonical name of the spellings its `aliases` cell lists (`|` between
them). Such a row may name no report, only the issuer and its spellings:

    issuer,aliases
    中国共产党中央委员会,中共中央|党中央
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TextIO

from indexer.errors import SourceError
from indexer.ingest.s5_issuers import IssuerAliases, default_aliases, name_issuer, split_spellings
from indexer.models import SOURCE_OF, Metadata, Report

SIDECAR_NAME = "metadata.csv"
OVERRIDE = "override"
CLEAR = "-"

# Field → the field recording its source (province, city and county share one).
CORRECTABLE: dict[str, str] = SOURCE_OF
KEY_COLUMNS = ("file", "position", "report_id")
ALIASES = "aliases"
COLUMNS = (*KEY_COLUMNS, *CORRECTABLE, ALIASES)

_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_REPORT_ID = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class Correction:
    """One row: which report it names and the values it sets ("" = clear)."""

    line: int
    file: str = ""
    position: int | None = None
    report_id: str = ""
    values: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()  # other spellings of values["issuer"]

    def names(self, report: Report) -> bool:
        """Tell whether this row names `report` (a row of aliases alone names none)."""
        if not self.report_id and not self.file:
            return False
        if self.report_id:
            return report.report_id == self.report_id
        if self.position is not None and report.position != self.position:
            return False
        return _same_file(report.source, self.file)


def _same_file(source: str, named: str) -> bool:
    source_parts = PurePath(source).parts
    named_parts = PurePath(named.replace("\\", "/")).parts
    return bool(named_parts) and source_parts[-len(named_parts) :] == named_parts


def read_corrections(path: Path) -> list[Correction]:
    """Read a corrections CSV (UTF-8, with or without BOM); raise SourceError on a bad row."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"无法读取元数据修正文件 {path}：{exc}") from exc
    return parse_corrections(text, str(path))


def parse_corrections(text: str, name: str = "metadata.csv") -> list[Correction]:
    reader = csv.DictReader(io.StringIO(text))
    columns = reader.fieldnames or []
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise SourceError(
            f"{name} 有不认识的列：{'、'.join(unknown)}", hint=f"可用的列：{','.join(COLUMNS)}"
        )
    if not any(c in columns for c in ("file", "report_id", ALIASES)):
        raise SourceError(f"{name} 缺少 file 或 report_id 列", hint=f"列：{','.join(COLUMNS)}")
    corrections = []
    for row in reader:
        line = reader.line_num
        cells = {k: (v or "").strip() for k, v in row.items() if k}
        corrections.append(_correction(cells, line, name))
    return corrections


def _correction(cells: dict[str, str], line: int, name: str) -> Correction:
    where = f"{name} 第 {line} 行"
    report_id, file = cells.get("report_id", ""), cells.get("file", "")
    aliases = tuple(split_spellings(cells.get(ALIASES, "")))
    if aliases and cells.get("issuer", "") in ("", CLEAR):
        raise SourceError(
            f"{where}：aliases 列写了别名，但 issuer 列没有写它们的规范名称",
            hint="在 issuer 列写规范名称，例如 中国共产党中央委员会,中共中央|党中央",
        )
    if not report_id and not file and not aliases:
        raise SourceError(
            f"{where}：没有说明是哪篇报告", hint="填写 file（和 position）或 report_id"
        )
    if report_id and not _REPORT_ID.fullmatch(report_id):
        raise SourceError(f"{where}：report_id「{report_id}」不是 16 位编号")
    position = None
    if cells.get("position"):
        if not cells["position"].isdigit() or int(cells["position"]) < 1:
            raise SourceError(f"{where}：position 应是从 1 起的整数")
        position = int(cells["position"])
    values: dict[str, str] = {}
    for column in CORRECTABLE:
        value = cells.get(column, "")
        if not value:
            continue
        value = "" if value == CLEAR else value
        if column == "year" and value and not (value.isdigit() and len(value) == 4):
            raise SourceError(f"{where}：year「{value}」应是四位年份")
        if column == "date" and value and not _DATE.fullmatch(value):
            raise SourceError(f"{where}：date「{value}」应写作 2024-01-15、2024-01 或 2024")
        values[column] = value
    return Correction(line, file, position, report_id, values, aliases)


def issuer_aliases(corrections: Sequence[Correction]) -> IssuerAliases:
    """The shipped alias table extended by the rows' `aliases` cells."""
    return default_aliases().extended(
        (c.values["issuer"], c.aliases) for c in corrections if c.aliases
    )


def apply_corrections(reports: Iterable[Report], corrections: Sequence[Correction]) -> set[int]:
    """Apply every row to the reports it names, then name every issuer with the alias table
    the rows extend; return the line numbers of rows used (a row of aliases is always)."""
    used = {c.line for c in corrections if c.aliases}
    aliases = issuer_aliases(corrections)
    for report in reports:
        for correction in corrections:
            if correction.names(report):
                _apply(report.metadata, correction.values)
                used.add(correction.line)
        name_issuer(report.metadata, aliases)
    return used


def _apply(metadata: Metadata, values: dict[str, str]) -> None:
    for column, value in values.items():
        if column == "year":
            metadata.year = int(value) if value else None
        else:
            setattr(metadata, column, value)
        if column == "issuer":
            metadata.issuer_stated = ""  # the override is the spelling now
        setattr(metadata, CORRECTABLE[column], OVERRIDE)


def sidecars(sources: Iterable[str | Path]) -> list[Path]:
    """Return the `metadata.csv` of every source folder that has one."""
    return [
        Path(source) / SIDECAR_NAME
        for source in sources
        if Path(source).is_dir() and (Path(source) / SIDECAR_NAME).is_file()
    ]


def write_corrections_csv(rows: Iterable[tuple[str, int, str, Metadata]], out: TextIO) -> None:
    """Write (source, position, report_id, metadata) rows in the corrections format."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for source, position, report_id, metadata in rows:
        values = [getattr(metadata, column) for column in CORRECTABLE]
        cells = ("" if v is None else v for v in values)
        writer.writerow([source, position, report_id, *cells, ""])  # no aliases
