"""Clutter of government portals, download sites and wikis, as it appears in the wild.

Every case takes its lines from a real-shaped file: tests/data/wild (txt and html), the
congress reports (tests/data/congress), the bundled sample. Each
asserts that the clutter goes AND that the report paragraphs around it stay unchanged.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from indexer.ingest.s1_read import read_source
from indexer.ingest.s2_clean import (
    CleanedText,
    clean_paragraphs,
    clean_source,
    is_clutter,
    split_lines,
)
from indexer.ingest.s3_split import split_reports
from indexer.models import Evidence
from tests.corpora import CONGRESS
from tests.helpers import nonempty

TESTS = Path(__file__).parent
WILD = TESTS / "data" / "wild"
SAMPLE = TESTS.parent / "data" / "sample" / "000_61bc35062b802780.txt"

# Where a wiki licence block starts ("本作品来自…", "这部作品在…"): the end of the body.
LICENCE_START = re.compile(r"(本|这部)作品")


@cache
def wild_text(name: str) -> str:
    """A wild file's text as the reader decodes it (修文… is GB18030)."""
    return read_source(WILD / name).text


@cache
def html_flat(name: str) -> str:
    """A wild HTML page's visible text with all whitespace removed."""
    soup = BeautifulSoup((WILD / name).read_bytes(), "html.parser")
    for tag in soup(["script", "style"]):
        tag.decompose()
    return re.sub(r"\s+", "", soup.get_text())


def congress_files() -> list[Path]:
    return nonempty(sorted(CONGRESS.glob("*.txt")), "congress files")


def assert_dropped_and_neighbours_kept(
    text: str, clutter: list[str], neighbours: list[str]
) -> list[str]:
    paragraphs = clean_paragraphs(text)
    flat = "\n".join(paragraphs)
    rest = "\n".join(line for line in split_lines(text) if line not in clutter)
    for line in clutter:
        assert line in split_lines(text), f"not a line of the source: {line!r}"
        assert line not in paragraphs, f"survived: {line!r}"
        # Nor merged into a paragraph ("大" and ">" occur in the report's own sentences).
        assert flat.count(line) <= rest.count(line), f"survived inside a paragraph: {line!r}"
    for paragraph in neighbours:
        assert paragraph in paragraphs, f"report paragraph lost or changed: {paragraph!r}"
    return paragraphs


# --- One case per clutter pattern, in files as found ----------------------------------

HUNAN = "hunan_gov_2026.txt"
XIUWEN = "修文县民政局2021年法治政府建设工作情况报告.txt"
JIANGXI = "江西省生态环境厅2023年法治政府建设年度报告.txt"
STATE_1955 = "1955年中华人民共和国国务院政府工作报告.txt"
STATE_2020 = "政府工作报告(2020-05-22).txt"
PACK_5 = "法治政府建设年度报告汇编（5篇）.txt"

HUNAN_HEADLINE = "2026年湖南省政府工作报告（全文）"
HUNAN_DATELINE = "——2026年1月27日在湖南省第十四届人民代表大会第四次会议上"
HUNAN_LAST = (
    "各位代表！新征程号角已经吹响，新使命催人奋进。让我们更加紧密地团结在以习近平同志为核心的"
    "党中央周围，奋力谱写中国式现代化湖南篇章！"
)
XIUWEN_TITLE = "修文县民政局2021年法治政府建设工作情况报告"
JIANGXI_TITLE = "江西省生态环境厅2023年法治政府建设年度报告"


