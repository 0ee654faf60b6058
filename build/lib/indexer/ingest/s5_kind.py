"""Stage 5, kind: what sort of document a report is, and whether it was found online.

The kind names an untitled report (its label, `Metadata.label`) and chooses its type in a
GB/T 7714 citation (`citation.py`): a report [R], anything else [Z]. From evidence, first
found wins:

- 法规: a law, regulation or rule — its title names one (…法, …条例, …办法 of a body that
  makes them: `s5_citations.is_law_title`) or its text numbers three clauses 第X条;
- 政府工作报告: its title says so, or a speech to a congress says it reports the
  government's work ("现在，我代表市人民政府，向大会报告工作", "报告政府工作");
- 法治政府建设年度报告: its title names 法治政府建设, or its announcement ("现将…报告如下"),
  a top-level heading or three sentences of its own (not a quoted 《…》 title) do;
- 报告: its title names a report (报告, 总结, 汇报, 述职), or it is a speech to a congress,
  or it announces itself ("现将…报告如下");
- "" where nothing says: the label then names it 报告 (a report search engine holds reports)
  and its citation's type is [R].

A report was found online when its file is a saved web page, or the page furniture its
text carries (发布时间, 来源) says where a page published it (`web_evidence`); its citation
then has the carrier /OL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from indexer.ingest.lines import ARTICLE, parse_heading
from indexer.ingest.s5_citations import is_law_title, unquoted
from indexer.models import Evidence

REGULATION = "法规"
GOVERNMENT_WORK = "政府工作报告"
RULE_OF_LAW = "法治政府建设年度报告"
REPORT = "报告"

_GOVERNMENT_WORK = re.compile(
    r"政府工作报告|报告政府工作|代表[^，,。；]{0,20}(?:人民政府|国务院)[^。；]{0,6}报告工作"
)
_RULE_OF_LAW = "法治政府建设"
_ANNOUNCEMENT = re.compile(r"现将.{0,60}?(?:报告|汇报|总结)如下")
_REPORT_WORD = re.compile(r"报告|总结|汇报|述职")
_OWN_MENTIONS = 3  # sentences of its own naming 法治政府建设 make a report about it
_HEAD = 8  # paragraphs a speech says whose work it reports in
WEB_FORMATS = frozenset({"html", "mht", "mhtml"})
_PUBLISHED_BY_PAGE = frozenset({"published", "source_site"})


def report_kind(title: str, paragraphs: list[str], *, speech: bool) -> str:
    """Return the kind of a report (see the module's list) from its title and paragraphs."""
    if (is_law_title(title) and not _REPORT_WORD.search(title)) or len(
        ARTICLE.findall("\n".join(paragraphs[:40]))
    ) >= 3:
        return REGULATION
    head = [unquoted(p) for p in paragraphs[:_HEAD]]
    if _GOVERNMENT_WORK.search(title) or (speech and any(_GOVERNMENT_WORK.search(p) for p in head)):
        return GOVERNMENT_WORK
    if _RULE_OF_LAW in title or _names_rule_of_law(paragraphs):
        return RULE_OF_LAW
    if _REPORT_WORD.search(title) or speech or any(_ANNOUNCEMENT.search(p) for p in head):
        return REPORT
    return ""


def _names_rule_of_law(paragraphs: list[str]) -> bool:
    own = [unquoted(p) for p in paragraphs]
    for paragraph in own[:_HEAD]:
        announced = _ANNOUNCEMENT.search(paragraph)
        if announced and _RULE_OF_LAW in announced.group(0):
            return True
    for paragraph in own:
        heading = parse_heading(paragraph)
        if heading is not None and heading.level == 1 and _RULE_OF_LAW in heading.label:
            return True
    return sum(p.count(_RULE_OF_LAW) for p in own) >= _OWN_MENTIONS


def web_evidence(file_format: str, evidence: Iterable[Evidence]) -> tuple[Evidence, ...]:
    """Return the evidence that a file was found online, as one `online` item, or ().

    A saved web page was (source: its format); so was a text whose page furniture says
    when or where a page published it (source: where that was said, e.g. page_meta).
    """
    if file_format in WEB_FORMATS:
        return (Evidence("online", file_format, file_format),)
    said = next((e for e in evidence if e.field in _PUBLISHED_BY_PAGE), None)
    return (Evidence("online", said.field, said.source),) if said else ()
