"""Stage 2, clutter rules: the declarative tables and patterns that recognise page furniture.

Each rule matches a whole line (or one item of a widget written one item per line), so no
rule can eat part of a paragraph: `CLUTTER_LINES` (breadcrumbs, top bars, widgets,
page-meta lines, prev/next links, download-site lines), `PAGE_META` (a line of
``label：value`` pairs and widgets), `FOOTER_LINES` and `WEAK_FOOTER_LINES` (a site footer),
`LINK_LIST_HEADERS` (相关链接 …), the patterns of multi-line widgets, breadcrumbs and wiki
licence blocks, and the two line tests built on them, `is_sentence` and `is_clutter`. Which
lines the rules are applied to, and when, is `s2_clean`'s job; add a row here when a new
site shows up.
"""

from __future__ import annotations

import re

from indexer.ingest.s5_dates import DAY_DIGITS, YEAR_DIGITS

# Clutter is recognised on whole short lines only, so no pattern can eat a paragraph.
CLUTTER_MAX_CHARS = 80


def _rules(*rows: tuple[str, str]) -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(pattern, re.IGNORECASE), why) for pattern, why in rows)


# --- Widgets and page-meta labels, shared by several rules ----------------------------

_PLATFORM = (
    r"微信朋友圈|朋友圈|微信|新浪微博|腾讯微博|人民微博|微博|QQ空间|QQ好友|QQ|豆瓣|今日头条|抖音"
)
_ACTION = (
    r"打印本页|打印此页|打印文章|打印|关闭窗口|关闭本页|关闭|加入收藏|收藏本页|收藏|我要纠错|纠错"
    r"|返回顶部|返回列表|返回|复制链接|视力保护色"
)
_WIDGET = (
    # 【字体：大 中 小】, 字号：T|T|T, 【字体：  (the opening of a widget split over lines)
    r"[【\[]?\s*(?:字体|字号)\s*[:：]?(?:\s*(?:大|中|小|T|[|｜]))*\s*[】\]]?"
    r"|[【\[]\s*大\s*中\s*小\s*[】\]]"
    rf"|[【\[]?\s*(?:{_ACTION})\s*[:：]?\s*[】\]]?"
    rf"|分享(?:到|至)?\s*[:：]?(?:\s*(?:{_PLATFORM}|[|｜、,，]))*"
)
_WIDGET_START = r"[【\[]|(?:字体|字号)\s*[:：]|打印|关闭窗口|视力保护色|分享"

# Labels of a page's meta line, longer first where one ends another (信息来源 / 来源).
_META_LABEL = (
    r"信息来源|文章来源|稿件来源|新闻来源|来源|发布时间|发布日期|更新时间|上传时间|修改时间"
    r"|浏览次数|浏览量|浏览|点击数|点击量|点击率|阅读量|阅读次数|阅读数|阅读|访问量|访问次数"
    r"|作者|责任编辑|编辑|审核|审校|校对|供稿|字数|页数|大小"
)
_META_PAIR = rf"(?:{_META_LABEL})\s*[:：](?:(?!\s*(?:(?:{_META_LABEL})\s*[:：]|{_WIDGET_START})).)*"
PAGE_META_LINE = re.compile(rf"\s*(?:{_META_PAIR}|{_WIDGET})(?:\s*(?:{_META_PAIR}|{_WIDGET}))*\s*")
META_ITEM = re.compile(
    rf"(?P<label>{_META_LABEL})\s*[:：](?P<value>(?:(?!\s*(?:(?:{_META_LABEL})\s*[:：]|{_WIDGET_START})).)*)"
)

# (pattern, what it catches) for a page-meta line; see `page_meta_evidence`.
PAGE_META: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        PAGE_META_LINE,
        "发布时间：2022-01-12 10:23　来源：修文县民政局　浏览次数：386 / "
        "作者：县民政局　责任编辑：王敏 / 【字体：大 中 小】【打印本页】【关闭窗口】【收藏】 / "
        "分享到：微信新浪微博QQ空间 [ 打印本页 ][ 关闭窗口 ][ 收藏 ]",
    ),
)