WILD_TXT_CASES = {
    "breadcrumb one item per line": (
        HUNAN,
        ["您的位置:", "首页", ">", "湖南要闻", "正文"],
        [HUNAN_HEADLINE],
    ),
    "breadcrumb on one line": (
        XIUWEN,
        ["当前位置：首页 > 政务公开 > 部门信息公开 > 修文县民政局 > 法治政府建设"],
        [XIUWEN_TITLE],
    ),
    "source line and bare datetime under the headline": (
        HUNAN,
        ["来源：湖南日报", "2026-01-30 08:15:20"],
        [HUNAN_HEADLINE, HUNAN_DATELINE],
    ),
    "font-size widget split over lines, and 打印": (
        HUNAN,
        ["【字体：", "大", "中", "小", "】", "打印"],
        [HUNAN_DATELINE, "湖南省省长\u3000刘振华"],
    ),
    "meta lines: 发布时间/来源/浏览次数, 作者/责任编辑": (
        XIUWEN,
        [
            "发布时间：2022-01-12 10:23\u3000来源：修文县民政局\u3000浏览次数：386",
            "作者：县民政局\u3000责任编辑：王敏",
        ],
        [XIUWEN_TITLE],
    ),
    "font, print, close and bookmark widgets on one line": (
        XIUWEN,
        ["【字体：大 中 小】【打印本页】【关闭窗口】【收藏】"],
        [XIUWEN_TITLE],
    ),
    "meta line with font widget and 打印": (
        JIANGXI,
        ["发布时间：2024-02-02 09:30\u3000来源：政策法规处\u3000【字体：大 中 小】\u3000打印"],
        [JIANGXI_TITLE],
    ),
    "share bar with one platform per line": (
        HUNAN,
        ["分享到：", "微信", "微博", "QQ空间"],
        [HUNAN_LAST],
    ),
    "lone share bar at the end": (
        STATE_2020,
        ["分享到："],
        [
            "各位代表！中华民族在五千多年的历史长河中历经磨难，从来没有被压垮过，而是愈挫愈勇。"
            "我们要奋力完成全年经济社会发展目标任务，为实现“两个一百年”奋斗目标、实现中华民族伟大复兴"
            "的中国梦而不懈奋斗！"
        ],
    ),
    "print and close, one per line and side by side": (
        JIANGXI,
        ["打印本页\u3000关闭窗口", "【我要纠错】\u3000责任编辑：李华"],
        ["江西省生态环境厅", "2024年1月29日"],
    ),
    "【打印本页】【关闭窗口】 and prev/next links": (
        HUNAN,
        [
            "【打印本页】",
            "【关闭窗口】",
            "上一篇：省政府召开第五十八次常务会议",
            "下一篇：全省春运工作电视电话会议召开",
        ],
        [HUNAN_LAST],
    ),
    "扫一扫在手机打开当前页": (
        XIUWEN,
        ["扫一扫在手机打开当前页"],
        ["修文县民政局", "二○二二年一月十日"],
    ),
    "link list of other sites": (
        XIUWEN,
        ["相关链接：", "国务院", "贵州省人民政府", "贵阳市人民政府"],
        ["修文县民政局", "二○二二年一月十日"],
    ),
    "link list holding another year's report title": (
        JIANGXI,
        ["相关稿件", "江西省生态环境厅2022年法治政府建设年度报告"],
        ["江西省生态环境厅", "2024年1月29日"],
    ),
    "site footer: 主办/承办, 网站标识码/ICP备/公网安备, 技术支持": (
        HUNAN,
        [
            "主办：湖南省人民政府办公厅\u3000承办：湖南省人民政府发展研究中心",
            "网站标识码：4300000039\u3000湘ICP备05004841号\u3000湘公网安备 43010502000015号",
            "技术支持：湖南省大数据中心",
        ],
        [HUNAN_LAST],
    ),
    "site footer: 主办单位/承办单位, ICP备…-1, 建议使用…分辨率": (
        XIUWEN,
        [
            "主办单位：修文县人民政府办公室\u3000承办单位：修文县大数据发展中心",
            "网站标识码：5201230001\u3000黔ICP备10001234号-1\u3000贵公网安备 52012302000123号",
            "技术支持：贵州某某信息技术有限公司\u3000建议使用1920×1080分辨率浏览本站",
        ],
        ["修文县民政局", "二○二二年一月十日"],
    ),
    "wiki licence block split around links, Public domain, false": (
        STATE_1955,
        [
            "本作品来自1949年10月1日（含）之后的中华人民共和国政府文件。根据《中华人民共和国著作权法》"
            "第五条，本作品不适用于该法，所以属于",
            "公有领域",
            "↑",
            "2024年社群共识",
            "版权失效模板",
            "本作品在全世界都属于公有领域，因为作者逝世已经超过100年，并且于1930年1月1日之前出版。",
            "Public domain",
            "false",
        ],
        [
            "各位代表！我们的任务是光荣的，也是艰巨的。只要我们团结一致，努力奋斗，我们就一定能够完成"
            "第一个五年计划，把我国逐步建设成为一个伟大的社会主义国家。"
        ],
    ),
    "download site: date list, 更新时间…下载docx, 下载到电脑, 推荐度": (
        PACK_5,
        [
            "2024-03-15",
            "更新时间:2024-03-11 21:00:23 发布时间:24小时内 作者:文/会员上传 下载docx",
            "将本文的Word文档下载到电脑",
            "推荐度:",
        ],
        ["中共桐乡市委、桐乡市人民政府：", "平湖市教育局", "2024年1月22日"],
    ),
}


