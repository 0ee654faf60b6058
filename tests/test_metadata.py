"""What a report's text reveals about it: title, issuer, place, department, year, laws, numbers."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.ingest.lines import is_title_line
from indexer.ingest.s5_citations import (
    canonical_law_name,
    extract_doc_numbers,
    extract_laws,
    is_law_title,
)
from indexer.ingest.s5_describe import describe_report, find_issuer, title_issuer
from indexer.ingest.s5_organs import Voice, department_of, find_department, find_voice
from indexer.ingest.s5_places import Region, division_table, find_places, resolve_region
from indexer.models import Metadata

# 1-based line where each of the eight reports starts; lines 1–11 and 198 on are site clutter.
# Sliced by line number so these tests do not depend on the splitter.
REPORT_STARTS = (12, 28, 68, 93, 119, 146, 156, 178, 198)

# report, issuer, province, city, county, department
SAMPLE_EXPECTED = [
    (1, "市民政局", "浙江省", "", "", "民政"),
    (2, "六盘水市民政局", "贵州省", "六盘水市", "", "民政"),
    (3, "南湖区应急管理局", "浙江省", "嘉兴市", "南湖区", "应急管理"),
    (4, "叙永县教育和体育局", "四川省", "泸州市", "叙永县", "教育体育"),
    (5, "西平县人民政府", "河南省", "驻马店市", "西平县", "人民政府"),
    (6, "兴义市民政局", "贵州省", "黔西南布依族苗族自治州", "兴义市", "民政"),
    (7, "陆河县教育局", "广东省", "汕尾市", "陆河县", "教育"),
    (8, "开江县人民政府", "四川省", "达州市", "开江县", "人民政府"),
]


@pytest.fixture(scope="module")
def sample_report_lines(sample_text: str) -> dict[int, list[str]]:
    lines = sample_text.splitlines()
    return {
        n: lines[REPORT_STARTS[n - 1] - 1 : REPORT_STARTS[n] - 1]
        for n in range(1, len(REPORT_STARTS))
    }


@pytest.fixture(scope="module")
def described(sample_report_lines: dict[int, list[str]]) -> dict[int, Metadata]:
    return {n: describe_report(paragraphs) for n, paragraphs in sample_report_lines.items()}


# ---------------------------------------------------------------- the sample's eight reports


@pytest.mark.parametrize(
    ("n", "issuer", "province", "city", "county", "department"), SAMPLE_EXPECTED
)
def test_describe_finds_who_wrote_each_sample_report_and_where(
    described: dict[int, Metadata],
    n: int,
    issuer: str,
    province: str,
    city: str,
    county: str,
    department: str,
) -> None:
    meta = described[n]
    assert (meta.issuer, meta.province, meta.city, meta.county) == (issuer, province, city, county)
    assert meta.department == department
    # Report 8 states its year only inside a cited plan's title (《…2023年度…安排》).
    assert meta.year == (None if n == 8 else 2023)


@pytest.mark.parametrize("n", range(1, 9))
def test_untitled_sample_reports_get_no_made_up_title(
    described: dict[int, Metadata], n: int
) -> None:
    meta = described[n]
    assert (meta.title, meta.title_source) == ("", "")
    assert meta.issuer_source == "text"


def test_report_naming_only_its_province_gets_no_city(described: dict[int, Metadata]) -> None:
    # Report 1 says 我市 but never which city; 浙江省民政厅 and 《浙江省…条例》 give the province.
    assert (described[1].province, described[1].city, described[1].county) == ("浙江省", "", "")


def test_salutation_is_not_taken_for_the_title_or_the_issuer(
    described: dict[int, Metadata],
) -> None:
    # Report 3 opens "中共南湖区委、南湖区人民政府:", the bodies it reports to.
    assert described[3].issuer == "南湖区应急管理局"
    assert described[3].title == ""


def test_sample_report_1_laws_are_canonical_and_skip_its_own_rules(
    described: dict[int, Metadata],
) -> None:
    assert described[1].laws == [
        "行政处罚法",
        "行政许可法",
        "行政复议法",
        "慈善法",  # also cited later as 《慈善法》: one law
        "宪法",
        "中国共产党纪律处分条例",
        "老年人权益保障法",
        "浙江省社会养老服务促进条例",
    ]  # not 制订《民政行政执法人员参加行政执法资格考试的规定》, nor the notices and 汇编


def test_sample_report_3_laws_include_rules_and_party_regulations(
    described: dict[int, Metadata],
) -> None:
    laws = described[3].laws
    assert laws[0] == "安全生产法"
    assert "浙江省行政执法全过程记录办法（试行）" in laws
    assert "党政主要负责人履行推进法治建设第一责任人职责规定" in laws
    assert "民法典" in laws  # written 《中华人民共和国民法典》
    assert "浙江省安全生产执法人员行为规范" not in laws
    assert not any(law.startswith("法治政府建设实施纲要") for law in laws)


def test_sample_report_5_drops_county_rules_and_keeps_national_ones(
    described: dict[int, Metadata],
) -> None:
    laws = described[5].laws
    assert "西平县人民政府常务会议议事规则" not in laws
    assert laws.count("突发事件应对法") == 1  # cited twice
    assert {"行政复议法", "行政复议法实施条例", "国有土地上房屋征收与补偿条例"} <= set(laws)
    assert "河南省重大行政决策规定" in laws


def test_sample_report_2_document_numbers_in_order(described: dict[int, Metadata]) -> None:
    assert described[2].doc_numbers == [
        "六盘水府发〔2023〕8号",
        "六盘水司发〔2023〕65号",
        "六盘水放管服组办函〔2023〕1号",
        "黔民函〔2023〕59号",
        "市府办发〔2023〕35号",
        "六盘水府办函〔2023〕37号",
        "六盘水民发〔2023〕53号",
        "黔府办发〔2023〕7号",
        "六盘水司发〔2023〕61号",
    ]


def test_sample_report_5_document_numbers_lose_their_lead_in(
    described: dict[int, Metadata],
) -> None:
    # "…我县以西政办〔2023〕20号文印发了…": 以 belongs to the sentence, not the organ.
    assert described[5].doc_numbers == [
        "西政办〔2023〕14号",
        "西双随机办〔2023〕1号",
        "西双随机办〔2023〕2号",
        "西法政办〔2023〕4号",
        "西法政〔2023〕1号",
        "西政办〔2023〕20号",
    ]


def test_sample_document_numbers_in_square_brackets_are_kept_as_written(
    described: dict[int, Metadata],
) -> None:
    assert described[3].doc_numbers == ["安监总政法[2023]150号"]
    assert described[7].doc_numbers == ["陆教[2023]1号"]


# ---------------------------------------------------------------- describe on synthetic reports


def test_titled_report_keeps_its_title_as_is() -> None:
    meta = describe_report(
        [
            "六盘水市民政局2022年法治政府建设工作报告",
            "2022年，我局坚持依法行政。",
            "二、2023年工作打算",
        ]
    )
    assert (meta.title, meta.title_source) == ("六盘水市民政局2022年法治政府建设工作报告", "text")
    assert (meta.issuer, meta.issuer_source) == ("六盘水市民政局", "title")
    assert meta.department == "民政"
    assert meta.year == 2022  # the title's year, not the plans'
    assert (meta.province, meta.city, meta.county) == ("贵州省", "六盘水市", "")


def test_titled_report_without_place_takes_the_place_from_the_body() -> None:
    meta = describe_report(
        [
            "市民政局2023年度法治政府建设情况报告",
            "2023年，我局在六盘水市人民政府领导下推进依法行政，六盘水市民政局全体干部参加培训。",
        ]
    )
    assert meta.issuer == "六盘水市民政局"
    assert meta.title_source == "text"


def test_report_naming_no_place_has_empty_region() -> None:
    meta = describe_report(["2023年，我局坚持依法行政，全面推进民政法治建设，落实社会救助制度。"])
    assert (meta.province, meta.city, meta.county) == ("", "", "")
    assert meta.issuer == "民政局"
    assert meta.department == "民政"
    assert meta.title == ""
    assert (meta.year, meta.year_source) == (2023, "opening")


def test_county_level_city_is_the_county_under_its_prefecture() -> None:
    meta = describe_report(["2023年，我市坚持依法行政。义乌市人民政府印发了实施方案。"])
    assert (meta.province, meta.city, meta.county) == ("浙江省", "金华市", "义乌市")
    assert meta.issuer == "义乌市人民政府"
    assert meta.department == "人民政府"


def test_report_without_any_clue_is_empty() -> None:
    meta = describe_report(["加强学习，提高认识。"])
    assert meta == Metadata()


def test_describe_of_nothing_is_empty_metadata() -> None:
    assert describe_report([]) == Metadata()
    assert describe_report(["", "  "]) == Metadata()


# ---------------------------------------------------------------- title and year


@pytest.mark.parametrize(
    "paragraph",
    [
        "六盘水市民政局2023年法治政府建设工作报告",
        "关于2023年度法治政府建设工作情况的报告",
        "南湖区应急管理局2023年法治政府建设工作总结",
    ],
)
def test_report_titles_are_title_lines(paragraph: str) -> None:
    assert is_title_line(paragraph)


@pytest.mark.parametrize(
    "paragraph",
    [
        "中共南湖区委、南湖区人民政府:",  # a salutation
        "一、2023年法治政府建设工作情况",  # a heading
        "(一)强化组织保障",
        "现将2023年度我局法治政府建设工作开展情况报告如下。",  # a sentence
        "2023年是全面贯彻落实叙永县人民政府关于《叙永县法治政府建设实施方案》的收官之年",
    ],
)
def test_salutations_headings_and_sentences_are_not_title_lines(paragraph: str) -> None:
    assert not is_title_line(paragraph)


@pytest.mark.parametrize(
    ("title", "issuer"),
    [
        ("六盘水市民政局2023年法治政府建设工作报告", "六盘水市民政局"),
        ("西平县人民政府关于2023年法治政府建设情况的报告", "西平县人民政府"),
        ("叙永县教育和体育局2023年度法治政府建设工作报告", "叙永县教育和体育局"),
        ("关于2023年法治政府建设工作情况的报告", ""),
        ("2023年法治政府建设年度报告", ""),
        ("法治政府建设工作报告", ""),
    ],
)
def test_the_issuer_is_the_organ_a_title_names_or_empty_when_it_names_none(
    title: str, issuer: str
) -> None:
    assert title_issuer(title) == issuer


def test_year_is_the_one_the_opening_sentence_states_not_the_plans() -> None:
    meta = describe_report(
        ["2022年，我局法治政府建设工作取得成效。", "一、主要工作", "二、2023年工作打算"]
    )
    assert (meta.year, meta.year_source) == (2022, "opening")


def test_year_ignores_years_inside_cited_titles() -> None:
    meta = describe_report(
        ["我局落实《法治政府建设实施纲要(2021-2025年)》，推进依法行政。", "一、2023年度工作"]
    )
    assert (meta.year, meta.year_source) == (2023, "heading")


def test_year_is_none_when_no_year_is_written() -> None:
    assert describe_report(["今年以来，我局坚持依法行政。"]).year is None


def test_year_is_not_the_first_year_the_body_mentions() -> None:
    meta = describe_report(
        ["同志们：", "一九四九年以来，我们党领导人民取得了胜利。", "一、形势和任务"]
    )
    assert meta.year is None


def test_a_speech_is_dated_by_its_dateline_and_of_that_year() -> None:
    meta = describe_report(
        [
            "政府工作报告",
            "——2026年1月28日在云南省第十四届人民代表大会第四次会议上",
            "各位代表：",
            "现在，我代表省人民政府，向大会报告政府工作，请予审议。",
            "一、2025年工作回顾",
        ]
    )
    assert (meta.date, meta.date_source) == ("2026-01-28", "dateline")
    assert (meta.year, meta.year_source) == (2026, "dateline")
    assert (meta.issuer, meta.issuer_source) == ("省人民政府", "text")


def test_a_signature_gives_issuer_and_date_and_a_chinese_numeral_date_is_read() -> None:
    meta = describe_report(
        [
            "2022年，我局坚持依法行政，推进法治政府建设。",
            "一、主要工作",
            "完成各项任务。",
            "修文县民政局",
            "二○二三年一月十日",
        ]
    )
    assert (meta.issuer, meta.issuer_source) == ("修文县民政局", "signature")
    assert (meta.date, meta.date_source) == ("2023-01-10", "signature")
    assert (meta.year, meta.year_source) == (2022, "opening")


def test_a_law_gets_no_issuer_from_the_organs_it_names() -> None:
    meta = describe_report(
        ["# 上海市供水管理条例", *[f"第{n}条 市水务局负责本市供水管理。" for n in "一二三四"]]
    )
    assert (meta.title, meta.title_source) == ("上海市供水管理条例", "text")
    assert meta.issuer == ""


# ---------------------------------------------------------------- laws


@pytest.mark.parametrize(
    ("cited", "canonical"),
    [
        ("中华人民共和国行政复议法", "行政复议法"),
        ("中华人民共和国行政复议法(2023年修订)", "行政复议法"),
        ("行政处罚法（修正）", "行政处罚法"),
        ("中华人民共和国 民法典", "民法典"),
        ("浙江省行政执法全过程记录办法(试行)", "浙江省行政执法全过程记录办法（试行）"),
        ("中华人民共和国行政复议法实施条例", "行政复议法实施条例"),
    ],
)
def test_a_cited_law_loses_its_country_prefix_revision_note_and_spaces(
    cited: str, canonical: str
) -> None:
    assert canonical_law_name(cited) == canonical


def test_extract_laws_merges_citation_forms_in_order_of_first_citation() -> None:
    text = (
        "学习《中华人民共和国行政复议法》《宪法》和《行政复议法》，"
        "贯彻《中华人民共和国行政处罚法（2021年修订）》及《行政处罚法》。"
    )
    assert extract_laws(text) == ["行政复议法", "宪法", "行政处罚法"]


@pytest.mark.parametrize(
    "title",
    [
        "宪法",
        "民法典",
        "公司法",  # ends in 司法, still a law
        "预算法",
        "刑法修正案（十一）",
        "中国共产党纪律处分条例",
        "浙江省社会养老服务促进条例",
        "社会救助暂行办法",
        "贵州省行政规范性文件制定和监督管理规定",
        "行政执法机关移送涉嫌犯罪案件的规定",
        "全国人民代表大会常务委员会关于完善人民陪审员制度的决定",
        "中国共产党章程",
    ],
)
def test_laws_regulations_rules_and_party_regulations_are_law_titles(title: str) -> None:
    assert is_law_title(title)


@pytest.mark.parametrize(
    "title",
    [
        "关于深化开江县任市镇行政管理体制改革的实施方案",  # a plan
        "关于对印发医疗救助办法的通知",  # a notice
        "法治政府建设实施纲要(2021-2025年)",
        "婚姻登记法律法规汇编",  # a book
        "间谍罪名的背后",  # a film
        "浙江省安全生产执法人员行为规范",
        "六盘水市民政局行政执法过错责任追究办法(试行)",  # a bureau's rule
        "西平县人民政府常务会议议事规则",  # a county's rule
        "中共中央关于全面推进依法治国若干重大问题的决定",  # a decision, not a lawmaker's
        "学校章程",
        "枫桥式工作法",
        "科学决策方法",
        "行政复议法（修订草案）",
    ],
)
def test_plans_notices_books_drafts_and_local_rules_are_not_law_titles(title: str) -> None:
    assert not is_law_title(title)


def test_rules_the_report_made_itself_are_not_laws() -> None:
    text = "制订了《民政行政执法人员参加行政执法资格考试的规定》《执法人员管理办法》和《宪法》。"
    assert extract_laws(text) == ["宪法"]
    assert extract_laws("根据《行政执法机关移送涉嫌犯罪案件的规定》") == [
        "行政执法机关移送涉嫌犯罪案件的规定"
    ]


def test_nested_titles_are_read_on_their_own() -> None:
    text = (
        "根据《关于印发<生产安全事故报告和调查处理条例>的通知》"
        "和《最高人民法院关于适用《中华人民共和国行政诉讼法》的解释》"
    )
    assert extract_laws(text) == [
        "生产安全事故报告和调查处理条例",
        "最高人民法院关于适用《中华人民共和国行政诉讼法》的解释",
        "行政诉讼法",
    ]


# ---------------------------------------------------------------- document numbers


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("根据《通知》(浙民法〔2023〕45号)文件", "浙民法〔2023〕45号"),
        ("按照安监总政法[2023]150号规定", "安监总政法[2023]150号"),
        ("见国办发［2019］3号", "国办发［2019］3号"),
        ("见黔府办发(2023)7号", "黔府办发(2023)7号"),
        ("见黔府办发（2023）7号", "黔府办发（2023）7号"),
        ("见粤府【2022】12号", "粤府【2022】12号"),
        ("浙民法〔2023〕第45号", "浙民法〔2023〕第45号"),
        ("开江府发〔 2023 〕 18 号", "开江府发〔2023〕18号"),
        ("以西政办〔2023〕20号文印发了方案", "西政办〔2023〕20号"),
        ("制定下发了西政办〔2023〕14号文件", "西政办〔2023〕14号"),
    ],
)
def test_document_numbers_are_found_in_every_bracket_style_and_spacing(
    text: str, number: str
) -> None:
    assert extract_doc_numbers(text) == [number]


def test_doc_numbers_are_unique_across_bracket_styles_and_in_order() -> None:
    text = "陆教[2023]1号、浙民法〔2023〕45号、陆教〔2023〕1号"
    assert extract_doc_numbers(text) == ["陆教[2023]1号", "浙民法〔2023〕45号"]


@pytest.mark.parametrize(
    "text",
    ["2023年工作", "《纲要(2023-2025年)》", "(2023)", "贵州省人民政府令第192号", "〔2023〕5号"],
)
def test_years_plan_periods_and_decree_numbers_are_not_document_numbers(text: str) -> None:
    assert extract_doc_numbers(text) == []


@settings(max_examples=60)
@given(
    organ=st.sampled_from(["浙民法", "六盘水放管服组办函", "国办发", "安监总政法", "兴市民通"]),
    year=st.integers(1990, 2099),
    brackets=st.sampled_from(["〔〕", "[]", "［］", "()", "（）", "【】"]),
    serial=st.integers(1, 99999),
)
def test_any_well_formed_doc_number_is_found_as_written(
    organ: str, year: int, brackets: str, serial: int
) -> None:
    number = f"{organ}{brackets[0]}{year}{brackets[1]}{serial}号"
    assert extract_doc_numbers(f"根据{number}文件要求，") == [number]


# ---------------------------------------------------------------- places


def test_places_are_full_names_with_their_divisions() -> None:
    mentions = find_places("中共南湖区委、南湖区人民政府，浙江省民政厅，嘉兴市")
    assert [m.name for m in mentions] == ["南湖区", "南湖区", "浙江省", "嘉兴市"]
    assert mentions[0].candidates[0].adcode == "330402"
    assert [m.strong for m in mentions] == [True, True, True, False]


def test_two_character_names_need_a_word_boundary() -> None:
    assert find_places("完成县、乡级目录编制") == []  # no 成县
    assert [m.name for m in find_places("安徽省马鞍山市和县")] == ["安徽省", "马鞍山市", "和县"]


def test_区域_is_not_a_district() -> None:
    assert find_places("核心区域和西南湖区域") == []


def test_lawyers_office_and_towns_are_not_places() -> None:
    region = resolve_region("与浙江省汉桥律师事务所签约。深化开江县任市镇改革。", level="")
    assert (region.province, region.city, region.county) == ("四川省", "达州市", "开江县")


def test_region_of_text_naming_no_place_is_empty() -> None:
    assert resolve_region("我局坚持依法行政，全市民政系统持证率70%。") == Region()


def test_region_prefers_the_place_at_the_reports_own_level() -> None:
    text = "我市民政局……兴义市民政局……贵州省民政厅……黔西南布依族苗族自治州人民政府"
    assert resolve_region(text, level="市") == Region(
        "贵州省", "黔西南布依族苗族自治州", "兴义市", own="兴义市"
    )


def test_county_report_naming_only_its_city_stops_at_the_city() -> None:
    region = resolve_region("我县贯彻驻马店市人民政府部署，全县推进。", level="县")
    assert region == Region("河南省", "驻马店市", "", own="")


def test_city_report_naming_only_its_province_stops_at_the_province() -> None:
    assert resolve_region("根据浙江省民政厅要求，我市推进。", level="市") == Region("浙江省")


def test_places_named_only_in_passing_do_not_count() -> None:
    # 应城市 is a county-level city in 湖北; here it is the tail of 适应城市.
    assert resolve_region("适应城市发展需要，我市推进依法行政。") == Region()


def test_namesakes_are_told_apart_by_the_places_around_them() -> None:
    beijing = resolve_region("北京市朝阳区人民政府", level="区")
    assert beijing == Region("北京市", "北京市", "朝阳区", own="朝阳区")
    changchun = resolve_region("吉林省长春市朝阳区人民政府", level="区")
    assert changchun == Region("吉林省", "长春市", "朝阳区", own="朝阳区")
    assert resolve_region("朝阳区人民政府", level="区") == Region()  # which one: not guessed


def test_without_a_level_the_most_specific_place_wins() -> None:
    region = resolve_region("西平县人民政府、驻马店市人民政府、河南省人民政府", level="")
    assert region == Region("河南省", "驻马店市", "西平县", own="西平县")


def _unique_county_names() -> list[str]:
    """County names that name exactly one division in the table in use."""
    divisions = division_table().by_code.values()
    counts = Counter(d.name for d in divisions)
    return [d.name for d in divisions if d.rank == 2 and counts[d.name] == 1 and len(d.name) > 2]


@settings(max_examples=80, deadline=None)  # the first example loads the division table
@given(data=st.data())
def test_every_county_written_as_a_government_is_found(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(_unique_county_names()))
    region = resolve_region(f"{name}人民政府印发通知。", level="")
    assert region.county == name
    assert region.province  # every county lies in a province


# ---------------------------------------------------------------- voice, department, issuer


def test_a_report_that_says_我局_is_a_departments_even_if_it_says_我县() -> None:
    assert find_voice("我局坚持依法治教，我县教育事业发展，全县学校") == Voice(
        "县", "局", first_person=True
    )


def test_a_report_that_says_我县_only_is_a_governments() -> None:
    assert find_voice("我县坚持依法行政，全县推进，全省部署") == Voice(
        "县", government=True, first_person=True
    )


def test_a_report_that_names_its_organ_in_the_third_person() -> None:
    text = "市民政局在市委领导下……市民政局制定……市民政局严格落实……全市"
    assert find_voice(text) == Voice("市", "局")


def test_city_bureau_level_outvotes_its_superiors_scope() -> None:
    assert find_voice("我市民政工作……全省民政系统……全省培训").level == "市"


@pytest.mark.parametrize(
    ("organ", "department"),
    [
        ("叙永县教育和体育局", "教育体育"),
        ("陆河县教育局", "教育"),
        ("南湖区应急管理局", "应急管理"),
        ("西平县人民政府", "人民政府"),
        ("县卫健体委", "卫生健康"),
        ("县市场监督管理局", "市场监管"),
        ("县住房和城乡建设局", "住房城乡建设"),
        ("公安县人民政府", "人民政府"),  # a county named 公安
        ("汉桥律师事务所", ""),
    ],
)
def test_an_organs_name_gives_its_department_type(organ: str, department: str) -> None:
    assert department_of(organ) == department


def test_own_organ_names_decide_the_department() -> None:
    text = "县教育体育局……县教育体育局……加强教育教学，学校学生教师教育培训教育引导"
    assert find_department(text, level="县") == "教育体育"


def test_topic_decides_when_the_report_never_names_its_organ() -> None:
    text = "我局推进安全生产执法，应急管理部、省应急管理厅培训，区人民法院、公安分局联合"
    assert find_department(text, level="区") == "应急管理"


def test_no_department_when_nothing_points_to_one() -> None:
    assert find_department("加强学习，提高认识。") == ""


def test_issuer_is_the_organ_written_with_the_reports_place() -> None:
    text = "县教育体育局……叙永县教育和体育局……县教育体育局"
    region = Region("四川省", "泸州市", "叙永县", own="叙永县")
    assert find_issuer(text, Voice("县", "局"), region, "教育体育") == "叙永县教育和体育局"


def test_issuer_composed_from_place_and_the_organ_as_written() -> None:
    region = Region("四川省", "泸州市", "叙永县", own="叙永县")
    assert find_issuer("县教育体育局", Voice("县", "局"), region, "教育体育") == "叙永县教育体育局"
    assert find_issuer("应急管理工作", Voice("县", "局"), region, "应急管理") == "叙永县应急管理局"


def test_issuer_never_invents_a_place() -> None:
    region = Region("浙江省")
    assert find_issuer("民政工作", Voice("市", "局"), region, "民政") == "市民政局"
    assert find_issuer("我县", Voice("县", government=True), Region(), "") == "县人民政府"


def test_no_issuer_without_a_self_reference_or_a_department() -> None:
    assert find_issuer("加强学习", Voice(), Region(), "") == ""
    assert find_issuer("我局加强学习", Voice("", "局"), Region(), "") == ""


def test_metadata_comes_back_from_its_dict_whole_or_from_an_older_one(sample_reports) -> None:
    described = [r.metadata for r in sample_reports]
    assert any(m.laws for m in described) and any(m.year for m in described)
    for metadata in described:
        assert Metadata.from_dict(metadata.as_dict()) == metadata  # every field: set whole
        older = {k: v for k, v in metadata.as_dict().items() if k != "doc_number"}
        older["gone_field"] = "?"  # a field an older version had
        back = Metadata.from_dict(older)
        assert back.doc_number == "" and back.title == metadata.title
        assert not hasattr(back, "gone_field")
