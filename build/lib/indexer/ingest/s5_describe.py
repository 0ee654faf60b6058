"""Stage 5: what a report says about itself, each field with where it was found.

Every field is taken from the best evidence available, in a fixed order, and records its
source; a value is never composed from pieces found in different places, never guessed
from the body's first mention, and where nothing states it, it stays empty (the UI shows
未识别). The orders (first found wins; `Evidence.source` names in brackets):

- title: a title line at the top of the text [text] (a Markdown ``# 标题`` line counts; an
  organ line followed by a 关于… line is joined); the file's own properties — HTML headline
  [html_h1], CMS metadata [html_meta], gov.cn info table [info_table], page title
  [html_title], docx core properties [docx_properties], PDF metadata [pdf_metadata]; the
  file name without numbering, dates and site names [filename]. File-level evidence is
  used only when the file holds one report.
- date (issued): a dateline under the title ("——2026年1月28日在…会议上", "（2017年10月18日）",
  also broken over two lines) [dateline]; the signature block's date at the end
  [signature]; an info table's 成文日期 [info_table]; a date in the file name [filename].
- year (the year the report is about): a year in the title [its source]; a year in the file
  name [filename]; the year the announcement names ("现将2023年…报告如下") [opening]; for a
  speech delivered to a congress (各位代表：, a dateline), the year of delivery [dateline,
  …]; for a written report, a year that opens a sentence of its first paragraph
  ("2023年，我局…", "2023年度…") or its first top-level heading ("一、2023年…") [opening,
  heading]; for a document that reviews no period (a law, a notice), the year of its date.
  A 2023 report issued in January 2024 has year 2023 and date 2024-01-….
- issuer: the organ the title names (XX局关于… / XX县2023年…报告) [title]; the signature
  block's organ [signature]; the organ a speech is given for (我代表…, 我受…委托) [text];
  an info table's 发文机关 [info_table]; the organ the report speaks as (我局 + the organ it
  names at its own place, 我县 + its place) [text]. Stored under its canonical name, the
  spelling in `issuer_stated` (`s5_issuers`).
- province, city, county: the division table's names of the place the report speaks for
  [text]; department: the type of the issuer [the issuer's source] or 人民政府 for a
  report that speaks as a government [text].

Laws cited and document numbers come from the text (`s5_citations`); the kind of report
and whether it was found online from its wording and its file (`s5_kind`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from indexer.ingest.lines import (
    ARTICLE,
    SENTENCE,
    dateline_at,
    is_salutation,
    is_signature_line,
    is_title_line,
    parse_heading,
)
from indexer.ingest.s5_citations import (
    extract_doc_numbers,
    extract_laws,
    header_doc_number,
    unquoted,
)
from indexer.ingest.s5_dates import find_dates, first_year
from indexer.ingest.s5_issuers import name_issuer
from indexer.ingest.s5_kind import report_kind
from indexer.ingest.s5_organs import (
    DEPARTMENTS,
    ORGAN,
    STEM_LABEL,
    Voice,
    department_of,
    find_department,
    find_voice,
    spoken_for,
)
from indexer.ingest.s5_places import Region, find_places, resolve_region
from indexer.models import Evidence, Metadata

_CJK = "\u4e00-\u9fff"


def describe_report(
    paragraphs: list[str], evidence: Sequence[Evidence] = (), *, boundary: str = ""
) -> Metadata:
    """Return what one report's paragraphs, and what its file says of it, reveal about it."""
    paragraphs = [p.strip() for p in paragraphs if p.strip()]
    if not paragraphs:
        return Metadata(boundary=boundary)
    text = "\n".join(paragraphs)
    found = Found(evidence)
    title, title_source, title_end = _title(paragraphs, found)
    body = paragraphs[title_end:]

    voice = find_voice(text)
    # A text speaks for a place when it says 我局/我市/本县/全区; else the places it names
    # are places it talks about (旧北京市委, 香港回归), not its own.
    region = resolve_region(text, voice.level) if voice.level or voice.first_person else Region()
    signed = signature(body)
    issuer, issuer_source = _issuer(title, signed, body, found, text, voice, region)
    for named in (issuer, title):
        if not region.province and named:
            region = resolve_region(named, None)
    department, department_source = department_of(issuer), issuer_source
    if not department and voice.government and issuer_source == "text":
        department = "人民政府"
    if not department:
        department_source = ""

    date, date_source = _date(body, signed, found)
    doc_number, doc_number_source = header_doc_number(paragraphs[: title_end + 2]), "text"
    if not doc_number:
        item = found.first("doc_number")
        doc_number, doc_number_source = (item.value.strip(), item.source) if item else ("", "")
    year, year_source = _year(
        title, title_source, body, found, date, date_source, authored(text, voice)
    )
    described = Metadata(
        title=title,
        title_source=title_source,
        issuer=issuer,
        issuer_source=issuer_source,
        province=region.province,
        city=region.city,
        county=region.county,
        region_source="text" if region.province else "",
        department=department,
        department_source=department_source,
        year=year,
        year_source=year_source,
        date=date,
        date_source=date_source,
        kind=report_kind(title, body, speech=is_speech(body)),
        found_online=online.source if (online := found.first("online")) else "",
        laws=extract_laws(text),
        doc_number=doc_number,
        doc_number_source=doc_number_source,
        doc_numbers=extract_doc_numbers(text),
        boundary=boundary,
    )
    name_issuer(described)
    return described