@pytest.mark.parametrize(
    ("name", "clutter", "neighbours"), WILD_TXT_CASES.values(), ids=list(WILD_TXT_CASES)
)
def test_clutter_of_a_wild_text_is_dropped_and_its_neighbours_kept(
    name: str, clutter: list[str], neighbours: list[str]
) -> None:
    assert_dropped_and_neighbours_kept(wild_text(name), clutter, neighbours)


# Lines as the HTML pages render them (the text of a page copied, or an extractor that
# keeps the page chrome), around report paragraphs of the same page.
SHAOXING = "art_1229_5123456.html"
YUNNAN = "政府工作报告_云南省人民政府门户网站.html"
DEQING = "03_德清县民政局2022年度法治政府建设工作报告.html"
LUXI = "lxzf_2019_0225_fzzfbg.htm"
WIKI_1979 = "政府工作报告 (1979年) - 维基文库，自由的图书馆.html"

SHAOXING_OPENING = (
    "2023年，绍兴市坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻党的二十大精神和"
    "习近平法治思想，全面落实《法治政府建设实施纲要（2021—2025年）》和省委、省政府决策部署，"
    "法治政府建设取得新进展。现将有关情况报告如下："
)
YUNNAN_LAST = (
    "各位代表！让我们更加紧密地团结在以习近平同志为核心的党中央周围，在省委坚强领导下，团结奋斗、"
    "真抓实干，为谱写中国式现代化云南篇章作出新的更大贡献！"
)
LUXI_OPENING = (
    "2018年，县人民政府在县委的正确领导下，在县人大及其常委会的监督支持下，全面贯彻落实《法治政府"
    "建设实施纲要（2015\u20152020年）》，扎实推进依法行政，法治政府建设取得明显成效。现将有关情况报告如下："
)
WIKI_LAST = (
    "各位代表！我们的事业是正义的事业，我们的前途是光明的。让我们团结起来，为把我国建设成为社会主义的"
    "现代化强国而努力奋斗！"
)

DEQING_OPENING = (
    "2022年，县民政局坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻习近平法治思想，"
    "紧紧围绕县委、县政府中心工作，扎实推进民政领域法治建设。现将有关情况报告如下："
)

