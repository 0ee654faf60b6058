"""Stage 5, file names: what a file's name says about the report in it.

People name saved reports after their titles (`1955年中华人民共和国国务院政府工作报告.txt`,
`上海口岸服务条例(2020-05-14).txt`, `01_安吉县2022年法治政府建设年度报告.txt`,
`政府工作报告_云南省人民政府门户网站.html`); download tools add numbering prefixes, dates and
site names. This module strips those additions and says what is left: a title, the year it
writes, and a date suffix. A name that is an id (`art_1229_5123456.html`, `t20240105_123.htm`,
`000_61bc35062b802780.txt`) or a generic name (`新建文本文档`, `index`) says nothing.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from indexer.ingest.s5_dates import first_year, parse_date
from indexer.models import Evidence

_NUMBERING = re.compile(r"^\s*[(（\[【]?\d{1,4}[)）\]】]?\s*[_\-.、．\s]+(?=\S)")
_DATE_SUFFIX = re.compile(
    r"\s*[(（\[【_\-]?\s*(?P<date>\d{4}\s*[-.年/]\s*\d{1,2}(?:\s*[-.月/]\s*\d{1,2}\s*日?)?)"
    r"\s*[)）\]】]?\s*$"
)
_SITE = (
    r"人民政府(?:门户)?(?:网站?)?|门户网站|政府网|政务网|政务服务网|信息公开网?|新闻网|日报"
    r"|维基文库[^_]*|百度文库|道客巴巴|豆丁网|原创力文档|人人文库|文档之家|.{0,12}网"
)
# `标题_栏目_站名` or `标题 - 维基文库，自由的图书馆`: everything from the first separator on
# that leads to a site name is the site's, not the title's.
_SITE_SUFFIX = re.compile(rf"\s*(?:_|--|\s-\s|——|\|)[^|]*?(?:{_SITE})\s*$")
_FULL_TEXT = re.compile(r"\s*[(（]?\s*全文\s*[)）]?\s*$")
_COPY_MARK = re.compile(r"\s*[(（]\s*\d{1,2}\s*[)）]\s*$|\s*-\s*副本\s*$|\s*副本\s*$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
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
    title = stem.replace("\u3000", " ").strip()
    for pattern in (_COPY_MARK, _DATE_SUFFIX, _FULL_TEXT, _SITE_SUFFIX, _FULL_TEXT):
        title = pattern.sub("", title).strip()
    title = _NUMBERING.sub("", title).strip(" _-—.")
    if len(_CJK.findall(title)) < 2 or title in _GENERIC:
        return ""
    return title


def file_name_evidence(name: str) -> list[Evidence]:
    """Return the title, year and date a file name states, as evidence."""
    evidence = []
    title = clean_file_title(name)
    if title:
        evidence.append(Evidence("title", title, "filename"))
        year = first_year(title)
        if year:
            evidence.append(Evidence("year", str(year), "filename"))
    stem = PurePath(name).stem
    suffix = _DATE_SUFFIX.search(stem)
    if suffix:
        date = parse_date(suffix.group("date"))
        if date:
            evidence.append(Evidence("date", date, "filename"))
    return evidence