class Found:
    """Evidence from outside the text, by field, in the order of `_PROPERTY_ORDER`."""

    def __init__(self, evidence: Sequence[Evidence]) -> None:
        rank = {source: i for i, source in enumerate(_PROPERTY_ORDER)}
        self.items = sorted(evidence, key=lambda e: rank.get(e.source, len(rank)))

    def first(self, field: str, *, exclude: tuple[str, ...] = ()) -> Evidence | None:
        for item in self.items:
            if item.field == field and item.value.strip() and item.source not in exclude:
                return item
        return None


# Which of a file's own statements is trusted first: its headline over its page title, and
# anything the file itself holds over its name.
_PROPERTY_ORDER = (
    "html_h1",
    "html_meta",
    "info_table",
    "html_title",
    "docx_properties",
    "pdf_metadata",
    "filename",
)


# ---------------------------------------------------------------- title

_MARKDOWN_HEADING = re.compile(r"#{1,6}\s*(?P<title>\S.*?)\s*#*")
_ORGAN_LINE = re.compile(
    rf"(?:中共)?[{_CJK}]{{2,30}}(?:人民政府办公室|人民政府|局|厅|委员会|委|办公室)"
)
_FULL_TEXT_MARK = re.compile(r"\s*[(（]全文[)）]$")
_TITLE_WINDOW = 40  # paragraphs of page furniture and contents a title may follow
_CONTENTS_LINE = re.compile(r"目\s*录|目\s*次")
_CONTENTS_ENTRY = re.compile(r"[.．…·]{2,}\s*\d{1,4}$")


def _title(paragraphs: list[str], found: Found) -> tuple[str, str, int]:
    """Return (title, source, index of the first paragraph after the title in the text).

    The title line is the last one above the report's first sentence, salutation or
    heading: page lines and a 目录 may come before it; a compilation's own name before a
    report's title is not the report's title.
    """
    heading = _MARKDOWN_HEADING.fullmatch(paragraphs[0])
    if heading and len(re.findall(f"[{_CJK}]", heading.group("title"))) >= 2:
        return heading.group("title"), "text", 1
    title, end = "", 0
    for i, paragraph in enumerate(paragraphs[:_TITLE_WINDOW]):
        following = paragraphs[i + 1] if i + 1 < len(paragraphs) else ""
        if _CONTENTS_LINE.fullmatch(paragraph) or _CONTENTS_ENTRY.search(paragraph):
            continue
        if is_title_line(paragraph):
            title, end = paragraph, i + 1
        elif (
            _ORGAN_LINE.fullmatch(paragraph)
            and following.startswith("关于")
            and is_title_line(following)
        ):
            title, end = paragraph + following, i + 2
        elif _continues_title(paragraph, following):
            # A title broken over two lines: "关于2023年度法治政府建设" / "工作情况的报告".
            title, end = paragraph + following, i + 2
        elif (
            parse_heading(paragraph) is not None
            or is_salutation(paragraph)
            or SENTENCE.search(paragraph)
        ):
            break
    if title:
        return _FULL_TEXT_MARK.sub("", title), "text", end
    item = found.first("title")
    if item:
        return _FULL_TEXT_MARK.sub("", item.value.strip()), item.source, 0
    return "", "", 0


