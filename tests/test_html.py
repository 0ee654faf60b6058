"""Web pages: the report without the page's chrome, nothing of it lost, and what the page says.

The wild pages are real portal and wiki layouts (tests/data/wild/MANIFEST.tsv); the small
pages are made here to pin one behaviour each.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.ingest import s1_html
from indexer.ingest.s1_html import decode_html, page_text, parse_html
from indexer.ingest.s1_properties import clean_page_title, html_evidence, iso_date
from indexer.ingest.s1_read import read_source
from indexer.models import Evidence

WILD = Path(__file__).resolve().parent / "data" / "wild"
DEQING = WILD / "03_德清县民政局2022年度法治政府建设工作报告.html"
SHAOXING = WILD / "art_1229_5123456.html"
LUXI = WILD / "lxzf_2019_0225_fzzfbg.htm"
YUNNAN = WILD / "政府工作报告_云南省人民政府门户网站.html"
WIKI = WILD / "政府工作报告 (1979年) - 维基文库，自由的图书馆.html"


def lines_of(path: Path) -> list[str]:
    """The page's text as read, one line per block, indents (　, &nbsp;) removed."""
    return [line.strip("\u3000\xa0 ") for line in read_source(path).text.split("\n")]


def chosen(path: Path) -> s1_html.PageText:
    markup, _ = decode_html(path.read_bytes())
    return page_text(markup, parse_html(markup))


# --- the report whole, the chrome gone, on real layouts ------------------------------------


def test_county_page_keeps_every_report_line_and_drops_header_sidebar_and_footer():
    lines = lines_of(DEQING)
    assert lines[0].startswith("2022年，县民政局坚持以习近平新时代中国特色社会主义思想为指导")
    assert lines[0].endswith("现将有关情况报告如下：")
    for heading in (
        "一、2022年度推进法治政府建设的主要举措和成效",
        "二、2022年度推进法治政府建设存在的不足和原因",
        "三、2023年度推进法治政府建设的主要安排",
        "（三）深入开展“八五”普法，提升民政服务对象的法治意识。",
    ):
        assert heading in lines
    assert lines[-2:] == ["德清县民政局", "2023年2月8日"]
    assert len(lines) == 14
    text = "\n".join(lines)
    for chrome in (
        "当前位置",
        "机构概况",
        "发布日期",
        "字号",
        "分享到",
        "扫一扫",
        "上一篇",
        "下一篇",
        "打印本页",
        "主办单位",
        "ICP备",
        "公网安备",
        "无障碍",
    ):
        assert chrome not in text


def test_policy_page_keeps_the_report_and_its_data_table_and_drops_the_info_table():
    lines = lines_of(SHAOXING)
    start, end = lines.index("省委、省政府："), lines.index("2024年1月26日")
    report = lines[start : end + 1]
    assert report[1].startswith("2023年，绍兴市坚持以习近平新时代中国特色社会主义思想为指导")
    assert "行政复议收案（件）\u30002104\u30002689\u3000+27.8%" in report
    assert "三、2024年工作打算" in report
    assert report[-2:] == ["绍兴市人民政府", "2024年1月26日"]
    text = "\n".join(lines)
    # The headline stays once; the info table (索引号 …) is evidence, not body text.
    assert text.count("关于绍兴市2023年法治政府建设工作情况的报告") == 1
    for chrome in (
        "索引号",
        "发文机关",
        "当前位置",
        "信息公开目录",
        "政府信息公开指南",
        "相关文章",
        "绍兴市2022年法治政府建设工作情况的报告",
        "ICP备",
        "技术支持",
    ):
        assert chrome not in text


def test_table_layout_page_with_br_lines_keeps_one_line_each_and_drops_the_frame():
    lines = lines_of(LUXI)
    assert lines[0].startswith("2018年，县人民政府在县委的正确领导下")
    assert "（四）依法有效化解社会矛盾纠纷。全年办理行政复议案件18件，行政应诉案件25件，" \
        "行政机关负责人出庭应诉率达85%。" in lines  # fmt: skip
    assert lines[-3:] == [
        "继续深入推进法治政府建设，强化行政执法监督，全面提升依法行政水平。",
        "泸溪县人民政府",
        "2019年2月20日",
    ]
    text = "\n".join(lines)
    for chrome in (
        "网站首页",
        "当前位置",
        "发布时间",
        "点击数",
        "打印本页",
        "关闭窗口",
        "版权所有",
        "ICP备",
        "技术支持",
    ):
        assert chrome not in text