_DATETIME = (
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(\s+\d{1,2}:\d{2}(:\d{2})?)?"
    r"|\d{4}年\d{1,2}月\d{1,2}日\s*\d{1,2}:\d{2}(:\d{2})?"
)
DATETIME_LINE = re.compile(_DATETIME)

_NAV_WORD = (
    r"首页|网站首页|主页|返回首页|设为首页|无障碍(?:浏览|阅读)?|长者(?:模式|版)|关怀版|适老化(?:版)?"
    r"|手机版|简体(?:中文)?|繁體(?:中文)?|繁体|English|登录|注册|网站地图|站点地图|联系我们|关于我们"
)
_NAV_ITEM = r"[^|｜丨。！？；，,:：]{1,12}"
_SEPARATOR = r"[>›»→＞/\\|｜]{1,2}"

# Lines a web page or a download site adds around a report. Each pattern must match a
# whole line; add a row when a new site shows up. (pattern, what it catches)
CLUTTER_LINES: tuple[tuple[re.Pattern[str], str], ...] = _rules(
    # Breadcrumbs and top bars.
    (
        r"(您的位置|您现在的位置|你的位置|你现在的位置|当前位置|当前的位置|所在位置|现在的位置)\s*[:：].*",
        "当前位置：首页 > 政务公开 > 法治政府建设 / 您的位置:",
    ),
    (
        rf"(首页|网站首页|主页)(\s*{_SEPARATOR}\s*[^>›»→＞/\\|｜。！？；]{{1,20}})+\s*({_SEPARATOR})?",
        "首页>>政务公开>>法治政府建设",
    ),
    (
        rf"({_NAV_ITEM}\s*[|｜丨]\s*)*({_NAV_WORD})(\s*[|｜丨]\s*{_NAV_ITEM})*",
        "无障碍浏览 | 长者模式 | 繁體 | English | 登录 / 关于我们 | 网站地图 | 联系我们 / 首页",
    ),
    (r"今天是\s*[:：].*", "今天是： 无障碍浏览 | 长者模式 | 简体 | 繁體"),
    # Dates and times alone on a line: under a headline, or a download site's date list.
    (_DATETIME, "2026-01-30 08:15:20 / 2023年3月15日 21:00"),
    # Widgets (print, close, share) and prev/next links.
    (
        r"(上一篇|下一篇|上一条|下一条|前一篇|后一篇|上一页|下一页)(\s*[:：].*)?",
        "上一篇：… / 下一篇",
    ),
    (r"[←«‹]\s*[^。！？；]{1,60}|[^。！？；]{1,60}\s*[→»›]", "←政府工作报告 (1978年) / …(1980年)→"),
    (
        r"(扫一扫|扫描二维码|用?手机扫(一扫|描)|扫码(关注|下载|阅读|分享|访问|打开|查看)).{0,24}",
        "扫一扫在手机打开当前页 / 扫码关注",
    ),
    (r"(附件下载|下载附件|相关附件)\s*[:：].*", "附件下载：XX报告.pdf"),
    (r"[^。！？；\s]{1,60}\.(pdf|docx?|xlsx?|wps|ofd|zip|rar)", "XX报告.pdf (a link to a file)"),
    # Download sites (the sample's shape).
    (r"(更新|发布|上传|修改)时间[:：].*", "更新时间:2023-03-11 … 下载docx"),
    (r".*下载\s*(docx?|pdf|wps|txt|rtf)\b.*", "… 下载docx"),
    (r"将本文.{0,12}下载到(电脑|本地|手机).*", "将本文的Word文档下载到电脑"),
    (r"(点击|免费|立即|全文)下载.*", "点击下载 / 免费下载"),
    (r"(推荐度|评分|星级)[:：].*", "推荐度:"),
    (r"相关(推荐|阅读|文章|文档|范文|搜索|热词)[:：].*", "相关推荐：… (a link list on one line)"),
    (r"本文(由|系|为).{0,30}(上传|发布|整理|提供).*", "本文由…上传"),
    (r"第\s*\d+\s*页[\s,，/]*共\s*\d+\s*页", "第 1 页 共 3 页"),
    (r"[-—–]\s*\d+\s*[-—–]|\d+\s*/\s*\d+|page\s*\d+(\s*of\s*\d+)?", "- 2 - / 2/3 page"),
    # Copyright and licence lines.
    (r"(版权所有|copyright\b).*|.*©.*", "版权所有 / Copyright / ©"),
    (r"Public\s+domain|PD-[\w-]+", "Public domain / PD-PRC-exempt (wiki licence)"),
    (
        r".{0,20}(维基文库|维基百科|維基文庫|維基百科)[，,]\s*自由的(图书馆|百科全书|圖書館|百科全書)",
        "维基文库，自由的图书馆",
    ),
)

