"""Splitting a compilation into its reports."""

from __future__ import annotations

from indexer.ingest.s2_clean import clean_paragraphs
from indexer.ingest.s3_split import split_reports

SAMPLE_OPENINGS = [
    "为积极推进我市依法行政工作",
    "市民政局在市委、市政府的正确领导下",
    "中共南湖区委、南湖区人民政府:",
    "2023年是全面贯彻落实叙永县人民政府",
    "依法治国是党领导人民治理国家的基本方略",
    "2023年,我局以***新时代",
    "2023年,陆河县教育局以",
    "我县坚持以***新时代",
]


def paragraphs_of(text: str) -> list[str]:
    return clean_paragraphs(text.strip())


def first_paragraphs(reports: list[list[str]]) -> list[str]:
    return [report[0] for report in reports]


def test_sample_splits_into_its_eight_reports_in_order(sample_split: list[list[str]]) -> None:
    assert len(sample_split) == 8
    for report, opening in zip(sample_split, SAMPLE_OPENINGS, strict=True):
        assert report[0].startswith(opening)


def test_sample_split_loses_and_repeats_nothing(
    sample_paragraphs: list[str], sample_split: list[list[str]]
) -> None:
    assert [p for report in sample_split for p in report] == sample_paragraphs


def test_closing_paragraphs_stay_with_the_report_they_close(
    sample_split: list[list[str]],
) -> None:
    assert sample_split[1][-1].startswith("同时,我局将认真对照工作要求")
    assert sample_split[3][-1].startswith("今后,我局将继续按照普法宣传工作")


def test_salutation_and_opening_both_go_to_the_new_report(
    sample_split: list[list[str]],
) -> None:
    assert sample_split[2][1].startswith("2023年度我局立足自身职责定位")
    assert sample_split[2][2] == "一、主要举措及成效"


def test_opening_after_a_heading_line_announcing_the_report_starts_the_next_one(
    sample_split: list[list[str]],
) -> None:
    # Report 7 ends on the heading line "六、无其他需要报告的情况" with no body.
    assert sample_split[6][-1] == "六、无其他需要报告的情况"


SALUTED_COMPILATION = """
为深入推进依法行政,我局在县委、县政府的坚强领导下,扎实开展法治政府建设。现将有关情况报告如下:
一、主要工作
(一)强化组织领导
成立法治政府建设领导小组,局主要负责人任组长,定期研究部署法治工作。
(二)严格规范执法
1.规范执法程序。全面推行行政执法公示制度、执法全过程记录制度。
二、存在的问题
执法人员专业素养有待提高,执法装备相对落后。
三、下一步打算
今后,我局将继续加强执法队伍建设,推动法治政府建设再上新台阶。
县委、县人民政府:
2023年,我局坚持以法治思维统领各项工作,依法履职尽责。现将工作情况汇报如下:
一、工作开展情况
(一)完善制度建设。制定《行政执法责任制实施办法》,明确执法权限。
二、下一步工作
同时,我局将认真查找不足,及时整改落实,推动各项工作落到实处。
2023年是法治政府建设的关键之年,我镇认真贯彻落实上级部署,取得积极成效。
一、主要成效
一是健全依法决策机制。重大事项全部经过合法性审查。
二、存在不足
下一步,我镇将继续加大普法力度。
"""


def test_compilation_with_a_salutation_splits_at_each_preamble() -> None:
    reports = split_reports(paragraphs_of(SALUTED_COMPILATION))
    assert first_paragraphs(reports) == [
        "为深入推进依法行政,我局在县委、县政府的坚强领导下,扎实开展法治政府建设。"
        "现将有关情况报告如下:",
        "县委、县人民政府:",
        "2023年是法治政府建设的关键之年,我镇认真贯彻落实上级部署,取得积极成效。",
    ]
    assert reports[0][-1].startswith("今后,我局将继续")
    assert reports[1][-1].startswith("同时,我局将认真查找不足")


TITLED_COMPILATION = """
甲县市场监督管理局2023年法治政府建设工作报告
2023年,我局认真贯彻落实县委、县政府决策部署,持续推进依法行政。现报告如下:
一、主要工作
全年共办理行政处罚案件126件,无一被复议纠错。
二、下一步打算
我局将进一步加强执法监督,提升依法行政水平。
甲县市场监督管理局
2024年1月5日
乙县人民政府关于2023年法治政府建设情况的报告
市人民政府:
2023年,我县在市委、市政府的坚强领导下,全面推进法治政府建设。现将有关情况报告如下:
一、主要成效
(一)依法全面履行政府职能
深化“放管服”改革,全年取消不合理证明135项。
二、存在问题
基层法治力量仍较薄弱。
三、工作打算
丙县司法局2023年度法治政府建设工作总结
丙县司法局
(2024年1月10日)
一年来,我局紧紧围绕县委中心工作,扎实推进各项司法行政工作。
一、工作成效
全年办理法律援助案件300余件。
"""