def _continues_title(first: str, second: str) -> bool:
    """Tell whether two short lines without sentence punctuation are one broken title."""
    return (
        len(first) <= 30
        and 0 < len(second) <= 30
        and not SENTENCE.search(first + second)
        and parse_heading(first) is None
        and not is_title_line(second)
        and is_title_line(first + second)
    )


# ---------------------------------------------------------------- issuer

_TITLE_ISSUER = re.compile(
    rf"^(?:中共)?[{_CJK}]{{2,30}}?(?:人民政府办公室|人民政府|局|厅|委员会|委|办公室)"
    rf"(?=关于|\s*(?:19|20)\d\d|[{_CJK}]*(?:报告|总结))"
)


def title_issuer(title: str) -> str:
    """Return the organ a title names before its year or 关于, or "" (关于2023年…的报告)."""
    match = _TITLE_ISSUER.match(title.strip())
    return match.group(0) if match else ""


def _issuer(
    title: str,
    signed: Signature,
    body: list[str],
    found: Found,
    text: str,
    voice: Voice,
    region: Region,
) -> tuple[str, str]:
    named = title_issuer(title)
    if named:
        if not find_places(named):
            # "市民政局" in a title: the body may name the place the title leaves out.
            composed = find_issuer(text, voice, region, department_of(named))
            if composed.endswith(named):
                return composed, "title"
        return named, "title"
    if signed.issuer:
        return signed.issuer, "signature"
    spoken = spoken_for(body[:8])
    if spoken:
        return spoken, "text"
    item = found.first("issuer")
    if item:
        return item.value.strip(), item.source
    if not authored(text, voice):
        return "", ""  # a law or a notice names many organs; none of them wrote it
    department = find_department(text, voice.level, region.own) if voice.organ else ""
    inferred = find_issuer(text, voice, region, department)
    return (inferred, "text") if inferred else ("", "")


def authored(text: str, voice: Voice) -> bool:
    """Tell whether a text is an author's report on its own work, not a law or a notice.

    A report speaks of its author in the first person (我局, 我县); a law speaks of 本市
    and numbers its articles (第一条, 第二条, …).
    """
    return voice.first_person and len(ARTICLE.findall(text, 0, 5000)) < 3


@dataclass(frozen=True)
class Signature:
    """The 落款 at a report's end: the organ and the date written under the text."""

    issuer: str = ""
    date: str = ""


def signature(body: list[str]) -> Signature:
    """Return the organ and date of the signature block in a report's last lines.

    The block is read upwards from the end over at most four short lines: a date line, an
    organ line, or both on one line. Anything else ends the block.
    """
    issuer = date = ""
    for paragraph in reversed(body[-4:]):
        if not is_signature_line(paragraph):
            break
        found = find_dates(paragraph)
        if found and not date:
            date = found[-1].iso
        organ = _ORGAN_LINE.match(paragraph)
        # An organ name must end before any date on the line starts.
        if organ and not issuer and not any(d.start < organ.end() for d in found):
            issuer = organ.group(0)
    return Signature(issuer, date)


# ---------------------------------------------------------------- date and year

_SPEECH_SALUTATION = re.compile(r"(各位|全体)?(代表|委员|同志)们?[:：！!]?$")
_ANNOUNCEMENT = re.compile(r"现将.{0,60}?(报告|汇报|总结)如下")
_SENTENCE_START = re.compile(r"(?:^|[。！？；])\s*")
_OPENING_YEAR = re.compile(r"(?P<year>\S{4})\s*年\s*(度)?\s*(以来)?[,，是]|(?P<y2>\S{4})\s*年度")
_REVIEW_KIND = re.compile(r"报告|总结|汇报|述职")


def _dateline(body: list[str]) -> str:
    """Return the date of a speech's dateline among the first lines after its title (one
    broken over two lines is read joined)."""
    for i in range(min(6, len(body))):
        dates = find_dates(dateline_at(body, i))
        if dates:
            return dates[0].iso
    return ""