# name: (page, clutter before the headline, [headline, *report paragraphs], clutter right
# after the headline, clutter after the report)
WILD_HTML_CASES = {
    "top bar, nav menu one item per line, breadcrumb, meta line with datetime": (
        YUNNAN,
        [
            "今天是： 无障碍浏览 | 长者模式 | 简体 | 繁體 | English | 登录",
            "首页",
            "政务公开",
            "政务服务",
            "互动交流",
            "走进云南",
            "数据发布",
            "您的位置: 首页 > 云南要闻 > 正文",
        ],
        [
            "政府工作报告",
            "——2026年1月27日在云南省第十四届人民代表大会第四次会议上",
            "各位代表：",
            YUNNAN_LAST,
        ],
        ["来源：云南日报2026-02-03 09:02:33 【字体：大 中 小】 打印"],
        [],
    ),
    "footer with sidebar link lists and a nav bar": (
        YUNNAN,
        [],
        ["政府工作报告", "各位代表：", YUNNAN_LAST],
        [],
        [
            "分享到：微信微博QQ空间",
            "扫一扫在手机打开当前页",
            "【打印本页】【关闭窗口】",
            "上一篇：省政府召开第六十二次常务会议",
            "下一篇：全省春耕备耕工作推进会召开",
            "热点专题",
            "学习贯彻党的二十届四中全会精神",
            "2026年全省两会",
            "优化营商环境",
            "相关新闻",
            "省十四届人大四次会议开幕",
            "政府工作报告解读",
            "图解：2026年云南省政府工作报告",
            "关于我们 | 网站地图 | 联系我们 | 法律声明",
            "主办单位：云南省人民政府办公厅\u3000承办单位：云南省数字经济局",
            "网站标识码：5300000033\u3000滇ICP备05003460号\u3000滇公网安备 53010202000573号",
            "政府网站找错",
        ],
    ),
    "portal menu between breadcrumb and info table": (
        SHAOXING,
        [
            "首页",
            "政务公开",
            "政务服务",
            "政民互动",
            "走进绍兴",
            "当前位置：首页 > 政务公开 > 法定主动公开内容 > 法治政府建设",
            "信息公开目录",
            "机构职能",
            "政策文件",
            "规划信息",
            "法治政府建设",
            "财政预决算",
            "政府信息公开指南政府信息公开年报依申请公开",
            "索引号：",
            "001-2024-0012345",
            "有效性：",
            "有效",
        ],
        ["关于绍兴市2023年法治政府建设工作情况的报告", "省委、省政府：", SHAOXING_OPENING],
        [
            "发布时间：2024-01-30 16:40\u3000信息来源：市司法局\u3000浏览次数：1024 \u3000"
            "字号：大 中 小"
        ],
        [],
    ),
    "attachment link, one-line share bar with [ 打印本页 ], related articles, footer": (
        SHAOXING,
        [],
        [
            "关于绍兴市2023年法治政府建设工作情况的报告",
            SHAOXING_OPENING,
            "绍兴市人民政府",
            "2024年1月26日",
        ],
        [],
        [
            "附件下载：绍兴市2023年法治政府建设工作情况的报告.pdf",
            "分享到：微信新浪微博QQ空间 [ 打印本页 ][ 关闭窗口 ][ 收藏 ]",
            "相关文章",
            "绍兴市2022年法治政府建设工作情况的报告",
            "绍兴市司法局2023年法治政府建设年度报告",
            "绍兴市人民政府办公室主办\u3000绍兴市大数据发展管理局承办",
            "网站标识码：3306000001\u3000浙ICP备05013698号\u3000浙公网安备 33060202000123号",
            "联系电话：0575-85201234（工作日）\u3000技术支持：浙江政务服务网",
        ],
    ),
    "meta line run together, 字号：T|T|T, 视力保护色, 上一篇/下一篇": (
        DEQING,
        ["当前位置：首页 > 政务公开 > 部门信息公开 > 县民政局"],
        [
            "德清县民政局2022年度法治政府建设工作报告",
            DEQING_OPENING,
            "德清县民政局",
            "2023年2月8日",
        ],
        ["发布日期：2023-02-10来源：县民政局作者：办公室阅读量：582 字号：T|T|T视力保护色："],
        [
            "分享到：",
            "扫一扫在手机打开当前页",
            "上一篇：德清县民政局2022年政府信息公开工作年度报告",
            "下一篇：德清县民政局关于开展2023年度养老服务质量提升行动的通知",
            "打印本页 关闭窗口",
        ],
    ),
    "old table-layout portal: nav bar, 首页>>, 【大 中 小】, 版权所有, 地址/电话": (
        LUXI,
        [
            "网站首页 | 政务公开 | 办事服务 | 公众互动 | 泸溪概况",
            "当前位置：首页>>政务公开>>法治政府建设",
        ],
        [
            "泸溪县人民政府2018年法治政府建设工作报告",
            LUXI_OPENING,
            "泸溪县人民政府",
            "2019年2月20日",
        ],
        ["发布时间：2019-02-25    信息来源：县司法局    点击数：    【大 中 小】"],
        [
            "【打印本页】【关闭窗口】",
            "版权所有：泸溪县人民政府  主办：泸溪县人民政府办公室  湘ICP备12003456号",
            "地址：泸溪县白沙镇  电话：0743-4260000  技术支持：湘西某某网络公司",
        ],
    ),
    "wiki page: site tagline, ←previous/next→ reports, licence, categories, MediaWiki chrome": (
        WIKI_1979,
        ["维基文库，自由的图书馆", "←政府工作报告 (1978年)"],
        ["政府工作报告", "各位代表：", WIKI_LAST],
        ["1979年6月18日在第五届全国人民代表大会第二次会议上", "政府工作报告 (1980年)→"],
        [
            "本作品来自1949年10月1日（含）之后的中华人民共和国政府文件。根据《中华人民共和国著作权法》"
            "第五条，本作品不适用于该法，所以属于公有领域。",
            "对于已超出保护期的其他文件，应使用版权失效模板。",
            "Public domain",
            "分类：",
            "1979年作品",
            "中华人民共和国国务院政府工作报告",
            "PD-PRC-exempt",
            "导航菜单",
            "登录",
            "查看历史",
            "下载为PDF",
            "此页面最后编辑于2024年3月5日 (星期二) 08:12。",
            "本站的文字内容可在知识共享 署名-相同方式共享 4.0协议之条款下提供，"
            "附加条款亦可能应用。",
            "隐私政策",
            "手机版视图",
        ],
    ),
}