# Lines of a site footer or a wiki page's end: dropped only in the trailing zone of the
# text (after the last line no rule recognises). (pattern, what it catches)
FOOTER_LINES: tuple[tuple[re.Pattern[str], str], ...] = _rules(
    (r"(主办|承办|协办|主管|运维|维护)(单位)?\s*[:：].*", "主办：…　承办：… / 主办单位：…"),
    (
        r"[^。！？；，,\s]{2,40}(主办|承办)(\s*[^。！？；，,\s]{2,40}(承办|协办|运维|维护))*",
        "绍兴市人民政府办公室主办　绍兴市大数据发展管理局承办",
    ),
    (
        r".*(ICP\s*备|ICP\s*证|公网安备|网站标识码|政府网站找错|技术支持\s*[:：]).*",
        "网站标识码：… 湘ICP备05004841号 湘公网安备 … / 技术支持：…",
    ),
    (r"↑|\^", "↑ (a wiki footnote's back-link)"),
    (r"false|true|\[|\]|。", "false / [ / 。 (wiki template leftovers)"),
    (
        r"导航菜单|个人工具|创建账号|查看历史|随机作品|随机页面|最近更改|下载为PDF|可打印版本|其他语言"
        r"|隐私政策|免责声明|行为准则|手机版视图|固定链接|页面信息|引用本页|关于(维基文库|维基百科)"
        r"|此页面最后编辑于.*|本站的文字内容.*",
        "导航菜单 / 此页面最后编辑于… / 手机版视图 (MediaWiki page chrome)",
    ),
)

# Footer lines that a report may also hold (its own contact details): dropped only in the
# trailing zone and after a line of `FOOTER_LINES`.
WEAK_FOOTER_LINES: tuple[tuple[re.Pattern[str], str], ...] = _rules(
    (
        r"(地址|通讯地址|联系电话|联系方式|电话|传真|邮编|邮政编码|电子邮箱|E-?mail|建议使用|您是第|访问量"
        r"|访问人数|总访问量|网站声明|法律声明)\s*[:：]?.*",
        "地址：泸溪县白沙镇  电话：… / 联系电话：…（工作日） / 建议使用…分辨率浏览",
    ),
)

# A link list's header; the short lines after it are links, usually to other reports.
LINK_LIST_HEADERS = re.compile(
    r"(相关链接|相关文章|相关稿件|相关新闻|相关阅读|相关推荐|相关文档|相关范文|相关专题|延伸阅读|推荐阅读"
    r"|热点专题|热点新闻|热门文章|热门推荐|最新文章|最新发布|猜你喜欢|友情链接|专题专栏|附件下载|相关附件)"
    r"\s*[:：]?"
)
LINK_LIST_MAX = 30
# Fewer short lines than this between two clutter lines may be a title and an issuer.
MENU_MIN = 3

# A Chinese-style date alone on a line may be a report's dated signature ("2023年12月25日"),
# so alone it stays; in a run of date lines it is the site's list of dates.
CHINESE_DATE_LINE = re.compile(rf"({YEAR_DIGITS})年{DAY_DIGITS}{{1,2}}月({DAY_DIGITS}{{1,3}}日)?")

