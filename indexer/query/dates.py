"""Dates of the date: filter (成文日期): a day, a month or a year, and ranges of them.

A date is known to a day (2023-01-16), a month (2023-01) or a year (2023), in a report
(`Metadata.date`) as in a filter; either stands for the days it covers, written as
integers YYYYMMDD: 2023-01 is 20230101–20230131. A filter value is one date, a range
(`2022-12..2023-06`, also `~` or `至` between), or a comparison (`>=2023-01`, `<2024`). A
report matches when its date's days and the filter's days overlap: a date known only to
the month or year may lie in the range, so it is found (date:2023-03 finds a report
dated only 2023), as a literal search never silently misses; a report with no date
matches only `date:未识别`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re

DATE_HINT = "可写 date:2023、date:2023-01、date:2023-01-16、date:2022-12..2023-06、date:>=2023-01"
_ONE = r"(\d{4})(?:[-./年](\d{1,2})(?:[-./月](\d{1,2})日?)?月?)?年?"
_DATE = re.compile(_ONE)
_RANGE = re.compile(rf"({_ONE})\s*(?:\.\.|~|～|至|—)\s*({_ONE})")
_COMPARE = re.compile(rf"(>=|<=|>|<|≥|≤)\s*({_ONE})")
LOWEST, HIGHEST = 10000101, 99991231


def _days(year: str, month: str | None, day: str | None) -> tuple[int, int] | None:
    """The first and last day a date covers, as YYYYMMDD; None if it is no date."""
    y = int(year)
    if not 1000 <= y <= 9999:
        return None
    if month is None:
        return y * 10000 + 101, y * 10000 + 1231
    m = int(month)
    if not 1 <= m <= 12:
        return None
    last = _month_length(y, m)
    if day is None:
        return y * 10000 + m * 100 + 1, y * 10000 + m * 100 + last
    d = int(day)
    if not 1 <= d <= last:
        return None
    return (y * 10000 + m * 100 + d,) * 2


@functools.lru_cache(maxsize=4096)
def _month_length(year: int, month: int) -> int:
    """Days in the month (`calendar.monthrange` computes a weekday too: 10 µs, at every
    report of a shard opened)."""
    return calendar.monthrange(year, month)[1]


def _next(day: int, step: int) -> int:
    """The day `step` days after `day` (YYYYMMDD)."""
    moved = dt.date(day // 10000, day // 100 % 100, day % 100) + dt.timedelta(days=step)
    return moved.year * 10000 + moved.month * 100 + moved.day


def date_days(value: str) -> tuple[int, int] | None:
    """The days a stated date covers (2023-01 → 20230101, 20230131); None if none is stated.

    >>> date_days("2024-01"), date_days("2024-02-30"), date_days("")
    ((20240101, 20240131), None, None)
    """
    found = _DATE.fullmatch(value.strip())
    return _days(*found.groups()) if found else None


def date_range(value: str) -> tuple[int, int] | None:
    """The days a filter value selects, as (first, last) YYYYMMDD; None if it is malformed.

    >>> date_range("2022-12..2023-01"), date_range(">=2023-07"), date_range("<2023")
    ((20221201, 20230131), (20230701, 99991231), (10000101, 20221231))
    """
    value = value.strip()
    if (days := date_days(value)) is not None:
        return days
    if found := _RANGE.fullmatch(value):
        first, last = date_days(found[1]), date_days(found[5])
        if first is None or last is None or first[0] > last[1]:
            return None
        return first[0], last[1]
    if found := _COMPARE.fullmatch(value):
        bound = date_days(found[2])
        if bound is None:
            return None
        op = found[1]
        if op in (">=", "≥"):
            return bound[0], HIGHEST
        if op == ">":
            return min(_next(bound[1], 1), HIGHEST), HIGHEST
        if op in ("<=", "≤"):
            return LOWEST, bound[1]
        return LOWEST, max(_next(bound[0], -1), LOWEST)
    return None
