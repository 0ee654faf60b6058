"""Cleaning: clutter goes, broken sample_paragraphs are rejoined, text stays as written."""

from __future__ import annotations

import re

import pytest

from indexer.ingest.s2_clean import clean_paragraphs, is_clutter


def test_no_bare_date_survives_in_the_sample(
    sample_text: str, sample_paragraphs: list[str]
) -> None:
    bare_date = re.compile(r"\d{4}-\d{2}-\d{2}|\d{4}年\d{1,2}月\d{1,2}日")
    assert [line for line in sample_text.splitlines() if bare_date.fullmatch(line.strip())]
    assert not [p for p in sample_paragraphs if bare_date.fullmatch(p)]


@pytest.mark.parametrize(
    "clutter", ["下载docx", "将本文的Word文档下载到电脑", "推荐度", "更新时间"]
)
def test_no_download_site_clutter_survives_in_the_sample(
    sample_text: str, sample_paragraphs: list[str], clutter: str
) -> None:
    assert clutter in sample_text
    assert not [p for p in sample_paragraphs if clutter in p]


def test_sample_keeps_its_first_and_last_report_paragraphs(sample_paragraphs: list[str]) -> None:
    assert sample_paragraphs[0].startswith("为积极推进我市依法行政工作")
    assert sample_paragraphs[-1].startswith("3.强化行政执法监督检查")


def test_broken_paragraph_is_rejoined_into_one(sample_paragraphs: list[str]) -> None:
    joined = [p for p in sample_paragraphs if "检查指导、督办考核均统一归口" in p]
    assert len(joined) == 1
    assert joined[0].startswith("3.推进行政执法体制改革。全县综合行政执法工作的统筹协调、")
    assert not [p for p in sample_paragraphs if p.startswith("督办考核")]


def test_every_paragraph_is_found_verbatim_in_the_source(
    sample_text: str, sample_paragraphs: list[str]
) -> None:
    # Rejoining adds nothing, so each paragraph is a substring once line breaks are gone.
    flat = sample_text.replace("\n", "")
    assert all(p in flat for p in sample_paragraphs)


def test_inner_spaces_are_kept_as_written(sample_paragraphs: list[str]) -> None:
    assert any("全县 1300 余名执法人员" in p for p in sample_paragraphs)


def test_paragraph_without_final_punctuation_does_not_absorb_the_next_report(
    sample_paragraphs: list[str],
) -> None:
    # The sample's 西平县 report ends "…为政府法治工作提供有力保障" with no 。,
    # and the next report opens "2023年,我局以…".
    ending = next(p for p in sample_paragraphs if p.endswith("为政府法治工作提供有力保障"))
    following = sample_paragraphs[sample_paragraphs.index(ending) + 1]
    assert following.startswith("2023年,我局以***新时代")


def test_line_breaks_and_edge_whitespace_are_normalised() -> None:
    text = "\ufeff  第一段内容。\r\n\r\n\u3000\u3000第二段内容。\xa0\r\n \t \n第三段。\r"
    assert clean_paragraphs(text) == ["第一段内容。", "第二段内容。", "第三段。"]


def test_width_and_punctuation_are_not_normalised() -> None:
    text = "（一）完善制度建设,严格执行“三统一”制度；全年审查文件 61 件。"
    assert clean_paragraphs(text) == [text]


@pytest.mark.parametrize(
    "line",
    [
        "2023-03-15",
        "2023/3/15 21:00",
        "2023-03-11 21:00:23",
        "2023年3月15日 21:00",
        "更新时间:2023-03-11 21:00:23 发布时间:24小时内 作者:文/会员上传 下载docx",
        "发布时间：2023-11-02",
        "作者：佚名",
        "下载doc",
        "免费下载PDF版",
        "将本文的Word文档下载到电脑",
        "将本文下载到本地",
        "推荐度:",
        "推荐度：★★★★",
        "相关推荐",
        "上一篇：2022年法治政府建设工作报告",
        "下一篇",
        "点击下载文档",
        "扫一扫，手机阅读",
        "版权所有 © 2023 某某文库",
        "本文由会员上传，仅供参考",
        "第 1 页 共 3 页",
        "- 2 -",
    ],
)
def test_download_site_lines_are_clutter(line: str) -> None:
    assert is_clutter(line)


