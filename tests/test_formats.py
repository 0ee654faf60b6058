"""Every format the build reads: one report each in tests/data/formats, found by search.

The files and what each must yield are in tests/data/formats/MANIFEST.tsv (how they were
made: README.md there). The .doc and .wps need LibreOffice (Debian's
libreoffice-writer-nogui, which scripts/test installs); the .wps is Word 97 binary written
by LibreOffice under the .wps name, the format Kingsoft WPS Writer saves .wps in: no WPS
runs here to write a genuine one.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.ingest import ingest_path
from indexer.ingest.s1_read import SUPPORTED_SUFFIXES, read_source
from indexer.search.engine import SearchEngine
from tests.helpers import nonempty

FORMATS = Path(__file__).resolve().parent / "data" / "formats"


@dataclass(frozen=True)
class Expected:
    file: str
    source: str
    title: str
    year: int
    phrase: str
    count: int


def manifest() -> list[Expected]:
    with open(FORMATS / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [
        Expected(r["file"], r["source"], r["title"], int(r["year"]), r["phrase"], int(r["count"]))
        for r in rows
    ]


EXPECTED = manifest()


@pytest.fixture(scope="module")
def formats_engine(tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    """An index of a folder holding the report files (not the manifest and the script)."""
    folder = tmp_path_factory.mktemp("formats")
    for name in {expected.file for expected in EXPECTED}:
        shutil.copyfile(FORMATS / name, folder / name)
    index = tmp_path_factory.mktemp("formats-index") / "index"
    summary = build_index([folder], index)
    assert summary.skipped == []
    return SearchEngine.open(index)


def test_the_folder_holds_one_report_of_every_format_the_issue_names() -> None:
    suffixes = {Path(expected.file).suffix for expected in nonempty(EXPECTED)}
    assert {".doc", ".wps", ".rtf", ".odt", ".ofd", ".mht", ".zip", ".xlsx", ".xls"} <= suffixes
    assert suffixes <= SUPPORTED_SUFFIXES
    assert sum(expected.file.endswith(".zip") for expected in EXPECTED) == 2


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: Path(e.source).suffix)
def test_each_reports_phrase_is_found_as_often_as_a_reader_sees_it(
    formats_engine: SearchEngine, expected: Expected
) -> None:
    hits = nonempty(formats_engine.search(expected.phrase).hits(), expected.phrase)
    assert sum(hit.text.count(expected.phrase) for hit in hits) == expected.count
    assert sum(len(hit.highlights) for hit in hits) == expected.count
    assert {(hit.source, hit.title, hit.year) for hit in hits} == {
        (expected.source, expected.title, expected.year)
    }


def test_the_zip_is_one_file_of_two_reports_named_inside_it(
    formats_engine: SearchEngine,
) -> None:
    sources = [r.source for r in formats_engine.report_summaries()]
    inside = nonempty([s for s in sources if s.startswith("法治政府建设报告两篇.zip/")])
    assert sorted(inside) == sorted(e.source for e in EXPECTED if e.file.endswith(".zip"))


def test_a_table_row_is_one_passage_with_its_cells_apart(formats_engine: SearchEngine) -> None:
    rows = {hit.source: hit.text for hit in formats_engine.search("行政复议案件").hits()}
    for name in (
        "青石县2019年法治政府建设年度报告.doc",
        "临溪市民政局2020年报告.rtf",
        "云岭县2021年报告.odt",
    ):
        assert rows[name] == "行政复议案件\u300012件"


def test_a_spreadsheet_row_carries_its_column_headers() -> None:
    text = read_source(FORMATS / "西山县2015年行政执法数据统计表.xlsx").text
    assert "序号：1\u3000执法单位：西山农贸市场监管所\u3000检查次数：126\u3000办结率：98%" in text
    assert text.split("\n")[0] == "西山县2015年行政执法数据统计表"  # the title row alone
    xls = read_source(FORMATS / "东山县2014年行政复议案件统计表.xls").text
    assert "序号：1\u3000执法单位：东山县自然资源局\u3000检查次数：126" in xls


def test_the_ofd_is_read_in_reading_order_its_paragraphs_whole_its_template_not_read() -> None:
    """The file draws its objects in reverse, wraps paragraphs and breaks a page inside one."""
    text = read_source(FORMATS / "松涛区2022年报告.ofd").text
    lines = text.split("\n")
    assert lines[0] == "松涛区人民政府2022年法治政府建设年度报告"
    assert lines[1].startswith("2022年，") and lines[1].endswith("现将有关情况报告如下。")
    assert "松涛政务公开体验区受理诉求\u3000863件" in lines
    assert lines[-2:] == ["松涛区人民政府", "2023年1月15日"]
    assert "页眉" not in text


def test_the_web_archive_page_loses_its_portal_clutter() -> None:
    source = read_source(FORMATS / "东湖区2017年报告.mht")
    assert source.encoding == "gb18030"  # the MIME part's gb2312, read as its superset
    assert "东湖社区法律诊所" in source.text
    (reports,) = ingest_path(FORMATS / "东湖区2017年报告.mht")
    assert not isinstance(reports, type(None))
    passages = [p.text for report in reports for p in report.passages]  # type: ignore[union-attr]
    assert not any("网站标识码" in p or "首页 >" in p for p in nonempty(passages))


def test_every_readable_suffix_is_in_the_readme_table_and_the_build_help(runner) -> None:
    from indexer.cli import main

    readme = (FORMATS.parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Formats the build reads", 1)[1].split("\n\n**", 1)[0]
    help_text = runner.invoke(main, ["build", "--help"]).output
    for suffix in nonempty(sorted(SUPPORTED_SUFFIXES)):
        assert f"`{suffix}`" in table, suffix
        assert suffix in help_text, suffix