@pytest.mark.parametrize(
    ("name", "head", "report", "under_headline", "tail"),
    WILD_HTML_CASES.values(),
    ids=list(WILD_HTML_CASES),
)
def test_clutter_of_a_wild_page_is_dropped_and_its_neighbours_kept(
    name: str, head: list[str], report: list[str], under_headline: list[str], tail: list[str]
) -> None:
    flat = html_flat(name)
    for line in [*head, *report, *under_headline, *tail]:
        assert re.sub(r"\s+", "", line) in flat, f"not on the page {name}: {line!r}"
    text = "\n".join([*head, report[0], *under_headline, *report[1:], *tail])
    if name == WIKI_1979:  # the dateline under the wiki headline is text, not clutter
        under_headline = under_headline[1:]
        report = [*report, "1979年6月18日在第五届全国人民代表大会第二次会议上"]
    assert_dropped_and_neighbours_kept(text, [*head, *under_headline, *tail], report)


def test_congress_wiki_tails_lose_licence_and_footnote_markers() -> None:
    for path in congress_files():
        text = path.read_text(encoding="utf-8")
        paragraphs = clean_paragraphs(text)
        leftovers = [
            p
            for p in paragraphs
            if p
            in {
                "Public domain",
                "false",
                "↑",
                "[",
                "]",
                "。",
                "公有领域",
                "公有領域",
                "版权失效模板",
            }
            or re.search(r"公有领域|公有領域|版权失效|社群共识|维基文库|Public domain", p)
        ]
        assert not leftovers, f"{path.name}: {leftovers[:5]}"


def test_wiki_footnote_notes_stay_but_their_markers_go() -> None:
    path = next(p for p in congress_files() if p.name.startswith("03_"))
    lines = split_lines(path.read_text(encoding="utf-8"))
    paragraphs = clean_paragraphs("\n".join(lines))
    assert lines.count("↑") == 5 and "↑" not in paragraphs
    assert "為代表大會之誤，下同。" in paragraphs
    # The inline references "[ / 1 / ]" go, and the sentence they sat in is one again.
    assert "[" not in paragraphs and "]" not in paragraphs
    for joined in (
        "現在我代表中央委員會作關於上屆代表會議以來的工作報告。",
        "鄧同志在唐山和科烏礦工",
    ):
        assert any(p.startswith(joined) for p in paragraphs), joined


# --- The bodies of reports are never touched ------------------------------------------


def body_texts() -> list[tuple[str, str]]:
    """(name, text) of files whose every paragraph up to a licence block is report text."""
    texts = [("sample", SAMPLE.read_text(encoding="utf-8"))]
    texts += [(p.name, p.read_text(encoding="utf-8")) for p in congress_files()]
    texts += [(p.name, wild_text(p.name)) for p in sorted(WILD.glob("*.txt"))]
    return texts


def test_no_rule_drops_a_sentence_of_a_report_body() -> None:
    for name, text in body_texts():
        lines = split_lines(text)
        end = next((i for i, line in enumerate(lines) if LICENCE_START.match(line)), len(lines))
        body = [line for line in lines[:end] if "。" in line]
        paragraphs = clean_paragraphs(text)
        flat = "\n".join(paragraphs)
        # Every sentence line is in a paragraph, as written; and no 。 more or less.
        assert [line for line in body if line not in flat] == [], name
        assert sum(line.count("。") for line in body) == flat.count("。"), name


def test_paragraphs_with_a_full_stop_are_as_many_after_cleaning_as_before() -> None:
    for name, text in body_texts():
        lines = split_lines(text)
        end = next((i for i, line in enumerate(lines) if LICENCE_START.match(line)), len(lines))
        before = [p for p in clean_paragraphs("\n".join(lines[:end])) if "。" in p]
        after = [p for p in clean_paragraphs(text) if "。" in p]
        assert after == before, name