def test_compilation_with_titles_splits_at_each_title() -> None:
    reports = split_reports(paragraphs_of(TITLED_COMPILATION))
    assert first_paragraphs(reports) == [
        "甲县市场监督管理局2023年法治政府建设工作报告",
        "乙县人民政府关于2023年法治政府建设情况的报告",
        "丙县司法局2023年度法治政府建设工作总结",
    ]


def test_dated_signature_stays_with_the_report_it_signs() -> None:
    reports = split_reports(paragraphs_of(TITLED_COMPILATION))
    assert reports[0][-2:] == ["甲县市场监督管理局", "2024年1月5日"]
    assert reports[2][1:3] == ["丙县司法局", "(2024年1月10日)"]


def test_issuer_and_date_under_a_title_go_with_the_new_report_without_restart() -> None:
    text = """
一、主要工作
全年共办理行政复议案件18件。
二、下一步打算
今后,我局将继续加强行政复议工作。
丁县交通运输局2023年法治政府建设工作报告
丁县交通运输局
2024年1月8日
2023年,我局扎实推进交通运输领域依法行政。现将有关情况报告如下:
一、主要工作
全年查处违法超限运输车辆210台次。
"""
    reports = split_reports(paragraphs_of(text))
    assert first_paragraphs(reports) == ["一、主要工作", "丁县交通运输局2023年法治政府建设工作报告"]
    assert reports[1][1:3] == ["丁县交通运输局", "2024年1月8日"]


def test_single_titled_report_stays_one() -> None:
    text = """
戊县人民政府关于2023年法治政府建设情况的报告
2023年,我县全面推进依法行政,法治政府建设取得新成效。现将有关情况报告如下:
一、主要工作及成效
(一)依法全面履行政府职能
1.深化行政审批制度改革。全年取消行政许可事项12项。
二、存在的问题
基层执法力量相对薄弱。
三、下一步工作安排
2024年,我县将继续深入推进法治政府建设。
戊县人民政府
2024年1月15日
"""
    paragraphs = paragraphs_of(text)
    assert split_reports(paragraphs) == [paragraphs]


def test_text_without_numbering_is_one_report() -> None:
    text = """
2023年,我局坚持依法行政,全年办理行政许可事项1200余件。
同时,我局加强执法监督,开展案卷评查2次。
今后,我局将继续推进法治政府建设。
"""
    paragraphs = paragraphs_of(text)
    assert split_reports(paragraphs) == [paragraphs]


def test_empty_text_has_no_reports() -> None:
    assert split_reports([]) == []


def test_closing_right_before_a_restart_stays_and_the_report_starts_at_its_heading() -> None:
    text = """
一、主要工作
全年共办理行政复议案件18件。
二、下一步打算
今后,我局将继续加强行政复议工作,推动法治建设再上新台阶。
一、工作成效
全年查处违法案件45件。
"""
    reports = split_reports(paragraphs_of(text))
    assert first_paragraphs(reports) == ["一、主要工作", "一、工作成效"]


def test_body_right_after_a_heading_line_stays_with_that_heading() -> None:
    text = """
一、主要工作
全年共办理行政复议案件18件。
二、下一步工作打算
继续加强组织领导,增强法治政府建设意识,提高依法行政能力和水平。
2023年,我局严格规范公正文明执法。
一、工作成效
全年查处违法案件45件。
"""
    reports = split_reports(paragraphs_of(text))
    assert reports[0][-1].startswith("继续加强组织领导")
    assert reports[1][0] == "2023年,我局严格规范公正文明执法。"


def test_opening_paragraphs_with_opening_cues_all_go_to_the_new_report() -> None:
    text = """
一、主要工作
全年共办理行政复议案件18件。
二、下一步打算
(一)加强执法队伍建设。
为全面推进依法行政,我局在县委、县政府的坚强领导下,扎实开展各项工作。
2023年,我局围绕中心、服务大局,法治政府建设取得新成效。现将有关情况汇报如下:
一、工作成效
全年查处违法案件45件。
"""
    reports = split_reports(paragraphs_of(text))
    assert len(reports) == 2
    assert reports[1][0].startswith("为全面推进依法行政")


def test_numbering_restarting_in_an_annex_stays_in_the_report() -> None:
    text = """
2023年,我县全面推进法治政府建设,取得积极成效。现将有关情况报告如下:
一、主要工作
全年取消行政许可事项12项。
二、下一步打算
持续深化行政审批制度改革。
附件:己县法治政府建设考核细则
为规范法治政府建设考核工作,制定本细则。
一、考核内容
依法行政制度建设情况。
"""
    paragraphs = paragraphs_of(text)
    assert split_reports(paragraphs) == [paragraphs]