def test_provincial_portal_keeps_dateline_speaker_and_closing_and_drops_related_news():
    lines = lines_of(YUNNAN)
    assert lines[:3] == [
        "——2026年1月27日在云南省第十四届人民代表大会第四次会议上",
        "云南省省长\u3000陈立新",
        "各位代表：",
    ]
    assert "三、2026年重点工作" in lines
    assert lines[-1].startswith("各位代表！让我们更加紧密地团结在以习近平同志为核心的党中央周围")
    text = "\n".join(lines)
    for chrome in (
        "今天是",
        "无障碍浏览",
        "您的位置",
        "来源：云南日报",
        "字体",
        "分享到",
        "扫一扫",
        "上一篇",
        "下一篇",
        "热点专题",
        "相关新闻",
        "图解：2026年云南省政府工作报告",
        "主办单位",
        "ICP备",
        "政府网站找错",
    ):
        assert chrome not in text


@pytest.mark.parametrize("path", [DEQING, SHAOXING, LUXI, YUNNAN])
def test_portal_pages_use_readabilitys_main_content(path):
    result = chosen(path)
    assert (result.main_content, result.missing) == (True, ())


def test_wiki_page_falls_back_to_the_whole_body_because_readability_drops_the_dateline():
    result = chosen(WIKI)
    assert not result.main_content
    assert "1979年6月18日在第五届全国人民代表大会第二次会议上" in result.missing
    lines = result.text.split("\n")
    dateline = lines.index("1979年6月18日在第五届全国人民代表大会第二次会议上")
    first, last = (
        lines.index("各位代表："),
        lines.index(
            "各位代表！我们的事业是正义的事业，我们的前途是光明的。让我们团结起来，"
            "为把我国建设成为社会主义的现代化强国而努力奋斗！"
        ),
    )
    assert dateline < first < last
    assert lines[first + 1 : first + 3] == [
        "第五届全国人民代表大会第一次会议以来，一年多过去了。现在，我代表国务院，向大会报告政府工作。",
        "一、关于国民经济的调整",
    ]


# --- the recall guard ----------------------------------------------------------------------

ITEM = (
    "<p>（{n}）坚持依法行政，全面推进法治政府建设，严格落实重大行政决策程序，"
    "持续整治形式主义为基层减负，第{n}项工作取得明显成效。</p>"
)
ITEMS = "".join(ITEM.format(n=n) for n in range(1, 9))
PLAN = "三、2024年工作打算：全面贯彻实施新修订的行政复议法，推动行政复议体制改革走深走实。"


def portal(article: str, extra: str = "") -> str:
    return f"""<html><head>
<title>关于2023年法治政府建设工作情况的报告_某某县人民政府门户网站</title></head><body>
<div class="crumbs">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a></div>
<div class="article"><div class="TRS_Editor">{article}</div>{extra}
<p style="text-align:right">某某县人民政府</p><p style="text-align:right">2024年1月26日</p></div>
<div class="share">分享到：<a>微信</a><a>微博</a></div>
<div class="page-turn"><p>上一篇：<a href="/1.html">某某县2022年法治政府建设工作情况的报告</a></p>
<p>下一篇：<a href="/2.html">关于开展2024年普法工作的通知</a></p></div>
<div class="links"><h3>相关链接</h3><ul>
<li><a href="#">关于进一步加强行政复议工作、推动行政争议实质性化解的通知。</a></li>
<li><a href="#">国务院办公厅关于加强行政规范性文件制定和监督管理工作的通知；</a></li></ul></div>
<div class="footer"><p>主办单位：某某县人民政府办公室　浙ICP备12345678号</p>
<p>本网站所有内容未经授权不得转载，如需使用请与本网站管理员联系取得书面同意。</p></div>
</body></html>"""


def test_hand_made_portal_page_loses_its_chrome_and_keeps_the_signature():
    page = portal(ITEMS + f"<p>{PLAN}</p>")
    result = chosen_markup(page)
    assert result.main_content
    lines = result.text.split("\n")
    assert lines[0].startswith("（1）坚持依法行政") and PLAN in lines
    assert lines[-2:] == ["某某县人民政府", "2024年1月26日"]
    for chrome in (
        "当前位置",
        "分享到",
        "上一篇",
        "下一篇",
        "相关链接",
        "主办单位",
        "ICP备",
        "转载",
    ):
        assert chrome not in result.text


def chosen_markup(page: str) -> s1_html.PageText:
    return page_text(page, parse_html(page))