def test_clutter_no_longer_becomes_a_report_of_its_own() -> None:
    for name, first in ((HUNAN, HUNAN_HEADLINE), (XIUWEN, XIUWEN_TITLE), (JIANGXI, JIANGXI_TITLE)):
        reports = split_reports(clean_paragraphs(wild_text(name)))
        assert len(reports) == 1, name
        assert reports[0][0] == first, name


def test_titles_in_link_lists_never_survive() -> None:
    text = wild_text(JIANGXI)
    paragraphs = clean_paragraphs(text)
    assert "江西省生态环境厅2022年法治政府建设年度报告" in text
    assert not [p for p in paragraphs if "2022年法治政府建设年度报告" in p]


# --- Lines that look like clutter but belong to a report ------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # 地址/联系电话 in the body, or at the end with no site footer after them.
        "一、基本情况\n地址：贵州省修文县龙场镇\n联系电话：0851-82322222\n二、主要工作\n全年办理案件18件。",
        "全年办理行政复议案件18件。\n联系人：张敏\n联系电话：0851-82322222",
        # A source line that is a sentence of the report.
        "来源：据县统计局统计，全年新增经营主体1.1万户。",
        # A report's own 目录-like short lines between paragraphs.
        "全年办理案件18件。\n政务公开\n政务服务\n互动交流\n全年办结率99%。",
        # The title of a report right before its opening paragraph, after a link header.
        "相关链接：\n甲县司法局2023年法治政府建设工作报告\n2023年，我局坚持依法行政，全年办理案件18件。",
    ],
)
def test_report_lines_shaped_like_clutter_are_kept(text: str) -> None:
    paragraphs = clean_paragraphs(text)
    for line in text.split("\n"):
        if line not in ("相关链接：",):
            assert any(line in p for p in paragraphs), line


def test_a_footer_line_of_the_report_itself_is_kept_before_the_site_footer() -> None:
    text = (
        "全年办理行政复议案件18件。\n甲县司法局\n2024年1月5日\n联系电话：0851-82322222\n"
        "【打印本页】【关闭窗口】\n主办：甲县人民政府办公室\n地址：甲县人民路1号\n"
        "网站标识码：5201230001\u3000黔ICP备10001234号-1"
    )
    paragraphs = clean_paragraphs(text)
    assert paragraphs == [
        "全年办理行政复议案件18件。",
        "甲县司法局",
        "2024年1月5日",
        "联系电话：0851-82322222",
    ]


# --- Evidence from the page: info table and page meta ---------------------------------


def test_clean_source_returns_paragraphs_and_evidence() -> None:
    cleaned = clean_source(wild_text(JIANGXI))
    assert isinstance(cleaned, CleanedText)
    assert cleaned.paragraphs == clean_paragraphs(wild_text(JIANGXI))
    with pytest.raises(AttributeError):
        cleaned.evidence = ()  # type: ignore[misc]


def test_info_table_one_label_per_line_becomes_evidence() -> None:
    cleaned = clean_source(wild_text(JIANGXI))
    assert cleaned.evidence == (
        Evidence("issuer", "江西省生态环境厅", "info_table"),
        Evidence("date", "2024-01-29", "info_table"),
        Evidence("title", JIANGXI_TITLE, "info_table"),
        Evidence("published", "2024-02-02", "page_meta"),
        Evidence("source_site", "政策法规处", "page_meta"),
    )
    for line in (
        "索  引  号：",
        "014500307/2024-00021",
        "环境保护/法治政府建设",
        "发文字号：",
        "2024年02月02日",
    ):
        assert not [p for p in cleaned.paragraphs if line in p]
    # The headline, a repeat of the 标题 value, stays as the report's first paragraph.
    assert cleaned.paragraphs[0] == JIANGXI_TITLE
    assert cleaned.paragraphs[1].startswith("2023年，省生态环境厅坚持")


SHAOXING_TABLE = [
    "索引号：",
    "001-2024-0012345",
    "主题分类：",
    "政府工作/法治政府建设",
    "发文机关：",
    "绍兴市人民政府",
    "成文日期：",
    "2024-01-26",
    "标\u3000\u3000题：",
    "关于绍兴市2023年法治政府建设工作情况的报告",
    "发文字号：",
    "绍政〔2024〕3号",
    "发布日期：",
    "2024-01-30",
    "有效性：",
    "有效",
]


