"""User corrections: a sidecar CSV overrides what was extracted, and says so."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from indexer.errors import SourceError
from indexer.ingest.corrections import (
    COLUMNS,
    apply_corrections,
    parse_corrections,
    read_corrections,
    sidecars,
    write_corrections_csv,
)
from indexer.models import Report


def test_a_row_naming_file_and_position_overrides_that_report_only(
    fresh_sample_reports: list[Report],
) -> None:
    rows = parse_corrections(
        "file,position,title,year\n"
        "000_61bc35062b802780.txt,2,六盘水市民政局2023年法治政府建设工作报告,2023\n"
    )
    used = apply_corrections(fresh_sample_reports, rows)
    assert used == {2}
    second = fresh_sample_reports[1].metadata
    assert (second.title, second.title_source) == (
        "六盘水市民政局2023年法治政府建设工作报告",
        "override",
    )
    assert (second.year, second.year_source) == (2023, "override")
    assert all(r.metadata.title == "" for i, r in enumerate(fresh_sample_reports) if i != 1)


def test_a_row_naming_a_report_id_finds_it_wherever_it_is(
    fresh_sample_reports: list[Report],
) -> None:
    target = fresh_sample_reports[4]
    rows = parse_corrections(f"report_id,issuer\n{target.report_id},西平县人民政府办公室\n")
    apply_corrections(fresh_sample_reports, rows)
    assert target.metadata.issuer == "西平县人民政府办公室"
    assert target.metadata.issuer_source == "override"


def test_a_dash_clears_a_wrong_value_and_an_empty_cell_keeps_it(
    fresh_sample_reports: list[Report],
) -> None:
    first = fresh_sample_reports[0].metadata
    issuer_before = first.issuer
    rows = parse_corrections(
        "file,position,issuer,year\ndata/sample/000_61bc35062b802780.txt,1,,-\n"
    )
    apply_corrections(fresh_sample_reports, rows)
    assert first.issuer == issuer_before
    assert (first.year, first.year_source) == (None, "override")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("file,colour\na.txt,red\n", "不认识的列"),
        ("title\nx\n", "缺少 file 或 report_id"),
        ("file,year\na.txt,二三\n", "第 2 行"),
        ("file,date\na.txt,2024/01/15\n", "date"),
        ("file,position\na.txt,0\n", "position"),
        ("report_id,title\nxyz,t\n", "16 位编号"),
        ("file,title\n,t\n", "没有说明是哪篇报告"),
    ],
)
def test_a_bad_row_is_refused_with_its_line_and_reason(text: str, message: str) -> None:
    with pytest.raises(SourceError) as raised:
        parse_corrections(text)
    assert message in raised.value.message


def test_the_csv_written_for_reports_reads_back_as_corrections(
    fresh_sample_reports: list[Report], tmp_path: Path
) -> None:
    out = io.StringIO()
    write_corrections_csv(
        ((r.source, r.position, r.report_id, r.metadata) for r in fresh_sample_reports), out
    )
    header, *lines = out.getvalue().splitlines()
    assert header.split(",") == list(COLUMNS)
    assert len(lines) == 8
    path = tmp_path / "metadata.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    rows = read_corrections(path)
    assert [r.report_id for r in rows] == [r.report_id for r in fresh_sample_reports]
    assert sidecars([tmp_path, tmp_path / "nothing"]) == [path]
