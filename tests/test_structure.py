"""Headings and section paths."""

from __future__ import annotations

import doctest

import pytest

from indexer.ingest import lines
from indexer.ingest.lines import (
    is_heading_line,
    is_salutation,
    is_signature_line,
    is_title_line,
    parse_heading,
)
from indexer.ingest.s4_structure import outline
from indexer.models import Heading


def section_of(report: list[str], starts_with: str) -> tuple[tuple[str, ...], bool]:
    """Return the outline entry of the one paragraph of `report` that starts so."""
    (index,) = [i for i, p in enumerate(report) if p.startswith(starts_with)]
    return outline(report)[index]


@pytest.mark.parametrize(
    ("paragraph", "level", "label"),
    [
        ("一、2023年法治政府建设工作情况", 1, "一、2023年法治政府建设工作情况"),
        ("十二、其他需要报告的事项", 1, "十二、其他需要报告的事项"),
        ("(六)依法有效化解社会矛盾纠纷", 2, "(六)依法有效化解社会矛盾纠纷"),
        ("（三）规范运作，推进法治政府建设工作", 2, "（三）规范运作，推进法治政府建设工作"),
        ("1.强化组织领导,压实工作责任。局党组高度重视", 3, "1.强化组织领导,压实工作责任"),
        ("2．加强谋划部署。将法治政府建设工作纳入", 3, "2．加强谋划部署"),
        ("3、加强制度建设。建立行政执法调查取证制度", 3, "3、加强制度建设"),
        ("3. 加强法治机构和队伍建设。保留行政审批办公室", 3, "3. 加强法治机构和队伍建设"),
        ("一是开展最多跑一次工作。今年,根据", 4, "一是开展最多跑一次工作"),
        (
            "三是加强指导村规民约(居民公约)修订完善。加强",
            4,
            "三是加强指导村规民约(居民公约)修订完善",
        ),
    ],
)
def test_each_heading_style_parses_at_its_level(paragraph: str, level: int, label: str) -> None:
    assert parse_heading(paragraph) == Heading(level=level, label=label)


@pytest.mark.parametrize(
    "paragraph",
    [
        "2023年,我局以***新时代中国特色社会主义思想为指导。",
        "2023年是全面贯彻落实法治政府建设实施方案的收官之年。",
        "1.5亿元专项资金全部用于基层执法装备更新。",
        "12.5%的案件通过调解结案。",
        "1、2月份共受理行政复议申请3件。",
        "在加强法制教育培训方面,市民政局主要从2个方面开展相关活动:一是开展培训。",
        "一要进一步提高思想认识,充分发挥第一责任人带头作用。",
    ],
)
def test_years_numbers_and_plain_sentences_are_not_headings(paragraph: str) -> None:
    assert parse_heading(paragraph) is None


def test_heading_label_stops_at_the_first_sentence_end() -> None:
    heading = parse_heading("(一)强化组织保障,着力推进法治政府建设。为进一步加强组织领导,…")
    assert heading == Heading(level=2, label="(一)强化组织保障,着力推进法治政府建设")


def test_long_run_in_heading_is_cut_at_a_comma() -> None:
    paragraph = (
        "(一)针对工作队伍专业性有待提高的问题,现我局在人才引进、招考等方面,"
        "均设法学相关专业,待人员到位后可得到解决。"
    )
    label = parse_heading(paragraph).label
    assert label == "(一)针对工作队伍专业性有待提高的问题,现我局在人才引进、招考等方面"
    assert len(label) <= lines.LABEL_MAX


def test_long_heading_line_of_its_own_is_its_whole_label() -> None:
    line = (
        "五、对近期在党政主要负责人履行推进法治政府建设第一责任人职责及法治政府政府建设"
        "督察自查阶段中发现的问题整改思路和措施"
    )
    assert parse_heading(line).label == line
    assert is_heading_line(line)


def test_numbered_sentence_ending_with_a_full_stop_is_content_not_a_heading_line() -> None:
    paragraph = "(二)针对专业性强的工作,建议业务主管部门加大培训力度。"
    assert parse_heading(paragraph).label == paragraph[:-1]
    assert not is_heading_line(paragraph)


