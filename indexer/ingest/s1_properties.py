"""Stage 1, evidence: what a file says about itself outside its running text.

A web page's headline, <meta> tags, <title> and gov.cn info table (索引号 / 发文机关 /
成文日期 …), a .docx's core properties and a PDF's /Title become `Evidence` items on the
`SourceText`: each says which field, the value as written there and where it was found.
Nothing is guessed: a value that is missing, generic ("文档1", "Microsoft Word - …") or
unreadable is left out rather than repaired. A page's publication date is reported as
"published", never as the report's date: portals publish reports weeks or years late.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString, PreformattedString

from indexer.ingest.s5_dates import DAY_DIGITS, YEAR_DIGITS
from indexer.ingest.s5_filename import SITE_NAMES
from indexer.models import Evidence

# --- dates ---------------------------------------------------------------------------------

_DATE = re.compile(
    r"\s*(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})(?!\d)\s*"
    r"(?:[-/.月]\s*(?P<d>\d{1,2})(?!\d)\s*日?|月)?"
)
_YEAR_ONLY = re.compile(r"\s*(\d{4})\s*年?\s*$")


def iso_date(text: str) -> str | None:
    """Return the date `text` starts with as ISO "2024-01-26", "2024-01" or "2024", else None.

    Accepts 2024-01-26, 2024/1/26, 2024.01.26 and 2024年1月26日, followed by anything (a
    time of day). A date that does not exist (2024-02-30) is None: never repaired.
    """
    match = _DATE.match(text)
    if match is None:
        year_only = _YEAR_ONLY.match(text)
        return year_only[1] if year_only and 1900 <= int(year_only[1]) <= 2100 else None
    year, month = int(match["y"]), int(match["m"])
    day = int(match["d"]) if match["d"] else 1
    try:
        date(year, month, day)
    except ValueError:
        return None
    if not 1900 <= year <= 2100:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}" if match["d"] else f"{year:04d}-{month:02d}"


# --- titles --------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")  # str patterns: \s includes U+3000 and U+00A0
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")

# "——2026年1月27日在云南省第十四届人民代表大会第四次会议上": the dateline of a speech,
# which some pages append to the headline in <title>.
_DATELINE_TAIL = re.compile(
    rf"\s*(?:——|—|--)\s*(?P<date>{YEAR_DIGITS}年{DAY_DIGITS}{{1,3}}月"
    rf"{DAY_DIGITS}{{1,3}}日)\s*在.{{2,80}}?(?:会议|大会)上?\s*$"
)
_FULL_TEXT_TAIL = re.compile(r"\s*[（(]\s*全\s*文\s*[）)]\s*$")

# Separators between headline, column and site name in a page <title>: "标题_栏目_站名",
# "标题--站名", "标题 - 站名", "标题|站名". A bare "-" is not one: "2021-2025年".
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|--|\s[-–—]\s|[|｜])\s*")
_SITE_NAME = re.compile(rf"(?:{SITE_NAMES})$")

# Titles that authoring tools fill in by themselves, compared with spaces removed and
# letters folded: Word's 文档1 / Document1 / 新建 Microsoft Word 文档, WPS's 新建 WPS文字
# 文档, Dreamweaver's 无标题文档, PowerPoint's 演示文稿 …
_GENERIC_TITLE = re.compile(
    r"^(?:新建)?(?:microsoft)?(?:office)?(?:word|wps|wps文字|excel|powerpoint)?"
    r"(?:文档|文字文稿|演示文稿|工作表|document|documents|untitled|无标题|无标题文档|标题|title|"
    r"幻灯片|slide|presentation|新建文本文档|文本文档)\d*$"
)
_TOOL_PREFIX = re.compile(r"^(?:microsoft\s*(?:word|excel|powerpoint)|wps)\s*-", re.IGNORECASE)
_FILE_NAME = re.compile(
    r"(?:\.(?:docx?|wps|pdf|txt|html?|xlsx?|pptx?|rtf|tmp|ofd|ceb)|[\\/])", re.IGNORECASE
)


def collapse_spaces(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def clean_title(text: str) -> tuple[str, str | None]:
    """Return a headline without a （全文） or dateline tail, and the dateline's ISO date."""
    title = collapse_spaces(text)
    dateline_date = None
    tail = _DATELINE_TAIL.search(title)
    if tail and tail.start():
        dateline_date = iso_date(tail["date"])
        title = title[: tail.start()]
    title = _FULL_TEXT_TAIL.sub("", title).strip()
    return title, dateline_date


def clean_page_title(text: str) -> tuple[str, str | None]:
    """Return a <title> without its site suffix (and column), and its dateline's ISO date.

    "政府工作报告——2026年1月27日在…会议上_云南要闻_云南省人民政府门户网站" → 政府工作报告,
    2026-01-27. The suffix goes only when the last part names a site; then the headline is
    the first part ("标题_栏目_站名"). Otherwise the title stays whole: never guessed.
    """
    title = collapse_spaces(text)
    parts = [part for part in _TITLE_SEPARATORS.split(title) if part]
    if _SITE_NAME.search(parts[-1] if parts else ""):
        # "标题_栏目_站名" → 标题; a <title> that is only the site's name names no report.
        title = parts[0] if len(parts) > 1 else ""
    return clean_title(title)


