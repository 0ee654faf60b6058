"""Parse and validate request parameters; every bad value becomes a 400 with a message."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from werkzeug.datastructures import MultiDict

from indexer.errors import NotFoundError
from indexer.query import FIELD_NAMES_ZH
from indexer.query.dates import date_days, date_range
from indexer.settings import MAX_QUERY_LENGTH, SORTS
from webapp.errors import BadParameter

MAX_PAGE = 1000
DEFAULT_SIZE = 10
MAX_SIZE = 50
DEFAULT_LIMIT = 20
MAX_LIMIT = 1000
MAX_OFFSET = 10_000_000
MAX_FILTER_VALUE_LENGTH = 100
MAX_FILTER_VALUES = 20

# URL parameter → label shown on filter chips: the query language's fields and names.
FILTERS = {name: names_zh[0] for name, names_zh in FIELD_NAMES_ZH.items()}
FACET_LABELS = {
    "province": "省份",
    "department": "部门",
    "issuer": "发布机关",
    "year": "年份",
    "law": "引用的法律",
}
PAGE_SIZES = (10, 20, 50)  # offered in the page; any size 1–MAX_SIZE is accepted
MIN_YEAR, MAX_YEAR = 1900, 2100

_REPORT_ID = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class SearchParams:
    """What a search request asks for, validated."""

    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    size: int = DEFAULT_SIZE

    def engine_filters(self) -> dict[str, list[str]] | None:
        return {k: list(v) for k, v in self.filters.items()} or None

    def url_args(
        self, *, filters: dict[str, list[str]] | None = None, **changes: object
    ) -> dict[str, Any]:
        """Return url_for keyword arguments for this search with other `filters` or `changes`.

        The page and page size are kept unless changed: a link that changes the filters
        or the order passes `page=None` (its results start on page 1).
        """
        args: dict[str, object] = {"q": self.q}
        args.update(self.filters if filters is None else filters)
        args["sort"] = self.sort if self.sort != "relevance" else None
        args["page"] = self.page if self.page != 1 else None
        args["size"] = self.size if self.size != DEFAULT_SIZE else None
        args.update(changes)
        return {k: v for k, v in args.items() if v not in (None, "", [])}

    def form_fields(
        self, *, filters: dict[str, list[str]] | None = None, **changes: object
    ) -> list[tuple[str, str]]:
        """The hidden (name, value) inputs of a form that keeps this search (`url_args`)."""
        args = self.url_args(filters=filters, **changes)
        return [
            (name, str(value))
            for name, values in args.items()
            for value in (values if isinstance(values, list) else [values])
        ]

    def query_args(self) -> dict[str, Any]:
        """The url_for arguments of the query alone (q, filters, sort): exports, the API."""
        return self.url_args(page=None, size=None)

    def without(self, key: str, value: str | None = None) -> dict[str, list[str]]:
        """Return the filters without `value` under `key` (or without `key` at all)."""
        out = {}
        for k, values in self.filters.items():
            kept = [v for v in values if k != key or (value is not None and v != value)]
            if kept:
                out[k] = kept
        return out

    def with_filter(self, key: str, value: str) -> dict[str, list[str]]:
        """Return the filters with `value` added under `key`."""
        out = {k: list(v) for k, v in self.filters.items()}
        if value not in out.setdefault(key, []):
            out[key].append(value)
        return out

    def has(self, key: str, value: str) -> bool:
        return value in self.filters.get(key, [])

    def chips(self) -> list[tuple[str, str]]:
        return [(k, v) for k, values in self.filters.items() for v in values]


_INTEGER = re.compile(r"[+-]?[0-9]+")
_LONGEST_INTEGER = 20  # digits read; a longer one is out of every range here


def parse_int(args: MultiDict, name: str, default: int, low: int, high: int) -> int:
    """Read the integer parameter `name`, `default` when absent.

    The message tells a value that is no integer from an integer out of range, and gives
    the range either way.
    """
    raw = args.get(name, "").strip()
    if not raw:
        return default
    hint = f"改为 {low}–{high} 之间的整数"
    if not _INTEGER.fullmatch(raw):
        kind = "用半角数字写的整数" if raw.isdigit() else "整数"  # １２ is digits, not ASCII
        raise BadParameter(f"参数 {name} 应是{kind}，收到的是「{raw[:20]}」", hint=hint)
    if len(raw) > _LONGEST_INTEGER or not low <= int(raw) <= high:
        raise BadParameter(
            f"参数 {name} 超出范围：应在 {low}–{high} 之间，收到的是「{raw[:20]}」", hint=hint
        )
    return int(raw)


def parse_search(args: MultiDict) -> SearchParams:
    """Read q, the filters and sort from query-string `args`."""
    q = args.get("q", "").strip()
    if len(q) > MAX_QUERY_LENGTH:
        raise BadParameter(
            f"查询太长（{len(q)} 个字符）", hint=f"最多 {MAX_QUERY_LENGTH} 个字符，请缩短查询"
        )
    filters: dict[str, list[str]] = {}
    for key in FILTERS:
        values: list[str] = []
        for raw in args.getlist(key):
            value = raw.strip()
            if not value or value in values:
                continue
            if len(value) > MAX_FILTER_VALUE_LENGTH:
                raise BadParameter(
                    f"过滤条件 {key} 的值太长（{len(value)} 个字符）",
                    hint=f"最多 {MAX_FILTER_VALUE_LENGTH} 个字符，请缩短",
                )
            values.append(value)
        if len(values) > MAX_FILTER_VALUES:
            raise BadParameter(
                f"过滤条件 {key} 的值太多（{len(values)} 个）", hint=f"最多 {MAX_FILTER_VALUES} 个"
            )
        if values:
            filters[key] = values
    year_range = _year_range(args)
    if year_range:
        filters["year"] = [year_range]
    date_range = _date_range(args)
    if date_range:
        filters["date"] = [date_range]
    sort = args.get("sort", "").strip() or "relevance"
    if sort not in SORTS:
        raise BadParameter(f"不支持的排序方式「{sort[:20]}」", hint="sort 取 " + "、".join(SORTS))
    return SearchParams(q=q, filters=filters, sort=sort)


def _year_range(args: MultiDict) -> str | None:
    """Read the year range form (year_from, year_to) as a year filter value, e.g. 2019-2023."""
    low = parse_int(args, "year_from", 0, MIN_YEAR, MAX_YEAR) or None
    high = parse_int(args, "year_to", 0, MIN_YEAR, MAX_YEAR) or None
    if low and high:
        low, high = min(low, high), max(low, high)
        return str(low) if low == high else f"{low}-{high}"
    if low:
        return f">={low}"
    if high:
        return f"<={high}"
    return None


def _date_bound(args: MultiDict, name: str) -> str:
    value = args.get(name, "").strip()
    if value and date_days(value) is None:
        raise BadParameter(
            f"参数 {name} 应是日期，收到的是「{value[:20]}」",
            hint="写成 2023、2023-01 或 2023-01-16",
        )
    return value


def _date_range(args: MultiDict) -> str | None:
    """Read the 成文日期 form (date_from, date_to) as a date filter value, e.g. 2023-01..2023-06.

    Either bound may be a year, a month or a day; a missing one leaves that end open.
    """
    low, high = _date_bound(args, "date_from"), _date_bound(args, "date_to")
    if low and high:
        value = f"{low}..{high}"
        if date_range(value) is None:
            raise BadParameter(f"成文日期的起点晚于终点：{low} 至 {high}", hint="交换两个日期")
        return value
    if low:
        return f">={low}"
    if high:
        return f"<={high}"
    return None


def parse_state(args: MultiDict) -> SearchParams:
    """Read a whole search state: the query, filters and sort, and the page and size."""
    page, size = parse_page(args)
    return replace(parse_search(args), page=page, size=size)


def parse_page(args: MultiDict) -> tuple[int, int]:
    """Return (page, size): 1-based page of reports and reports per page."""
    return (
        parse_int(args, "page", 1, 1, MAX_PAGE),
        parse_int(args, "size", DEFAULT_SIZE, 1, MAX_SIZE),
    )


def parse_window(args: MultiDict) -> tuple[int, int]:
    """Return (offset, limit) over passages, for the JSON API."""
    return (
        parse_int(args, "offset", 0, 0, MAX_OFFSET),
        parse_int(args, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
    )


def check_report_id(report_id: str) -> str:
    """Return `report_id` if it is well formed; otherwise it cannot exist: NotFoundError."""
    if not _REPORT_ID.fullmatch(report_id):
        raise NotFoundError("没有这份报告", hint="报告编号是 16 位小写十六进制数")
    return report_id
