"""Citations, in the two forms people paste: a memo's short form and GB/T 7714-2015.

The short form cites a passage:

    《title》（issuer，2023年），section path，permalink
    “the passage, as the report wrote it”

A report without a title is named by its made label instead (［无标题］六盘水市民政局
2023年法治政府建设年度报告: `Metadata.label`), which already says its issuer and year.

The GB/T 7714-2015 form cites a report, as 4.1 (专著, which covers reports) and 4.4
(电子资源) of the standard describe it:

    found online:  主要责任者. 题名: 文号[R/OL]. (成文日期)[引用日期]. 获取和访问路径.
    a file:        主要责任者. 题名: 文号[R]. [出版地不详]: 出版者, 出版年.

- The type is [R] (报告) for a report, [Z] (其他) for a law or rule (kind 法规), whose type
  the standard does not list; not [EB] (电子公告, a posting whose type is the posting): a
  report published on a portal is still a report, as the standard's own example
  "第29次中国互联网络发展现状统计报告[R/OL]" shows.
- /OL (联机网络) when the report was found online (`Metadata.found_online`: a saved web page,
  or its page said where it was published); its 获取和访问路径 is the address it can be read
  at here (its permalink) and the 引用日期 today. Without an absolute address (the command
  line) the file form is written.
- 主要责任者 and 出版者 are the issuer (canonical); with none it is left out (8.1.1: the title
  leads) and the publisher is [出版者不详]. No place is stated: [出版地不详] (8.4.1.3). 出版年
  is the year of the date it was issued, left out where none is stated: a year is never
  guessed.
- A report without a title is cited under a title made of what is known, in square
  brackets as supplied information: [六盘水市民政局2023年法治政府建设年度报告].

Nothing is invented: a field the report does not state is written as not identified or
left out, as above.
"""

from __future__ import annotations

from datetime import date

from indexer.ingest.s5_kind import REGULATION
from indexer.models import MADE_LABEL, Metadata

NO_ISSUER = "发布机关未识别"
NO_YEAR = "年份未识别"
NO_PLACE = "[出版地不详]"
NO_PUBLISHER = "[出版者不详]"


def citation(metadata: Metadata, section: str, text: str, permalink: str) -> str:
    """Return the citation of one passage; `permalink` is its URL, made by the shell."""
    if metadata.title:
        issuer = metadata.issuer or NO_ISSUER
        year = f"{metadata.year}年" if metadata.year else NO_YEAR
        named = f"《{metadata.title}》（{issuer}，{year}）"
    else:
        named = metadata.label  # the made label names the issuer and year it knows
    where = "，".join(part for part in (named, section, permalink) if part)
    return f"{where}\n“{text.strip()}”"


def citation_gbt7714(
    metadata: Metadata,
    url: str = "",
    *,
    cited: date | None = None,
    doc_number: str | None = None,
) -> str:
    """Return the GB/T 7714-2015 citation of a report (see the module's forms).

    `url` is the report's address (an absolute http(s) URL makes the online form possible);
    `cited` the 引用日期 (default today); `doc_number` the report's 文号 (default its own,
    `doc_number`: never one its text only quotes, `doc_numbers`, most of them other
    documents' numbers).
    """
    number = metadata.doc_number if doc_number is None else doc_number
    title = metadata.title or f"[{supplied_title(metadata)}]"
    if number:
        title = f"{title}: {number}"
    kind = "Z" if metadata.kind == REGULATION else "R"
    creator = f"{metadata.issuer}. " if metadata.issuer else ""
    if metadata.found_online and url.startswith(("http://", "https://")):
        issued = f"({metadata.date})" if metadata.date else ""
        today = (cited or date.today()).isoformat()
        return f"{creator}{title}[{kind}/OL]. {issued}[{today}]. {url}."
    year = f", {metadata.date[:4]}" if metadata.date else ""
    return f"{creator}{title}[{kind}]. {NO_PLACE}: {metadata.issuer or NO_PUBLISHER}{year}."


def supplied_title(metadata: Metadata) -> str:
    """The made label as a supplied title, without its mark or spaces."""
    return metadata.label.removeprefix(MADE_LABEL).replace(" ", "")