@pytest.mark.parametrize(
    "line",
    [
        "一、2023年法治政府建设工作情况",
        "(二)推荐度高的便民服务事项优先上线",
        "群众可扫一扫窗口二维码查询办事进度,全年累计查询1.2万次。",
        "2023年,我局坚持依法行政。",
        "2023年12月25日",
    ],
)
def test_report_lines_are_not_clutter(line: str) -> None:
    assert not is_clutter(line)


def test_clutter_words_inside_a_long_paragraph_are_kept() -> None:
    paragraph = (
        "推进政务公开,在门户网站开设“点击下载”专栏,群众可免费下载办事指南和表格模板,"
        "全年累计下载docx格式文件3200余次,有效方便了群众办事,受到社会各界的广泛好评。"
    )
    assert clean_paragraphs(paragraph) == [paragraph]


def test_a_run_of_chinese_dates_is_clutter_but_a_dated_signature_is_kept() -> None:
    text = "2023年3月15日\n2023年3月16日\n正文内容。\n甲县司法局\n2023年12月25日"
    assert clean_paragraphs(text) == ["正文内容。", "甲县司法局", "2023年12月25日"]


def test_line_ending_in_a_comma_is_merged_with_the_next_without_adding_anything() -> None:
    text = "全年共办理行政复议案件 18 件,\n行政应诉案件 7 件。"
    assert clean_paragraphs(text) == ["全年共办理行政复议案件 18 件,行政应诉案件 7 件。"]


def test_long_line_ending_mid_word_is_merged_with_its_continuation() -> None:
    text = (
        "健全行政权力运行制约和监督体系,进一步加强行政程序制度建设,严格按照法定权限和程序行使\n"
        "权力,确保行政权力在阳光下运行。"
    )
    assert clean_paragraphs(text) == [text.replace("\n", "")]


def test_heading_line_never_absorbs_the_next_line() -> None:
    text = "一、2023年法治政府建设工作情况\n全年共办理行政复议案件 18 件。"
    assert clean_paragraphs(text) == text.split("\n")


def test_short_title_line_never_absorbs_the_next_line() -> None:
    text = "甲县司法局2023年法治政府建设工作总结\n全年共办理行政复议案件 18 件。"
    assert clean_paragraphs(text) == text.split("\n")


def test_line_broken_before_a_heading_is_not_merged() -> None:
    text = "实现了乡镇(街道)、村(居)法律顾问全覆盖\n(三)深入推进服务型行政执法建设"
    assert clean_paragraphs(text) == text.split("\n")


def test_clutter_between_the_halves_of_a_broken_paragraph_is_dropped() -> None:
    text = "全县综合行政执法工作的统筹协调、检查指导、\n第 1 页 共 3 页\n督办考核均统一归口。"
    assert clean_paragraphs(text) == [
        "全县综合行政执法工作的统筹协调、检查指导、督办考核均统一归口。"
    ]


def test_lines_opening_on_a_full_date_are_not_merged_into_the_line_before() -> None:
    text = (
        "2009年8月27日 第十一届全国人大常委会第十次会议《关于修改部分法律的决定》第一次修正\n"
        "2017年9月1日 第十二届全国人大常委会第二十九次会议《关于修改八部法律的决定》第二次修正"
    )
    assert clean_paragraphs(text) == text.split("\n")


def test_blank_line_keeps_an_unpunctuated_line_apart_from_the_next() -> None:
    text = (
        "# 电子商务经营者应当遵守对消费者做出的有利承诺对承诺的解释应按普通消费者的通常认知进行\n"
        "\n"
        "消费者权益保护典型案例最高人民法院发布"
    )
    assert clean_paragraphs(text) == [text.split("\n")[0], text.split("\n")[2]]


def test_line_ending_in_a_pause_mark_is_merged_across_a_blank_line() -> None:
    text = "全县综合行政执法工作的统筹协调、检查指导、\n\n督办考核均统一归口。"
    assert clean_paragraphs(text) == [
        "全县综合行政执法工作的统筹协调、检查指导、督办考核均统一归口。"
    ]