def test_a_paragraph_readability_drops_makes_the_whole_body_the_text():
    # readability scores a "promo" block as clutter and drops it with the paragraph inside.
    page = portal(ITEMS, extra=f'<div class="promo"><p>{PLAN}</p></div>')
    result = chosen_markup(page)
    assert (result.main_content, result.missing) == (False, (PLAN,))
    assert PLAN in result.text.split("\n")
    assert result.text == s1_html._html_text(parse_html(page).body)


def test_sentences_in_link_lists_navigation_and_footers_do_not_force_the_fallback():
    # The page above has sentence-like link titles (。/；) and a footer sentence: exempt.
    result = chosen_markup(portal(ITEMS))
    assert result.main_content


def test_a_small_data_table_readability_drops_makes_the_whole_body_the_text():
    table = "<table><tr><td>复议</td><td>12件</td></tr><tr><td>应诉</td><td>3件</td></tr></table>"
    result = chosen_markup(portal(ITEMS + table))
    assert not result.main_content
    assert result.missing == ("复议12件", "应诉3件")
    assert "复议\u300012件" in result.text and "应诉\u30003件" in result.text


def test_readability_failing_means_the_whole_body(monkeypatch):
    class Broken:
        def __init__(self, markup):
            pass

        def summary(self, html_partial):
            raise ValueError("no candidates")

    monkeypatch.setattr(s1_html, "Document", Broken)
    page = portal(ITEMS)
    result = chosen_markup(page)
    assert (result.main_content, result.reason) == (False, "readability failed: ValueError")
    assert result.text == s1_html._html_text(parse_html(page).body)


def test_readability_keeping_almost_nothing_means_the_whole_body(monkeypatch):
    class Tiny:
        def __init__(self, markup):
            pass

        def summary(self, html_partial):
            return "<div><p>某某县人民政府</p></div>"

    monkeypatch.setattr(s1_html, "Document", Tiny)
    result = chosen_markup(portal(ITEMS))
    assert (result.main_content, result.reason) == (False, "readability kept almost nothing")
    assert "（8）坚持依法行政" in result.text


# --- evidence from the page ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            SHAOXING,
            [
                Evidence("title", "关于绍兴市2023年法治政府建设工作情况的报告", "html_h1"),
                Evidence("issuer", "绍兴市人民政府", "info_table"),
                Evidence("date", "2024-01-26", "info_table"),
                Evidence("title", "关于绍兴市2023年法治政府建设工作情况的报告", "info_table"),
                Evidence("doc_number", "绍政〔2024〕3号", "info_table"),
                Evidence("published", "2024-01-30", "html_meta"),
            ],
        ),
        (
            YUNNAN,
            [
                Evidence("title", "政府工作报告", "html_h1"),
                Evidence("date", "2026-01-27", "html_title"),
                Evidence("published", "2026-02-03", "html_meta"),
            ],
        ),
        (
            DEQING,
            [
                Evidence("title", "德清县民政局2022年度法治政府建设工作报告", "html_h1"),
                Evidence("published", "2023-02-10", "html_meta"),
            ],
        ),
        (
            LUXI,
            [
                Evidence("title", "泸溪县人民政府2018年法治政府建设工作报告", "html_h1"),
                Evidence("published", "2019-02-25", "html_meta"),
            ],
        ),
        (WIKI, [Evidence("title", "政府工作报告 (1979年)", "html_h1")]),
    ],
    ids=["shaoxing", "yunnan", "deqing", "luxi", "wiki"],
)
def test_wild_pages_say_what_they_are_with_the_source_of_each_statement(path, expected):
    assert list(read_source(path).evidence) == expected


def head_page(head: str, body: str) -> str:
    return f"<html><head>{head}</head><body>{body}<p>{PLAN}</p></body></html>"


def evidence_of(page: str) -> list[Evidence]:
    return list(html_evidence(parse_html(page)))


def test_each_distinct_title_is_reported_in_order_h1_meta_title():
    page = head_page(
        '<meta name="articletitle" content="某某县2023年法治政府建设年度报告（全文）">'
        "<title>2023年法治政府建设年度报告_通知公告_某某县人民政府</title>",
        '<div class="logo"><h1>某某县人民政府</h1></div><h1>某某县2023年法治政府建设年度报告</h1>',
    )
    assert evidence_of(page) == [
        Evidence("title", "某某县2023年法治政府建设年度报告", "html_h1"),
        Evidence("title", "2023年法治政府建设年度报告", "html_title"),
    ]