def is_generic_title(value: str) -> bool:
    """Say whether `value` is a placeholder an authoring tool wrote, or no title at all."""
    folded = _SPACES.sub("", value).casefold()
    return not folded or bool(_GENERIC_TITLE.match(folded) or _TOOL_PREFIX.match(value.strip()))


def document_title(value: object) -> str | None:
    """Return a document property's title if it can be a report's title, else None.

    Skipped: generic values, file names and paths, and titles without a Chinese character
    (a Chinese report's property title in Latin letters is a tool default or a file id).
    """
    if not isinstance(value, str):
        return None
    title = collapse_spaces(value)
    if is_generic_title(title) or _FILE_NAME.search(title) or not _CJK.search(title):
        return None
    return title


# --- docx and pdf --------------------------------------------------------------------------


def docx_evidence(document: object) -> tuple[Evidence, ...]:
    """Return the title in a .docx's core properties; its dates are the file's, not the report's."""
    try:
        title = document.core_properties.title  # type: ignore[attr-defined]
    # A damaged docProps/core.xml must not stop the text from being read.
    except Exception:
        return ()
    title = document_title(title)
    return (Evidence("title", title, "docx_properties"),) if title else ()


def pdf_evidence(reader: object) -> tuple[Evidence, ...]:
    """Return a PDF's /Title from its document information dictionary."""
    try:
        metadata = reader.metadata  # type: ignore[attr-defined]
        title = metadata.title if metadata else None
    # pypdf raises almost any error type for a damaged info dictionary.
    except Exception:
        return ()
    title = document_title(title)
    return (Evidence("title", title, "pdf_metadata"),) if title else ()


# --- html ----------------------------------------------------------------------------------

# The rows of a gov.cn 政府信息公开 info table. Labels are often spaced out: 索  引  号, 标　　题.
INFO_LABELS: tuple[str, ...] = (
    "索引号",
    "主题分类",
    "发文机关",
    "发布机构",
    "成文日期",
    "标题",
    "发文字号",
    "发布日期",
    "有效性",
    "体裁分类",
    "公文种类",
)
_PUBLISHED_LABELS = ("发布日期", "发布时间")
_LABEL = re.compile(
    r"^\s*(?P<label>"
    + "|".join(r"\s*".join(label) for label in (*INFO_LABELS, "发布时间"))
    + r")\s*(?P<colon>[:：])?\s*(?P<rest>.*)$",
    re.DOTALL,
)
# Several label：value pairs often share one line: "发布时间：2024-01-30 16:40　信息来源：…".
_VALUE_END = re.compile(r"\s{2,}|\u3000|\s+\S{2,6}[:：]")
_INFO_FIELDS = {"发文机关": "issuer", "成文日期": "date", "标题": "title", "发文字号": "doc_number"}
_MAX_LABEL_STRING = 80

_CHROME_TAGS = frozenset({"nav", "aside"})
_CHROME_UNLESS_IN_ARTICLE = frozenset({"header", "footer"})
# class or id tokens of page chrome (navigation, breadcrumbs, footers, sidebars, share bars)
CHROME_NAME = re.compile(
    r"nav|menu|foot(?!note)|crumb|side|copyright|catlinks|share|logo", re.IGNORECASE
)
_TITLE_CLASS = re.compile(r"title", re.IGNORECASE)
# …but not a column's, a box's or a list's title.
_NOT_HEADLINE_CLASS = re.compile(
    r"sub|col|box|side|nav|list|site|logo|menu|foot|small|tab|item|hot|link|more|web",
    re.IGNORECASE,
)


def info_label(text: str) -> tuple[str, str] | None:
    """Return (label, value) if `text` is an info-table label ("发文机关：…"), else None."""
    if len(text) > _MAX_LABEL_STRING:
        return None
    match = _LABEL.match(text)
    if match is None:
        return None
    rest = match["rest"].strip()
    if rest and not match["colon"]:
        return None  # "标题党…", "发布日期为…": prose, not a label
    return _SPACES.sub("", match["label"]), rest


