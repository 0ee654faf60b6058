"""Stage 5, dates: years and dates as reports write them, in any of their numeral systems.

Reports write 2023年, ２０２３年 (full width), 二〇二三年, 二○二三年 (○ is U+25CB, a common
stand-in for 〇), 二零二三年; months and days as 1月15日 or 一月十五日. Chinese numerals are read
by cn2an. The text itself is never changed: these functions only read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Plausible years for a report's own date or subject. Earlier "years" are usually
# something else (1000余年, 历史上的年份 in prose).
YEAR_MIN, YEAR_MAX = 1840, 2100

_ZEROS = str.maketrans({"○": "〇", "零": "〇", "Ｏ": "〇", "O": "〇", "o": "〇"})
CN_DIGIT = "〇○零Ｏ一二三四五六七八九"
"""A digit of a year written in Chinese numerals: 〇 and its stand-ins ○ (U+25CB), 零, Ｏ."""
_CN_SMALL = "一二三四五六七八九十"
YEAR_DIGITS = rf"(?:[0-9０-９]{{4}}|[{CN_DIGIT}]{{4}})"
"""The four digits of a year in any numeral system a report uses (2023, ２０２３, 二〇二三):
the one definition every stage's date patterns are built from."""
DAY_DIGITS = rf"[0-9０-９{CN_DIGIT}十]"
"""A digit of a month or a day, in any numeral system (1, １, 一, 十)."""
_YEAR = rf"(?<![0-9０-９{CN_DIGIT}十百千万])(?P<year>{YEAR_DIGITS})\s*年"
_MONTH = rf"\s*(?P<month>[0-9０-９]{{1,2}}|[{_CN_SMALL}]{{1,3}})\s*月"
_DAY = rf"(?:\s*(?P<day>[0-9０-９]{{1,2}}|[{_CN_SMALL}]{{1,3}})\s*[日号])?"

YEAR_PATTERN = re.compile(_YEAR)
DATE_PATTERN = re.compile(_YEAR + _MONTH + _DAY)
# 2024-01-15, 2024.1.15, 2024/01/15 (file names, page metadata, info tables).
NUMERIC_DATE = re.compile(
    r"(?<!\d)(?P<year>\d{4})\s*[-./／]\s*(?P<month>\d{1,2})(?:\s*[-./／]\s*(?P<day>\d{1,2}))?(?!\d)"
)


@dataclass(frozen=True)
class FoundDate:
    """A date or year written in a text: ISO text ("2024-01-15", "2024-01", "2024") and span."""

    iso: str
    start: int
    end: int

    @property
    def year(self) -> int:
        return int(self.iso[:4])


def _number(written: str) -> int | None:
    """Read a number written in ASCII, full-width or Chinese digits; None if unreadable."""
    if written.isdigit():
        return int(written)  # int() reads full-width digits too
    import cn2an  # here: importing it costs 0.15 s, and most dates are written in digits

    try:
        value = cn2an.cn2an(written.translate(_ZEROS), "normal")
    except (ValueError, KeyError, TypeError):
        return None
    return int(value)


def _iso(year: int | None, month: int | None = None, day: int | None = None) -> str | None:
    if year is None or not YEAR_MIN <= year <= YEAR_MAX:
        return None
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        return None
    if day is None:
        return f"{year:04d}-{month:02d}"
    if not 1 <= day <= 31:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _from_match(match: re.Match[str]) -> FoundDate | None:
    groups = match.groupdict()
    year = _number(groups["year"])
    month = _number(groups["month"]) if groups.get("month") else None
    day = _number(groups["day"]) if groups.get("day") else None
    iso = _iso(year, month, day)
    return FoundDate(iso, match.start(), match.end()) if iso else None


def find_dates(text: str) -> list[FoundDate]:
    """Return every full or partial date (year + month [+ day]) written in the text."""
    found = []
    for pattern in (DATE_PATTERN, NUMERIC_DATE):
        for match in pattern.finditer(text):
            date = _from_match(match)
            if date:
                found.append(date)
    return sorted(found, key=lambda d: d.start)


def find_years(text: str) -> list[FoundDate]:
    """Return every year written as "<year>年" in the text, in order.

    >>> [d.year for d in find_years("一九五五年和２０２３年，不是十二年，也不是2023件")]
    [1955, 2023]
    """
    found = []
    for match in YEAR_PATTERN.finditer(text):
        date = _from_match(match)
        if date:
            found.append(date)
    return found


def first_year(text: str) -> int | None:
    """Return the first year written in a short text such as a title, or None."""
    years = find_years(text)
    return years[0].year if years else None


def parse_date(text: str) -> str | None:
    """Return the ISO form of a text that is a date and little else ("2024年1月15日")."""
    dates = find_dates(text)
    return dates[0].iso if dates else None
