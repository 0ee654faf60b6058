"""Metadata from evidence: titles, years and dates on real-shaped files, never made up.

The wild corpus (tests/data/wild, MANIFEST.tsv) holds portal pages, wiki copies,
compilations with and without titles, a law and a GB18030 file; the congress reports
(tests/data/congress) and a slice of the laws (tests/data/laws) are real files. The whole laws
corpus (../shared/corpus/laws) is read by an opt-in `corpus` check.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.ingest import parse_source
from indexer.ingest.s1_read import read_source
from indexer.ingest.s5_dates import find_dates, find_years, parse_date
from indexer.ingest.s5_filename import clean_file_title, file_name_evidence
from indexer.models import Evidence, Report
from tests.corpora import CONGRESS, LAWS, WILD, manifest, shared_corpus
from tests.helpers import nonempty


def reports_of(path: Path) -> list[Report]:
    return parse_source(read_source(path))


# --- the wild corpus -------------------------------------------------------------------


@pytest.mark.parametrize("row", manifest(WILD), ids=lambda row: row["file"][:24])
def test_wild_file_gives_its_reports_with_their_titles_and_years(row: dict[str, str]) -> None:
    reports = reports_of(WILD / row["file"])
    assert len(reports) == int(row["reports"]), [r.metadata.boundary for r in reports]
    titles = row["titles"].split("|")
    years = [int(y) if y else None for y in row["years"].split("|")]
    assert [r.metadata.title for r in reports] == titles
    assert [r.metadata.year for r in reports] == years
    for report in reports:
        meta = report.metadata
        assert bool(meta.title) == bool(meta.title_source)
        assert bool(meta.year) == bool(meta.year_source)


def test_a_long_report_whose_numbering_restarts_in_parts_and_annexes_stays_whole() -> None:
    [report] = reports_of(WILD / "02_南湖区2023年法治政府建设年度报告.txt")
    text = report.text
    assert "第二部分" in text and "附件" in text
    assert sum(p.text.startswith("一、") for p in report.passages) >= 2


def test_a_compilation_without_titles_splits_at_each_report_and_says_why() -> None:
    reports = reports_of(WILD / "法治政府建设年度报告汇编（5篇）.txt")
    assert reports[0].metadata.issuer == "桐乡市司法局"
    assert reports[0].metadata.boundary == "文件开头"
    assert all(r.metadata.boundary for r in reports)
    assert any("落款" in r.metadata.boundary for r in reports[1:])
    assert all(not r.metadata.title for r in reports)  # none has a title: none is made up


def test_a_compilation_with_titles_does_not_split_at_its_table_of_contents() -> None:
    reports = reports_of(WILD / "2022年度市级部门法治政府建设年度报告汇编.txt")
    assert [r.metadata.issuer for r in reports] == [
        "衢州市财政局",
        "衢州市自然资源和规划局",
        "衢州市卫生健康委员会",
    ]


def test_a_report_about_2022_issued_in_2023_keeps_both() -> None:
    [report] = reports_of(WILD / "01_安吉县2022年法治政府建设年度报告.txt")
    meta = report.metadata
    assert (meta.year, meta.year_source) == (2022, "filename")
    assert meta.date.startswith("2023-") and meta.date_source == "signature"


def test_a_speech_without_title_takes_title_and_year_from_its_file_name() -> None:
    [report] = reports_of(WILD / "1955年中华人民共和国国务院政府工作报告.txt")
    meta = report.metadata
    assert (meta.title, meta.title_source) == ("1955年中华人民共和国国务院政府工作报告", "filename")
    assert (meta.year, meta.year_source) == (1955, "filename")


def test_a_file_name_date_dates_a_report_whose_text_names_only_other_years() -> None:
    [report] = reports_of(WILD / "政府工作报告(2020-05-22).txt")
    meta = report.metadata
    assert (meta.date, meta.date_source) == ("2020-05-22", "filename")
    assert meta.year == 2020


# --- the sample ------------------------------------------------------------------------


def test_sample_reports_have_no_title_because_none_is_written(sample_file: Path) -> None:
    reports = reports_of(sample_file)
    assert len(reports) == 8
    assert all(r.metadata.title == "" and r.metadata.title_source == "" for r in reports)
    assert all(r.metadata.issuer and r.metadata.issuer_source == "text" for r in reports)


def test_sample_years_come_from_their_openings_or_headings_or_stay_empty(sample_file: Path) -> None:
    reports = reports_of(sample_file)
    # Seven reports state 2023; the eighth (开江, cut off at the end) states no year.
    assert [r.metadata.year for r in reports] == [2023] * 7 + [None]
    for report in reports[:7]:
        assert report.metadata.year_source in ("opening", "heading")
    assert reports[7].metadata.year_source == ""


# --- real corpora ----------------------------------------------------------------------


def test_congress_reports_stay_whole_titled_by_their_file_names_and_never_misdated() -> None:
    rows = manifest(CONGRESS)
    assert len(rows) == 15
    for row in rows:
        reports = reports_of(CONGRESS / row["file"])
        assert len(reports) == 1, row["file"]
        meta = reports[0].metadata
        assert meta.title == row["title"]
        assert meta.year in (None, int(row["year"])), (row["file"], meta.year, meta.year_source)
        assert "Public domain" not in reports[0].text
        # National congress reports name 北京市委, 香港回归…: places they talk about.
        assert meta.province == "", (row["file"], meta.province)


def laws_titled_right(folder: Path, rows: list[dict[str, str]]) -> float:
    """The share of laws kept whole and titled as their manifest says; no title invented."""
    right = 0
    for row in nonempty(rows, "manifest rows"):
        reports = reports_of(folder / row["file"])
        title = reports[0].metadata.title
        right += len(reports) == 1 and title == row["title"]
        assert "法治政府建设" not in title and "工作报告" not in title
    return right / len(rows)


def test_laws_titles_are_their_first_lines_and_never_invented() -> None:
    assert laws_titled_right(LAWS, manifest(LAWS)) == 1.0


@pytest.mark.corpus
def test_laws_corpus_titles_are_their_first_lines_and_never_invented() -> None:
    folder = shared_corpus("laws")
    rows = manifest(folder)[::10]  # every tenth: all 3,475 take ten seconds
    assert laws_titled_right(folder, rows) >= 0.99


# --- years and dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("一九五五年的工作", [1955]),
        ("二〇二三年和二○二三年和二零二三年", [2023, 2023, 2023]),  # 〇 U+3007, ○ U+25CB, 零
        ("２０２３年度", [2023]),
        ("十二年来，三千二百年前", []),
        ("2023件，共1000余年", []),
    ],
)
def test_years_are_read_in_every_numeral_system_reports_use(text: str, years: list[int]) -> None:
    assert [d.year for d in find_years(text)] == years


def test_dates_are_read_with_chinese_months_and_days() -> None:
    assert parse_date("二〇二四年一月十五日") == "2024-01-15"
    assert parse_date("二○二二年十二月三十一日") == "2022-12-31"
    assert [d.iso for d in find_dates("（2017年10月18日）与2020-05-14")] == [
        "2017-10-18",
        "2020-05-14",
    ]
    assert parse_date("2023年13月1日") is None


# --- file names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("01_安吉县2022年法治政府建设年度报告.txt", "安吉县2022年法治政府建设年度报告"),
        ("上海口岸服务条例(2020-05-14).txt", "上海口岸服务条例"),
        ("政府工作报告_云南省人民政府门户网站.html", "政府工作报告"),
        ("关于2023年工作的报告_XX市人民政府.html", "关于2023年工作的报告"),
        ("政府工作报告 (1979年) - 维基文库，自由的图书馆.html", "政府工作报告 (1979年)"),
        ("19_决胜全面建成小康社会 夺取新时代中国特色社会主义伟大胜利.txt",
         "决胜全面建成小康社会 夺取新时代中国特色社会主义伟大胜利"),
        ("art_1229_5123456.html", ""),
        ("000_61bc35062b802780.txt", ""),
        ("新建文本文档.txt", ""),
    ],
)  # fmt: skip
def test_file_names_give_titles_without_numbering_dates_or_site_names(
    name: str, title: str
) -> None:
    assert clean_file_title(name) == title


def test_file_name_evidence_separates_the_year_written_from_a_date_suffix() -> None:
    assert file_name_evidence("1955年国务院政府工作报告.txt") == [
        Evidence("title", "1955年国务院政府工作报告", "filename"),
        Evidence("year", "1955", "filename"),
    ]
    assert file_name_evidence("上海口岸服务条例(2020-05-14).txt") == [
        Evidence("title", "上海口岸服务条例", "filename"),
        Evidence("date", "2020-05-14", "filename"),
    ]
