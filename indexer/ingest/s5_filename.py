"""Stage 5, file names: what a file's name says about the report in it.

People name saved reports after their titles (`1955年中华人民共和国国务院政府工作报告.txt`,
`上海口岸服务条例(2020-05-14).txt`, `01_安吉县2022年法治政府建设年度报告.txt`,
`政府工作报告_云南省人民政府门户网站.html`, `2026_广东省_政府工作报告.txt`); download tools add
numbering prefixes, dates and site names. This module strips those additions and says what
is left: a title, the year it writes (as 2023年 in the title, or as a field of its own:
`2026_…`, `2026-…`, `…_2026`), and a date suffix. A name that is an id
(`art_1229_5123456.html`, `t20240105_123.htm`, `000_61bc35062b802780.txt`) or a generic
name (`新建文本文档`, `index`) says nothing.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from indexer.ingest.s5_dates import YEAR_MAX, YEAR_MIN, first_year, parse_date
from indexer.models import Evidence

_NUMBERING = re.compile(r"^\s*[(（\[【]?\d{1,4}[)）\]】]?\s*[_\-.、．\s]+(?=\S)")
_DATE_SUFFIX = re.compile(
    r"\s*[(（\[【_\-]?\s*(?P<date>\d{4}\s*[-.年/]\s*\d{1,2}(?:\s*[-.月/]\s*\d{1,2}\s*日?)?)"
    r"\s*[)）\]】]?\s*$"
)
SITE_NAMES = (
    r"人民政府(?:门户)?(?:网站?)?|政府|门户网站?|政府网|政务网|政务服务网|信息公开网?|新闻网"
    r"|日报|网站|网|官网|在线|之窗|维基文库|自由的图书馆|百度文库|百度百科|道客巴巴|豆丁网?"
    r"|原创力文档|人人文库|文档之家"
)
"""How the name of a site ends, in a page's <title> (`s1_properties`) and in the name of a
file a browser saved from it (here): one list for both."""

# `标题_栏目_站名` or `标题 - 维基文库，自由的图书馆`: everything from the first separator on
# that leads to a site name is the site's, not the title's.
_SITE_SUFFIX = re.compile(rf"\s*(?:_|--|\s-\s|——|\|)[^|]*?(?:{SITE_NAMES})\s*$")
_FULL_TEXT = re.compile(r"\s*[(（]?\s*全文\s*[)）]?\s*$")
_COPY_MARK = re.compile(r"\s*[(（]\s*\d{1,2}\s*[)）]\s*$|\s*-\s*副本\s*$|\s*副本\s*$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# A year as a field of the name, "2026_广东省_政府工作报告", "2026-广东省-…", "…_2026": four
# digits a report could be dated, set off by _, - (or a space, leading) from Chinese words.
_YEAR_FIELD = re.compile(
    r"^\s*(?P<head>\d{4})\s*(?P<sep>[_\-－]|\s)\s*(?=[\u4e00-\u9fff])"
    r"|(?<=[\u4e00-\u9fff])\s*(?P<tsep>[_\-－])\s*(?P<tail>\d{4})\s*$"
)
_GENERIC = frozenset(
    {
        "新建文本文档",
        "新建文档",
        "文档",
        "无标题",
        "未命名",
        "下载",
        "正文",
        "全文",
        "附件",
        "index",
        "default",
    }
)


def clean_file_title(name: str) -> str:
    """Return a file name's title, without extension, numbering, date or site suffix, or "".

    >>> clean_file_title("01_安吉县2022年法治政府建设年度报告.txt")
    '安吉县2022年法治政府建设年度报告'
    >>> clean_file_title("上海口岸服务条例(2020-05-14).txt")
    '上海口岸服务条例'
    >>> clean_file_title("政府工作报告_云南省人民政府门户网站.html")
    '政府工作报告'
    >>> clean_file_title("art_1229_5123456.html")
    ''
    """
    stem = PurePath(name).stem if PurePath(name).suffix.isascii() else name
    title = _COPY_MARK.sub("", stem.replace("\u3000", " ").strip()).strip()
    year_field = _year_field(title)
    if year_field is not None:
        title = _YEAR_FIELD.sub("", title).strip()
    for pattern in (_DATE_SUFFIX, _FULL_TEXT, _SITE_SUFFIX, _FULL_TEXT):
        title = pattern.sub("", title).strip()
    if year_field is not None and year_field[1] in "_-－":
        # The name's fields, year aside, are the title's words: 广东省_政府工作报告.
        title = re.sub(rf"(?<=[\u4e00-\u9fff])\s*{re.escape(year_field[1])}\s*", "", title)
    title = _NUMBERING.sub("", title).strip(" _-—.")
    if len(_CJK.findall(title)) < 2 or title in _GENERIC:
        return ""
    return title


def _year_field(title: str) -> tuple[int, str] | None:
    """Return the year a name writes as a field of its own, and its separator, or None.

    >>> _year_field("2026_广东省_政府工作报告")
    (2026, '_')
    >>> _year_field("0012_广东省政府工作报告") is None  # a number, not a year
    True
    """
    match = _YEAR_FIELD.search(title)
    if match is None:
        return None
    year = int(match.group("head") or match.group("tail"))
    if not YEAR_MIN <= year <= YEAR_MAX:
        return None
    return year, match.group("sep") or match.group("tsep")


def file_name_evidence(name: str) -> list[Evidence]:
    """Return the title, year and date a file name states, as evidence."""
    evidence = []
    title = clean_file_title(name)
    if title:
        evidence.append(Evidence("title", title, "filename"))
        field = _year_field(_COPY_MARK.sub("", PurePath(name).stem).strip())
        year = first_year(title) or (field[0] if field else None)
        if year:
            evidence.append(Evidence("year", str(year), "filename"))
    stem = PurePath(name).stem
    suffix = _DATE_SUFFIX.search(stem)
    if suffix:
        date = parse_date(suffix.group("date"))
        if date:
            evidence.append(Evidence("date", date, "filename"))
    return evidence