# A full sentence: some words, then 。！？ (perhaps inside a closing quote or bracket).
_SENTENCE_END = "。！？!?"
_CLOSING = "”’」』）)"
# Links and fragments of a sentence are short and never end one.
LINK_LINE = re.compile(r"[^。！？；!?;]{1,60}")
MENU_ITEM = re.compile(r"[^\W\d_]{2,8}")

# --- Multi-line widgets --------------------------------------------------------------

BREADCRUMB_OPENER = re.compile(
    r"(您的位置|您现在的位置|你的位置|你现在的位置|当前位置|当前的位置|所在位置|现在的位置)\s*[:：]?"
)
HOME = re.compile(r"首页|网站首页|主页")
SEPARATOR_LINE = re.compile(_SEPARATOR)
CRUMB = re.compile(r"[^。！？；，,:：>›»→＞/\\|｜]{1,16}")
FONT_OPENER = re.compile(r"[【\[]?\s*(字体|字号)\s*[:：]?")
FONT_PART = re.compile(r"(大|中|小|T|[|｜]|[】\]]|\s)+")
SHARE_LINE = re.compile(rf"分享(?:到|至)?\s*[:：]?(?:\s*(?:{_PLATFORM}|[|｜、,，]))*")
PLATFORM_LINE = re.compile(rf"(?:\s*(?:{_PLATFORM}|[|｜、,，]))+\s*")
FOOTNOTE_REF = re.compile(r"[\w ]{1,8}")  # "[ / 4 / ]", "[ / CPC 2 / ]"
# A reference written on one line of its own: "[4]", "［4］", "[注1]".
FOOTNOTE_MARK = re.compile(r"[\[［](?:注\s*)?\d{1,3}[\]］]")

# --- Wiki licence blocks --------------------------------------------------------------

# "本作品来自1949年10月1日（含）之后的中华人民共和国政府文件…", "这部作品在1931年…".
LICENCE_OPENING = re.compile(r"(本|这部|這部|此)作品")
# A licence block says one of these somewhere; without one the run is not dropped.
LICENCE_MARK = re.compile(
    r"Public\s+domain|公有领域|公有領域|版权失效|版權失效|知识共享|知識共享|Creative\s+Commons",
    re.IGNORECASE,
)
LICENCE_WORDING = re.compile(
    r"公有领域|公有領域|版权|版權|著作权|著作權|知识共享|知識共享|社群共识|社群共識|维基文库|維基文庫"
    r"|维基百科|維基百科|本模板|保护期|保護期|Public\s+domain|PD-|CPC\s*\d|此页面最后编辑于|本站的文字内容",
    re.IGNORECASE,
)
LICENCE_LEFTOVER = re.compile(r"false|true|\[|\]|↑|\^|。")


# Two characters that are letters or digits (`str.isalnum`: \w without the underscore),
# found without counting every character of a long paragraph.
_TWO_WORD_CHARACTERS = re.compile(r"[^\W_].*?[^\W_]", re.DOTALL)


def is_sentence(line: str) -> bool:
    """Tell whether a line holds a full sentence: words, then 。！？ at its end."""
    ending = line.rstrip(_CLOSING)
    return (
        bool(ending)
        and ending[-1] in _SENTENCE_END
        and _TWO_WORD_CHARACTERS.search(ending) is not None
    )


def is_clutter(line: str) -> bool:
    """Tell whether a line alone is a page's or a download site's addition.

    `CLUTTER_LINES`, `PAGE_META` and a link list's header; never a full sentence.
    """
    if not line or len(line) > CLUTTER_MAX_CHARS or is_sentence(line):
        return False
    return (
        any(pattern.fullmatch(line) for pattern, _ in (*CLUTTER_LINES, *PAGE_META))
        or LINK_LIST_HEADERS.fullmatch(line) is not None
    )