def html_evidence(soup: BeautifulSoup) -> tuple[Evidence, ...]:
    """Return what a parsed page says about its report outside the running text.

    Titles first, each distinct value once, from the most to the least direct source:
    the headline (<h1>, else an h2/div/td whose class names a title), <meta
    name="ArticleTitle">, then <title> without its site suffix. Then the info table's
    发文机关 / 成文日期 / 标题 / 发文字号, a <title> dateline's date, and the page's
    publication date (<meta name="PubDate">, 发布日期/发布时间) as "published".
    """
    evidence: list[Evidence] = []
    site = _meta(soup, "SiteName")
    titles: list[tuple[str, str]] = []
    headline = _headline(soup)
    if headline:
        titles.append((clean_title(headline)[0], "html_h1"))
    meta_title = _meta(soup, "ArticleTitle")
    if meta_title:
        titles.append((clean_title(meta_title)[0], "html_meta"))
    dateline_date = None
    if soup.title is not None and soup.title.string:
        page_title, dateline_date = clean_page_title(soup.title.string)
        titles.append((page_title, "html_title"))
    seen: set[str] = set()
    for value, source in titles:
        if value and value not in seen and value != site and not is_generic_title(value):
            seen.add(value)
            evidence.append(Evidence("title", value, source))

    labels = list(_label_strings(soup))
    table = _info_table(labels)
    for label, field in _INFO_FIELDS.items():
        value = table.get(label, "")
        if field == "date":
            value = iso_date(value) or ""
        if value:
            evidence.append(Evidence(field, value, "info_table"))
    if dateline_date:
        evidence.append(Evidence("date", dateline_date, "html_title"))
    for published in _published_dates(soup, labels):
        evidence.append(Evidence("published", published, "html_meta"))
    return tuple(dict.fromkeys(evidence))


def _meta(soup: BeautifulSoup, name: str) -> str:
    wanted = name.casefold()
    for tag in soup.find_all("meta"):
        if str(tag.get("name", "")).casefold() == wanted:
            return collapse_spaces(str(tag.get("content", "")))
    return ""


def _headline(soup: BeautifulSoup) -> str:
    for h1 in soup.find_all("h1"):
        text = collapse_spaces(h1.get_text())
        if 2 <= len(text) <= 200 and not in_chrome(h1):
            return text
    for names in (("h2",), ("h3",), ("div", "td", "p", "span")):
        for tag in soup.find_all(names, class_=_TITLE_CLASS):
            classes = " ".join(tag.get("class") or ())
            if _NOT_HEADLINE_CLASS.search(classes) or in_chrome(tag):
                continue
            text = collapse_spaces(tag.get_text())
            if 4 <= len(text) <= 150:
                return text
    return ""


def in_chrome(tag: Tag) -> bool:
    """Say whether `tag` sits in navigation, a sidebar, a page header or footer.

    An <article>'s or <main>'s own <header>/<footer> holds its title and date: content.
    """
    nodes = [node for node in (tag, *tag.parents) if node.name != "[document]"]
    for i, node in enumerate(nodes):
        if node.name in _CHROME_TAGS or is_chrome_name(node):
            return True
        if node.name in _CHROME_UNLESS_IN_ARTICLE and not any(
            outer.name in ("article", "main") for outer in nodes[i + 1 :]
        ):
            return True
    return False


def is_chrome_name(tag: Tag) -> bool:
    """Say whether a tag's class or id names page chrome (nav, footer, breadcrumb, …)."""
    names = tag.get("class") or ()
    ident = tag.get("id")
    return any(CHROME_NAME.search(name) for name in (*names, ident or ""))


_LabelString = tuple[NavigableString, str, str]  # the string, its label, the rest


def _label_strings(soup: BeautifulSoup) -> Iterator[_LabelString]:
    for string in soup.find_all(string=True):
        if isinstance(string, PreformattedString) or not string.strip():
            continue
        found = info_label(str(string))
        if found:
            yield string, *found


def _next_text(string: NavigableString) -> str:
    """Return the next visible string after `string` in document order, stripped."""
    for following in string.find_all_next(string=True, limit=20):
        parent = following.parent
        if isinstance(following, PreformattedString) or (
            parent is not None and parent.name in ("script", "style")
        ):
            continue
        text = following.strip()
        if text:
            return text
    return ""


def _info_table(label_strings: list[_LabelString]) -> dict[str, str]:
    """Return the info table's label → value, or {} if the page has no such table.

    The value is the rest of the label's own string ("发文机关：绍兴市人民政府") or, when
    that is empty, the next visible string (the next <td>, <span>, …) unless it is itself
    a label (an empty 发文字号 row). Two different labels must be found: a lone "标题："
    is no info table.
    """
    table: dict[str, str] = {}
    labels: set[str] = set()
    for string, label, rest in label_strings:
        if label == "发布时间":
            continue
        labels.add(label)
        value = rest
        if not value:
            following = _next_text(string)
            value = "" if info_label(following) else following
        value = collapse_spaces(_VALUE_END.split(value, maxsplit=1)[0])
        if value and label not in table:
            table[label] = value
    return table if len(labels) >= 2 else {}


def _published_dates(soup: BeautifulSoup, label_strings: list[_LabelString]) -> Iterable[str]:
    for name in ("PubDate", "PublishDate"):
        published = iso_date(_meta(soup, name))
        if published:
            yield published
    for string, label, rest in label_strings:
        if label in _PUBLISHED_LABELS:
            published = iso_date(rest or _next_text(string))
            if published:
                yield published
