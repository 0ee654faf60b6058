"""The facet sidebar: values with report and passage counts, links that toggle them.

Values of one facet combine with OR, so a facet whose filter is active is counted without
that filter (`SearchEngine.disjunctive_facets`): its other values stay visible with what
each would add. Different facets combine with AND. Provinces drill down to their cities
and counties; years come in year order with a from–to range form.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from indexer.models import UNKNOWN
from indexer.search.facets import FACET_FILTERS, Facets, in_year_order
from webapp.views.params import FACET_LABELS, FILTERS, SearchParams
from webapp.views.render import bar_class

# The year filter's forms, as the query language reads them (2023, 2019-2023, >=2024 …).
_YEAR_RANGE = re.compile(r"(\d{4})年?(?:\s*(?:[-–~至]|\.\.)\s*(\d{4})年?)?")
_YEAR_BOUND = re.compile(r"(>=|<=|>|<|≥|≤)\s*(\d{4})年?")

Url = Callable[[dict[str, list[str]]], str]


def year_bounds(value: str) -> tuple[int | None, int | None] | None:
    """The first and last year a year filter value selects (None: open); None if not a range."""
    value = value.strip()
    if found := _YEAR_RANGE.fullmatch(value):
        return int(found[1]), int(found[2] or found[1])
    if found := _YEAR_BOUND.fullmatch(value):
        op, year = found[1], int(found[2])
        low = {">=": year, "≥": year, ">": year + 1}.get(op)
        high = {"<=": year, "≤": year, "<": year - 1}.get(op)
        return low, high
    return None


def year_words(value: str) -> str:
    """A year filter value as a reader says it: 2023年, 2019–2023年, 2024年及以后, 2020年及以前."""
    bounds = year_bounds(value)
    if bounds is None:
        return value  # 未识别, or a value the engine will refuse with its own message
    low, high = bounds
    if low is not None and high is not None:
        return f"{low}年" if low == high else f"{min(low, high)}–{max(low, high)}年"
    return f"{low}年及以后" if low is not None else f"{high}年及以前"


def chip_label(key: str, value: str) -> str:
    """A filter value as its chip shows it: places with › between levels, years in words."""
    if key == "region":
        return value.replace(" ", " › ")
    if key == "year":
        return year_words(value)
    if key == "date":
        return value.replace("..", " 至 ").replace(">=", "").replace("<=", "") + (
            " 及以后" if value.startswith(">=") else " 及以前" if value.startswith("<=") else ""
        )
    return value


def filter_label(key: str, value: str) -> str:
    """A filter as a sentence names it: 年份：2024年及以后, 地区：浙江省 › 嘉兴市."""
    return f"{FILTERS.get(key, key)}：{chip_label(key, value)}"


def chip_groups(params: SearchParams, url: Url) -> list[dict[str, Any]]:
    """Active filters by key: values of one key are joined by 或, keys by 且."""
    return [
        {
            "key": key,
            "label": FILTERS.get(key, key),
            "chips": [
                {"value": v, "text": chip_label(key, v), "href": url(params.without(key, v))}
                for v in values
            ],
        }
        for key, values in params.filters.items()
    ]


def _region_toggle(params: SearchParams, path: str, parent: str | None) -> dict[str, list[str]]:
    """Filters after clicking a place: choosing a city replaces its province, and back."""
    values = list(params.filters.get("region", []))

    def under(v: str, place: str) -> bool:
        return v.startswith(place + " ")

    if path in values:
        values = [v for v in values if v != path and not under(v, path)]
        if parent and not any(v == parent or under(v, parent) for v in values):
            values.append(parent)
    else:
        values = [v for v in values if v != parent and not under(v, path)]
        values.append(path)
    filters = {k: list(v) for k, v in params.filters.items() if k != "region"}
    if values:
        filters["region"] = values
    return filters


def _toggle(params: SearchParams, key: str, value: str) -> dict[str, list[str]]:
    if params.has(key, value):
        return params.without(key, value)
    return params.with_filter(key, value)


def _entry(
    v: dict[str, Any], largest: int, active: bool, filters: dict[str, list[str]], url: Url
) -> dict[str, Any]:
    value = str(v["value"])
    return {
        "value": value,
        "path": v.get("path", value),
        "reports": v["reports"],
        "passages": v["passages"],
        "bar": bar_class(v["reports"], largest),
        "active": active,
        "unknown": value == UNKNOWN,
        "href": url(filters),
        "children": [],
    }


def _places(params: SearchParams, facets: Facets, url: Url) -> list[dict[str, Any]]:
    """Provinces, each with its cities (and a city with its counties) once it is chosen."""
    chosen = params.filters.get("region", [])

    def opened(path: str) -> bool:
        return any(v == path or v.startswith(path + " ") for v in chosen)

    provinces = facets.get("province", [])
    largest = max((v["reports"] for v in provinces), default=0)
    entries = []
    for v in provinces:
        path = str(v["value"])
        entry = _entry(v, largest, path in chosen, _region_toggle(params, path, None), url)
        if path != UNKNOWN and opened(path):
            cities = [c for c in facets.get("city", []) if c["province"] == path]
            for c in cities:
                city = _entry(
                    c, largest, c["path"] in chosen, _region_toggle(params, c["path"], path), url
                )
                if opened(c["path"]):
                    for k in facets.get("county", []):
                        if k["province"] == path and k["city"] == c["value"]:
                            toggle = _region_toggle(params, k["path"], c["path"])
                            city["children"].append(
                                _entry(k, largest, k["path"] in chosen, toggle, url)
                            )
                entry["children"].append(city)
        entries.append(entry)
    return entries


def _year_form(values: list[str]) -> tuple[int | None, int | None]:
    """The range the year form shows as chosen: a single `2019-2023`, `2023` or `>=2024`."""
    bounds = year_bounds(values[0]) if len(values) == 1 else None
    return bounds or (None, None)


def _date_form(values: list[str]) -> tuple[str, str]:
    """The (from, to) the 成文日期 form shows: a single `a..b`, `>=a` or `<=b` filter."""
    if len(values) != 1:
        return "", ""
    value = values[0]
    if ".." in value:
        low, _, high = value.partition("..")
        return low, high
    if value.startswith(">="):
        return value[2:], ""
    if value.startswith("<="):
        return "", value[2:]
    return value, value


FACET_VALUES_LISTED = 50


def facet_view(params: SearchParams, facets: Facets, url: Url) -> list[dict[str, Any]]:
    """Return the sidebar's facets, in FACET_LABELS order, each with its entries."""
    out = []
    for name, label in FACET_LABELS.items():
        key = FACET_FILTERS[name]
        if name == "province":
            entries = _places(params, facets, url)
        else:
            every = facets.get(name) or []
            if name == "year":
                every = in_year_order(every)
            # Thousands of laws would cost a link each on every page: list the most
            # frequent, and always the chosen ones.
            values = every[:FACET_VALUES_LISTED] + [
                v for v in every[FACET_VALUES_LISTED:] if params.has(key, str(v["value"]))
            ]
            largest = max((v["reports"] for v in values), default=0)
            entries = [
                _entry(
                    v,
                    largest,
                    params.has(key, str(v["value"])),
                    _toggle(params, key, str(v["value"])),
                    url,
                )
                for v in values
            ]
        if not entries:
            continue
        facet: dict[str, Any] = {
            "name": name,
            "key": key,
            "label": label,
            "entries": entries,
            "selected": len(params.filters.get(key, [])),
            "unlisted": 0 if name == "province" else len(every) - len(values),
        }
        if name == "year":
            known = [int(v["value"]) for v in every if str(v["value"]).isdigit()]
            facet["years"] = sorted(set(known))
            facet["year_from"], facet["year_to"] = _year_form(params.filters.get("year", []))
            # The form replaces the year filter and keeps the rest, refinements included.
            facet["hidden"] = params.form_fields(filters=params.without("year"), page=None)
            # So does the 成文日期 form its date filter.
            facet["date_hidden"] = params.form_fields(filters=params.without("date"), page=None)
            facet["date_from"], facet["date_to"] = _date_form(params.filters.get("date", []))
        out.append(facet)
    return out