def test_without_h1_a_title_classed_heading_is_the_headline_not_a_sidebar_column_title():
    page = head_page(
        "<title>首页</title>",
        '<aside><div class="col-title">县民政局</div></aside>'
        '<div class="box-title">通知公告</div>'
        '<h2 class="article-title">县民政局2023年工作总结</h2>',
    )
    assert evidence_of(page) == [
        Evidence("title", "县民政局2023年工作总结", "html_h1"),
        Evidence("title", "首页", "html_title"),
    ]


def test_a_title_that_is_only_the_site_name_or_a_placeholder_is_no_title():
    page = head_page("<title>某某市人民政府门户网站</title>", "<h1>无标题文档</h1>")
    assert evidence_of(page) == []


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("德清县民政局2022年度报告_德清县人民政府门户网站", "德清县民政局2022年度报告"),
        ("关于绍兴市2023年法治政府建设工作情况的报告_绍兴市人民政府", "关于绍兴市2023年法治…"),
        ("泸溪县人民政府2018年法治政府建设工作报告--泸溪县政府门户网", "泸溪县人民政府2018年…"),
        ("政府工作报告 (1979年) - 维基文库，自由的图书馆", "政府工作报告 (1979年)"),
        ("2026年湖南省政府工作报告（全文）_湖南要闻_湖南省人民政府门户网站", "2026年湖南省…"),
        ("法治政府建设实施纲要（2021-2025年）", "法治政府建设实施纲要（2021-2025年）"),
        ("某某县2023年工作总结_工作动态", "某某县2023年工作总结_工作动态"),
    ],
)
def test_page_titles_lose_site_suffixes_and_nothing_else(title, expected):
    # "…" in `expected` stands for the rest of `title` up to its site suffix.
    if expected.endswith("…"):
        expected = title[: title.index("_" if "_" in title else "--")].replace("（全文）", "")
    assert clean_page_title(title) == (expected, None)


def test_a_title_dateline_is_the_reports_date_not_part_of_its_title():
    title = (
        "政府工作报告——2026年1月27日在云南省第十四届人民代表大会第四次会议上"
        "_云南要闻_云南省人民政府门户网站"
    )
    assert clean_page_title(title) == ("政府工作报告", "2026-01-27")


INFO_DIVS = """<div class="xxgk">
<div class="row"><label>索&nbsp;引&nbsp;号：</label><span>11330100MB1234567X/2024-00012</span></div>
<div class="row"><label>发文机关：</label><span>杭州市司法局</span></div>
<div class="row"><label>成文日期：</label><span>2024年01月29日</span></div>
<div class="row"><label>发文字号：</label><span></span></div>
<div class="row"><label>发布日期：</label><span>2024-02-05</span></div>
<ul><li><b>标　　题：</b>杭州市司法局2023年法治政府建设年度报告</li></ul>
</div>"""


def test_info_table_in_label_value_divs_gives_issuer_date_and_title_not_an_empty_doc_number():
    page = head_page('<meta name="PubDate" content="2024-02-05 09:30">', INFO_DIVS)
    assert evidence_of(page) == [
        Evidence("issuer", "杭州市司法局", "info_table"),
        Evidence("date", "2024-01-29", "info_table"),
        Evidence("title", "杭州市司法局2023年法治政府建设年度报告", "info_table"),
        Evidence("published", "2024-02-05", "html_meta"),
    ]


def test_a_lone_label_in_the_text_is_no_info_table():
    page = head_page("", "<p>标题：</p><p>关于开展普法工作的通知</p>")
    assert evidence_of(page) == []


def test_the_whole_body_fallback_keeps_the_info_table_in_the_text_as_before(monkeypatch):
    class Broken:
        def __init__(self, markup):
            pass

        def summary(self, html_partial):
            raise ValueError("no candidates")

    monkeypatch.setattr(s1_html, "Document", Broken)
    markup = portal(ITEMS, extra=INFO_DIVS)
    result = chosen_markup(markup)
    assert not result.main_content
    lines = result.text.split("\n")
    assert lines[lines.index("发文机关：杭州市司法局") + 1] == "成文日期：2024年01月29日"
    assert Evidence("issuer", "杭州市司法局", "info_table") in evidence_of(markup)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-26", "2024-01-26"),
        ("2024年1月26日", "2024-01-26"),
        ("2024/01/26 16:40", "2024-01-26"),
        ("2024年1月", "2024-01"),
        ("2024", "2024"),
        ("2024-02-30", None),
        ("二〇二四年一月", None),
        ("", None),
    ],
)
def test_iso_dates_are_read_as_written_and_never_repaired(text, expected):
    assert iso_date(text) == expected
