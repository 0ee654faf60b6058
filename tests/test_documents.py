"""From the sample file to eight clean, structured, identified sample_reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.ingest import parse_source
from indexer.ingest.s1_read import read_source
from indexer.models import Report

EXPECTED = [  # issuer, province, city, county, department — as corpus/README.md describes
    ("市民政局", "浙江省", "", "", "民政"),
    ("六盘水市民政局", "贵州省", "六盘水市", "", "民政"),
    ("南湖区应急管理局", "浙江省", "嘉兴市", "南湖区", "应急管理"),
    ("叙永县教育和体育局", "四川省", "泸州市", "叙永县", "教育体育"),
    ("西平县人民政府", "河南省", "驻马店市", "西平县", "人民政府"),
    ("兴义市民政局", "贵州省", "黔西南布依族苗族自治州", "兴义市", "民政"),
    ("陆河县教育局", "广东省", "汕尾市", "陆河县", "教育"),
    ("开江县人民政府", "四川省", "达州市", "开江县", "人民政府"),
]


def test_sample_yields_its_eight_reports_with_issuers_and_places(
    sample_reports: list[Report],
) -> None:
    found = [
        (m.issuer, m.province, m.city, m.county, m.department)
        for m in (r.metadata for r in sample_reports)
    ]
    assert found == EXPECTED
    assert [r.metadata.province[:2] for r in sample_reports] == [
        "浙江", "贵州", "浙江", "四川", "河南", "贵州", "广东", "四川",
    ]  # fmt: skip
    # 开江's report writes its year only inside a cited plan's title: unknown, not guessed.
    assert [r.metadata.year for r in sample_reports] == [2023] * 7 + [None]
    assert [r.position for r in sample_reports] == list(range(1, 9))


def test_reports_without_a_title_get_none_rather_than_a_made_up_one(
    sample_reports: list[Report],
) -> None:
    assert all(r.metadata.title == "" and r.metadata.title_source == "" for r in sample_reports)
    assert sample_reports[0].metadata.boundary == "文件开头"
    assert all("重新开始" in r.metadata.boundary for r in sample_reports[1:])


def test_broken_paragraph_is_one_passage(sample_reports: list[Report]) -> None:
    joined = [p for p in sample_reports[7].passages if "检查指导、督办考核均统一归口" in p.text]
    assert len(joined) == 1
    assert joined[0].text.startswith("3.推进行政执法体制改革。")
    assert not any(p.text.startswith("督办考核") for r in sample_reports for p in r.passages)


@pytest.mark.parametrize(
    "clutter", ["下载docx", "将本文的Word文档下载到电脑", "推荐度", "更新时间", "2022-07-09"]
)
def test_no_download_site_clutter_survives_in_any_passage(
    sample_reports: list[Report], sample_text: str, clutter: str
) -> None:
    assert clutter in sample_text
    assert not [p.text for r in sample_reports for p in r.passages if clutter in p.text]


def test_passage_text_is_exactly_as_the_report_wrote_it(
    sample_reports: list[Report], sample_text: str
) -> None:
    source_lines = set(sample_text.splitlines())
    for report in sample_reports:
        for passage in report.passages:
            if "检查指导、督办考核" not in passage.text:
                assert passage.text in source_lines
            assert report.text[passage.start : passage.end] == passage.text


@pytest.mark.parametrize(
    ("report", "starts_with", "path"),
    [
        (
            1,
            "2.加强行政复议和行政应诉工作",
            (
                "一、2023年度工作开展情况",
                "(六)依法有效化解社会矛盾纠纷",
                "2.加强行政复议和行政应诉工作",
            ),
        ),
        (
            2,
            "一是“双随机”抽查运用",
            (
                "一、主要举措及成效",
                "(三)完善安全生产监督检查随机抽查工作机制",
                "一是“双随机”抽查运用“互联网+监管”新模式",
            ),
        ),
        (
            7,
            "2.强化行政复议应诉",
            ("一、工作开展情况", "(四)公正文明、严格规范,提升行政执法公信力", "2.强化行政复议应诉"),
        ),
        (0, "一是开展最多跑一次工作", None),
    ],
)
def test_passages_carry_their_section_path(
    sample_reports: list[Report], report: int, starts_with: str, path: tuple[str, ...] | None
) -> None:
    (passage,) = [p for p in sample_reports[report].passages if p.text.startswith(starts_with)]
    if path is None:  # an inline 一是 item under (四) of 一、
        assert passage.section[0] == "一、2023年法治政府建设工作情况"
        assert passage.section[1].startswith("(四)落实执法责任")
        assert passage.section[-1] == "一是开展最多跑一次工作"
    else:
        assert passage.section == path


def test_ids_are_stable_across_two_reads(sample_reports: list[Report], sample_file: Path) -> None:
    again = parse_source(read_source(sample_file))
    assert [r.report_id for r in again] == [r.report_id for r in sample_reports]
    assert [p.passage_id for r in again for p in r.passages] == [
        p.passage_id for r in sample_reports for p in r.passages
    ]


def test_ids_do_not_depend_on_the_file_name(
    sample_reports: list[Report], sample_file: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "renamed.txt"
    copy.write_bytes(sample_file.read_bytes())
    assert [r.report_id for r in parse_source(read_source(copy))] == [
        r.report_id for r in sample_reports
    ]


def test_passage_ids_are_unique(sample_reports: list[Report]) -> None:
    ids = [(r.report_id, p.passage_id) for r in sample_reports for p in r.passages]
    assert len(ids) == len(set(ids))


def test_laws_and_document_numbers_are_collected(sample_reports: list[Report]) -> None:
    assert "行政复议法" in sample_reports[0].metadata.laws
    assert "浙民法〔2023〕45号" in sample_reports[0].metadata.doc_numbers
    assert "六盘水府发〔2023〕8号" in sample_reports[1].metadata.doc_numbers
    assert "安监总政法[2023]150号" in sample_reports[2].metadata.doc_numbers


def test_gb18030_copy_of_the_sample_gives_the_same_reports(
    sample_reports: list[Report], sample_text: str, tmp_path: Path
) -> None:
    gb = tmp_path / "sample-gb18030.txt"
    gb.write_bytes(sample_text.encode("gb18030"))
    source = read_source(gb)
    assert source.encoding == "gb18030"
    assert [r.report_id for r in parse_source(source)] == [r.report_id for r in sample_reports]