def test_outline_nests_headings_and_a_new_heading_closes_deeper_levels() -> None:
    paragraphs = [
        "开头段落。",
        "一、工作情况",
        "(一)强化领导",
        "1.健全机制。成立领导小组。",
        "正文段落。",
        "(二)规范执法",
        "正文段落。",
        "二、存在问题",
        "正文段落。",
    ]
    assert outline(paragraphs) == [
        ((), False),
        (("一、工作情况",), True),
        (("一、工作情况", "(一)强化领导"), True),
        (("一、工作情况", "(一)强化领导", "1.健全机制"), False),
        (("一、工作情况", "(一)强化领导", "1.健全机制"), False),
        (("一、工作情况", "(二)规范执法"), True),
        (("一、工作情况", "(二)规范执法"), False),
        (("二、存在问题",), True),
        (("二、存在问题",), False),
    ]


def test_outline_skips_a_missing_level() -> None:
    paragraphs = ["一、工作情况", "1.健全机制。成立领导小组。"]
    assert outline(paragraphs)[1] == (("一、工作情况", "1.健全机制"), False)


def test_inline_enumeration_labels_only_its_own_paragraph() -> None:
    paragraphs = ["二、开展法治教育", "一是做好社会救助工作。全年…", "其他正文。"]
    assert [path for path, _ in outline(paragraphs)] == [
        ("二、开展法治教育",),
        ("二、开展法治教育", "一是做好社会救助工作"),
        ("二、开展法治教育",),
    ]


def test_sample_report_2_passage_has_its_full_section_path(sample_split: list[list[str]]) -> None:
    assert section_of(sample_split[1], "2.加强行政复议和行政应诉工作。") == (
        (
            "一、2023年度工作开展情况",
            "(六)依法有效化解社会矛盾纠纷",
            "2.加强行政复议和行政应诉工作",
        ),
        False,
    )


def test_sample_report_3_enumerated_passage_has_its_full_section_path(
    sample_split: list[list[str]],
) -> None:
    assert section_of(sample_split[2], "一是“双随机”抽查") == (
        (
            "一、主要举措及成效",
            "(三)完善安全生产监督检查随机抽查工作机制",
            "一是“双随机”抽查运用“互联网+监管”新模式",
        ),
        False,
    )


def test_sample_report_5_body_paragraph_sits_under_its_heading(
    sample_split: list[list[str]],
) -> None:
    assert section_of(sample_split[4], "西平县严格执行《河南省重大行政决策规定》") == (
        ("一、工作措施及成效", "(二)建立健全依法决策机制"),
        False,
    )
    assert section_of(sample_split[4], "(二)建立健全依法决策机制") == (
        ("一、工作措施及成效", "(二)建立健全依法决策机制"),
        True,
    )


def test_sample_report_8_rejoined_passage_has_its_full_section_path(
    sample_split: list[list[str]],
) -> None:
    assert section_of(sample_split[7], "3.推进行政执法体制改革") == (
        ("一、工作开展情况", "(三)改革创新、优化服务,加快政府职能转变", "3.推进行政执法体制改革"),
        False,
    )


def test_sample_preambles_sit_outside_every_section(sample_split: list[list[str]]) -> None:
    assert section_of(sample_split[0], "为积极推进我市依法行政工作") == ((), False)
    assert section_of(sample_split[2], "中共南湖区委、南湖区人民政府:") == ((), False)


def test_titles_salutations_and_signatures_are_recognised() -> None:
    assert is_title_line("六盘水市民政局2023年法治政府建设工作报告")
    assert is_title_line("XX县人民政府关于2023年法治政府建设情况的报告")
    assert not is_title_line("六、无其他需要报告的情况")
    assert not is_title_line("主要工作开展情况")
    assert is_salutation("中共南湖区委、南湖区人民政府:")
    assert not is_salutation("现将工作情况报告如下:")
    assert is_signature_line("叙永县教育和体育局")
    assert is_signature_line("2023年12月25日")
    assert not is_signature_line("全体干部")


def test_the_docstring_examples_of_lines_run_and_pass() -> None:
    outcome = doctest.testmod(lines)
    assert outcome.attempted > 0 and outcome.failed == 0