def test_info_table_of_a_portal_page_gives_issuer_date_title_and_doc_number() -> None:
    flat = html_flat(SHAOXING)
    assert re.sub(r"\s+", "", "".join(SHAOXING_TABLE)) in flat
    text = "\n".join(
        [
            *SHAOXING_TABLE,
            "关于绍兴市2023年法治政府建设工作情况的报告",
            "省委、省政府：",
            SHAOXING_OPENING,
        ]
    )
    cleaned = clean_source(text)
    assert cleaned.paragraphs == [
        "关于绍兴市2023年法治政府建设工作情况的报告",
        "省委、省政府：",
        SHAOXING_OPENING,
    ]
    assert cleaned.evidence == (
        Evidence("issuer", "绍兴市人民政府", "info_table"),
        Evidence("date", "2024-01-26", "info_table"),
        Evidence("title", "关于绍兴市2023年法治政府建设工作情况的报告", "info_table"),
        Evidence("doc_number", "绍政〔2024〕3号", "info_table"),
        Evidence("published", "2024-01-30", "page_meta"),
    )


@pytest.mark.parametrize(
    "table",
    [
        # label and value on one line, two pairs a line
        "索 引 号：001-2024-0012345\u3000主题分类：政府工作\n"
        "发文机关：绍兴市人民政府\u3000成文日期：2024年01月26日\n"
        "标\u3000\u3000题：关于绍兴市2023年法治政府建设工作情况的报告\n发文字号：绍政〔2024〕3号\u3000发布日期：2024-01-30",
        # a Markdown table
        "| 索引号 | 001-2024-0012345 | 主题分类 | 政府工作 |\n|---|---|---|---|\n"
        "| 发文机关 | 绍兴市人民政府 | 成文日期 | 2024年01月26日 |\n"
        "| 标题 | 关于绍兴市2023年法治政府建设工作情况的报告 | 发文字号 | 绍政〔2024〕3号 |\n"
        "| 发布日期 | 2024-01-30 | 有效性 | 有效 |",
    ],
    ids=["pairs on a line", "markdown table"],
)
def test_info_table_in_other_layouts_gives_the_same_evidence(table: str) -> None:
    cleaned = clean_source(table + "\n" + SHAOXING_OPENING)
    assert cleaned.paragraphs == [SHAOXING_OPENING]
    assert cleaned.evidence == (
        Evidence("issuer", "绍兴市人民政府", "info_table"),
        Evidence("date", "2024-01-26", "info_table"),
        Evidence("title", "关于绍兴市2023年法治政府建设工作情况的报告", "info_table"),
        Evidence("doc_number", "绍政〔2024〕3号", "info_table"),
        Evidence("published", "2024-01-30", "page_meta"),
    )


def test_an_empty_doc_number_does_not_take_the_next_label_or_the_headline() -> None:
    text = (
        "发文机关：\n甲县人民政府\n发文字号：\n"
        "甲县人民政府2023年法治政府建设工作报告\n2023年，我县坚持依法行政。"
    )
    cleaned = clean_source(text)
    assert cleaned.paragraphs == [
        "甲县人民政府2023年法治政府建设工作报告",
        "2023年，我县坚持依法行政。",
    ]
    assert cleaned.evidence == (Evidence("issuer", "甲县人民政府", "info_table"),)


def test_a_single_label_line_is_no_info_table() -> None:
    text = "标题：甲县司法局2023年法治政府建设工作报告\n2023年，我局坚持依法行政。"
    assert clean_source(text) == CleanedText(text.split("\n"), ())


@pytest.mark.parametrize(
    ("line", "evidence"),
    [
        (
            "发布时间：2022-01-12 10:23\u3000来源：修文县民政局\u3000浏览次数：386",
            (
                Evidence("published", "2022-01-12", "page_meta"),
                Evidence("source_site", "修文县民政局", "page_meta"),
            ),
        ),
        (
            "发布日期：2023-02-10来源：县民政局作者：办公室阅读量：582 字号：T|T|T视力保护色：",
            (
                Evidence("published", "2023-02-10", "page_meta"),
                Evidence("source_site", "县民政局", "page_meta"),
            ),
        ),
        (
            "来源：云南日报2026-02-03 09:02:33 【字体：大 中 小】 打印",
            (Evidence("source_site", "云南日报", "page_meta"),),
        ),
        ("来源：湖南日报", (Evidence("source_site", "湖南日报", "page_meta"),)),
        ("更新时间:2024-03-11 21:00:23 发布时间:24小时内 作者:文/会员上传 下载docx", ()),
    ],
)
def test_page_meta_lines_say_when_the_page_was_published_and_where_from(
    line: str, evidence: tuple[Evidence, ...]
) -> None:
    cleaned = clean_source(f"{line}\n{SHAOXING_OPENING}")
    assert cleaned.paragraphs == [SHAOXING_OPENING]
    assert cleaned.evidence == evidence


