"""The general rules of splitting and describing, on inputs shaped like real files.

tests/data/rules holds small files written like the ones found in the wild (speeches pasted
without their titles, an old report restarting its numbering, a portal's text copy with a
photo caption, a file name carrying its year as a field); MANIFEST.tsv says what each holds.
Each rule is stated in the README's "Metadata" section.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from indexer.ingest import parse_source
from indexer.ingest.lines import dateline_at, is_caption, is_final_call, is_title_line
from indexer.ingest.s1_read import read_source
from indexer.ingest.s3_split import split_explained
from indexer.ingest.s5_filename import clean_file_title, file_name_evidence
from indexer.models import Evidence, Report
from tests.helpers import nonempty

RULES = Path(__file__).resolve().parent / "data" / "rules"


def manifest() -> list[dict[str, str]]:
    with (RULES / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def reports_of(name: str) -> list[Report]:
    return parse_source(read_source(RULES / name))


def cells(value: str, count: int) -> list[str]:
    """A MANIFEST cell of one value per report, `|`-separated."""
    values = value.split("|")
    assert len(values) == count
    return values


def test_the_manifest_lists_every_file_of_the_folder() -> None:
    listed = {row["file"] for row in manifest()}
    assert listed
    assert listed == {p.name for p in RULES.iterdir() if p.name != "MANIFEST.tsv"}


@pytest.mark.parametrize("row", manifest(), ids=lambda row: row["file"][:20])
def test_each_file_gives_its_reports_titles_years_and_dates(row: dict[str, str]) -> None:
    reports = reports_of(row["file"])
    count = int(row["reports"])
    assert len(reports) == count, [r.metadata.boundary for r in reports]
    assert [r.metadata.title for r in reports] == cells(row["titles"], count)
    years = [int(y) if y else None for y in cells(row["years"], count)]
    assert [r.metadata.year for r in reports] == years
    assert [r.metadata.date for r in reports] == cells(row["dates"], count)


def test_files_are_kept_whole_across_their_reports() -> None:
    for row in nonempty(manifest()):
        text = read_source(RULES / row["file"]).text
        for report in nonempty(reports_of(row["file"])):
            for passage in nonempty(report.passages):
                assert passage.text in text


# --- speeches pasted without their titles ---------------------------------------------


def test_a_salutation_after_a_speechs_final_call_starts_the_next_speech() -> None:
    reports = reports_of("珠海市政府工作报告三篇.txt")
    first = [r.passages[0].text for r in reports]
    assert first == ["各位代表：", "各位代表：", "——2024年1月16日在珠海市第十届"]
    assert reports[0].passages[-1].text.endswith("而不懈奋斗！")
    assert reports[1].passages[-1].text == "谢谢大家！"  # thanks stay with their speech
    assert all("结束语" in r.metadata.boundary for r in reports[1:])


def test_a_salutation_without_a_final_call_before_it_starts_nothing() -> None:
    paragraphs = [
        "各位代表：",
        "现在，我代表市人民政府，向大会报告工作，请予审议。",
        "过去一年，全市地区生产总值增长5.1%，一般公共预算收入增长4.3%。",
        "今年，我们将继续扎实推进各项工作，确保完成全年目标任务。",
        "各位代表：",
        "做好今年的工作，意义重大，任务艰巨，我们必须付出更加艰苦的努力。",
    ]
    assert len(split_explained(paragraphs)) == 1


def test_final_calls_and_thanks_are_told_from_plans() -> None:
    assert is_final_call("各位代表！让我们团结一心，为建设现代化新城市而努力奋斗！")
    assert is_final_call("为全面建设社会主义现代化国家而团结奋斗！")
    assert is_final_call("谢谢大家！")
    assert not is_final_call("今后,我局将继续推进法治政府建设。")
    assert not is_final_call("让我们看看过去一年的成绩。全市生产总值增长5%。")


# --- numbering restarts --------------------------------------------------------------


def test_numbering_restarting_in_an_old_report_is_no_boundary_by_itself() -> None:
    [report] = reports_of("省人民政府工作报告（1956年）.txt")
    restarts = [p.text for p in report.passages if p.text.startswith("一、")]
    assert len(restarts) == 3
    assert report.passages[-1].text.startswith("各位代表，让我们")


def test_a_closing_section_or_an_opening_alone_does_not_split_nor_one_referring_back() -> None:
    closing_section_only = [
        "一、主要工作",
        "全年共办理行政复议案件18件，纠错率12%。",
        "二、下一步工作打算",
        "继续加强组织领导，提高依法行政能力和水平。",
        "一、加强执法队伍建设",
        "全年培训执法人员320人次。",
    ]
    opening_only = [
        "一、主要工作",
        "全年共办理行政复议案件18件，纠错率12%。",
        "二、存在的问题",
        "基层执法力量仍较薄弱。",
        "为进一步提升执法水平，我局将从以下方面着手。",
        "一、加强执法队伍建设",
        "全年培训执法人员320人次。",
    ]
    refers_back = [
        "一、过去一年的工作",
        "全省粮食总产量比上年增加百分之八点五。",
        "二、明年的工作安排",
        "明年要继续发展农业生产，全面完成国家计划。",
        "为了完成上述任务，必须进一步加强各级人民委员会的领导。",
        "一、加强对农业生产合作社的领导",
        "各级人民委员会要经常深入基层，帮助合作社搞好生产。",
    ]
    for paragraphs in (closing_section_only, opening_only, refers_back):
        assert len(split_explained(paragraphs)) == 1, split_explained(paragraphs)[-1].reason


def test_a_restart_with_an_opening_after_a_closing_starts_a_report_and_says_both() -> None:
    paragraphs = [
        "一、主要工作",
        "全年共办理行政复议案件18件，纠错率12%。",
        "二、下一步工作打算",
        "今后，我局将继续加强行政复议工作，推动法治建设再上新台阶。",
        "2023年，我县坚持以法治思维统领各项工作，依法履职尽责。",
        "一、主要成效",
        "全县行政机关负责人出庭应诉率100%。",
    ]
    chunks = split_explained(paragraphs)
    assert [c.paragraphs[0] for c in chunks] == ["一、主要工作", paragraphs[4]]
    assert "开头语" in chunks[1].reason and "结束语" in chunks[1].reason


# --- datelines broken over two lines -------------------------------------------------


def test_a_dateline_broken_over_two_lines_is_read_joined() -> None:
    lines = ["——2026年1月26日在广东省第十四届", "人民代表大会第五次会议上", "各位代表："]
    assert dateline_at(lines, 0) == "——2026年1月26日在广东省第十四届人民代表大会第五次会议上"
    assert dateline_at(["（2026年1月26日在广东省第十四届", "人民代表大会第五次会议上）"], 0)
    assert dateline_at(lines, 1) == ""
    # A line led by a dash in a report's body is no dateline, whatever follows it.
    body = ["——必须坚持人民主体地位", "中国特色社会主义是亿万人民自己的事业。"]
    assert dateline_at(body, 0) == ""


def test_a_broken_dateline_dates_the_speech_and_gives_its_year() -> None:
    [report] = reports_of("gdportal_art_20260127.txt")
    meta = report.metadata
    assert (meta.date, meta.date_source) == ("2026-01-26", "dateline")
    assert (meta.year, meta.year_source) == (2026, "dateline")


# --- years in file names -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "title", "year"),
    [
        ("2026_广东省_政府工作报告.txt", "广东省政府工作报告", "2026"),
        ("2026-广东省-政府工作报告.docx", "广东省政府工作报告", "2026"),
        ("广东省_政府工作报告_2026.txt", "广东省政府工作报告", "2026"),
        ("2026_政府工作报告_广东省人民政府门户网站.html", "政府工作报告", "2026"),
        ("0012_广东省政府工作报告.txt", "广东省政府工作报告", None),  # a number, no year
        ("01_安吉县2022年法治政府建设年度报告.txt", "安吉县2022年法治政府建设年度报告", "2022"),
    ],
)
def test_a_year_written_as_a_field_of_a_file_name_is_read(
    name: str, title: str, year: str | None
) -> None:
    assert clean_file_title(name) == title
    years = [e.value for e in file_name_evidence(name) if e.field == "year"]
    assert years == ([year] if year else [])


def test_the_file_name_year_is_the_reports_year_when_its_title_has_none() -> None:
    [report] = reports_of("2026_广东省_政府工作报告.txt")
    meta = report.metadata
    assert (meta.title, meta.title_source) == ("政府工作报告", "text")
    assert (meta.year, meta.year_source) == (2026, "filename")
    assert file_name_evidence("2026_广东省_政府工作报告.txt")[1] == Evidence(
        "year", "2026", "filename"
    )


# --- captions ------------------------------------------------------------------------


def test_a_portal_caption_is_not_the_title_printed_above_it() -> None:
    [report] = reports_of("gdportal_art_20260127.txt")
    assert report.metadata.title == "广东省政府工作报告"
    assert any(p.text == "省长王某某作政府工作报告" for p in report.passages)  # kept as text


def test_captions_are_told_from_titles() -> None:
    assert is_caption("省长赵刚作政府工作报告")
    assert is_caption("图为国务院总理李强代表国务院作政府工作报告")
    assert not is_title_line("市长王某某作政府工作报告")
    assert is_title_line("广东省人民政府关于2025年法治政府建设情况的报告")
    assert is_title_line("2026年湖南省政府工作报告")
    assert is_title_line("2023年市长热线工作情况报告")  # 工作, not a verb after a name