def _date(body: list[str], signed: Signature, found: Found) -> tuple[str, str]:
    dated = _dateline(body)
    if dated:
        return dated, "dateline"
    if signed.date:
        return signed.date, "signature"
    item = found.first("date")
    if item:
        return item.value, item.source
    return "", ""


def is_speech(body: list[str]) -> bool:
    """Tell whether a report is a speech to a congress: 各位代表：, 同志们：, or a dateline."""
    head = body[:6]
    return any(_SPEECH_SALUTATION.fullmatch(p) or dateline_at(head, i) for i, p in enumerate(head))


def _year(
    title: str,
    title_source: str,
    body: list[str],
    found: Found,
    date: str,
    date_source: str,
    author_speaks: bool,
) -> tuple[int | None, str]:
    year = first_year(title)
    if year:
        return year, title_source
    item = found.first("year")
    if item:
        return int(item.value), item.source
    announced = _announced_year(body)
    if announced:
        return announced, "opening"
    speech = is_speech(body)
    if speech and date:
        return int(date[:4]), date_source
    if not speech:
        reviews = _REVIEW_KIND.search(title) or any(_ANNOUNCEMENT.search(p) for p in body[:4])
        opened, where = _opening_year(body, headings=bool(reviews or author_speaks))
        if opened:
            return opened, where
        if date and not reviews:
            return int(date[:4]), date_source
    return None, ""


def _announced_year(body: list[str]) -> int | None:
    for paragraph in body[:4]:
        match = _ANNOUNCEMENT.search(unquoted(paragraph))
        if match:
            year = first_year(match.group(0))
            if year:
                return year
    return None


def _opening_year(body: list[str], *, headings: bool) -> tuple[int | None, str]:
    """Return a year opening a sentence of the first body paragraph, or the first heading's.

    Laws (第一条…) open with their adoption dates, which are not years they are about;
    the first heading's year counts only for an author's report (`headings`).
    """
    paragraphs = [p for p in body if not (is_salutation(p) or is_signature_line(p))]
    if len(ARTICLE.findall("\n".join(paragraphs[:40]))) >= 3:
        return None, ""
    if paragraphs and parse_heading(paragraphs[0]) is None:
        opening = unquoted(paragraphs[0])
        for start in _SENTENCE_START.finditer(opening):
            match = _OPENING_YEAR.match(opening, start.end())
            if match:
                year = first_year(match.group(0).replace(" ", ""))
                if year:
                    return year, "opening"
    for paragraph in paragraphs[:40] if headings else ():
        heading = parse_heading(paragraph)
        if heading is not None and heading.level == 1:
            year = first_year(unquoted(heading.label)[:12])
            return (year, "heading") if year else (None, "")
    return None, ""


def find_issuer(text: str, voice: Voice, region: Region, department: str) -> str:
    """Return the body that issued a report, as the text names it.

    A department's report (我局) is issued by the organ of its department: written out with
    the report's own place where the text does so (叙永县教育和体育局); else that place with
    the organ as the text writes it at its level (县教育体育局 → 叙永县教育体育局) or with
    the department's plain organ name (南湖区 + 应急管理局); else, when the place is never
    named, the level (市民政局). A government's report (我县) is issued by its 人民政府.
    Without a self-reference, or a department, the issuer is "".
    """
    prefix = region.own or voice.level
    if voice.government:
        return f"{prefix}人民政府"
    if not voice.organ or not department:
        return ""
    full: Counter[str] = Counter()
    short: Counter[str] = Counter()
    for match in ORGAN.finditer(text):
        if STEM_LABEL[match.group(1)] != department or match.group(2) in ("总局", "分局"):
            continue
        start = match.start()
        if region.own and text.endswith(region.own, 0, start):
            full[region.own + match.group(0)] += 1
        elif voice.level and text.endswith(voice.level, 0, start):
            short[match.group(0)] += 1
    if full:
        return full.most_common(1)[0][0]
    stems = next(stems for label, stems, _ in DEPARTMENTS if label == department)
    organ = short.most_common(1)[0][0] if short else f"{stems[0]}{voice.organ}"
    return f"{prefix}{organ}"