def test_a_kept_line_gives_no_evidence() -> None:
    text = "来源：据县统计局统计，全年新增经营主体1.1万户。"
    assert clean_source(text) == CleanedText([text], ())


def test_chinese_numeral_dates_are_read_as_iso() -> None:
    text = "发文机关：安吉县人民政府\n成文日期：二〇二三年一月十八日\n" + SHAOXING_OPENING
    assert clean_source(text).evidence == (
        Evidence("issuer", "安吉县人民政府", "info_table"),
        Evidence("date", "2023-01-18", "info_table"),
    )


# --- The property: a sentence is never dropped ---------------------------------------

# Contexts where a rule drops the lines next to a clutter line (widgets, link lists,
# info tables, breadcrumbs, footers); `{}` is where the sentence goes. A wiki licence block
# is the one exception (its own wording is dropped as a whole) and is not among them.
HOSTILE_CONTEXTS = [
    "{}",
    "全年办理行政复议案件18件。\n{}\n下一步，我局将继续推进依法行政。",
    "您的位置:\n首页\n>\n{}\n>\n正文",
    "【字体：\n{}\n】",
    "分享到：\n{}\n微信",
    "相关链接：\n{}\n国务院",
    "相关稿件\n甲县2022年法治政府建设工作报告\n{}",
    "首页\n政务公开\n{}\n政务服务",
    "当前位置：首页 > 政务公开\n信息公开目录\n{}\n机构职能\n"
    "索引号：\n001-2024-0012345\n发文机关：\n甲县人民政府",
    "标\u3000\u3000题：\n{}\n发布日期：\n2024-01-30",
    "[\n{}\n]",
    "全年办理案件18件。\n↑\n{}",
    "全年办理案件18件。\n【打印本页】【关闭窗口】\n{}\n主办：甲县人民政府办公室\n网站标识码：5201230001",
    "2024-03-15\n{}\n2024-02-09",
]

_SENTENCE_CHARS = sorted(
    set(SAMPLE.read_text(encoding="utf-8")) - set("\r\n\t 。！？!?")
    | set("来源首页分享打印字体主办链接：:>|【】")
)


@settings(max_examples=300, deadline=None)
@given(
    words=st.text(alphabet=st.sampled_from(_SENTENCE_CHARS), min_size=2, max_size=60),
    end=st.sampled_from(["。", "！", "？", "。”", "。）"]),
    more=st.sampled_from(["", "全年办理案件18件。", "来源：县统计局。"]),
    context=st.sampled_from(HOSTILE_CONTEXTS),
)
def test_a_line_of_full_sentences_is_never_dropped(
    words: str, end: str, more: str, context: str
) -> None:
    line = words.strip() + end + more
    assume(sum(c.isalnum() for c in words) >= 2)
    assume(not LICENCE_START.match(line))  # would open a (wordless) licence block
    paragraphs = clean_paragraphs(context.format(line))
    assert any(line in p for p in paragraphs), (line, paragraphs)


def test_single_clutter_lines_from_the_wild_are_clutter() -> None:
    for line in [
        "当前位置：首页>>政务公开>>法治政府建设",
        "首页>>政务公开>>法治政府建设",
        "今天是： 无障碍浏览 | 长者模式 | 简体 | 繁體 | English | 登录",
        "【字体：大 中 小】【打印本页】【关闭窗口】【收藏】",
        "[ 打印本页 ][ 关闭窗口 ][ 收藏 ]",
        "发布日期：2023-02-10来源：县民政局作者：办公室阅读量：582 字号：T|T|T视力保护色：",
        "扫一扫在手机打开当前页",
        "上一篇：德清县民政局2022年政府信息公开工作年度报告",
        "←政府工作报告 (1978年)",
        "附件下载：绍兴市2023年法治政府建设工作情况的报告.pdf",
        "相关文章",
        "Public domain",
    ]:
        assert is_clutter(line), line
