"""Facet counts: what a result holds by province, city, county, department, year and law.

Every report is counted once per facet; a report that states no province, department or
year is counted under `UNKNOWN` (未识别), so each of those facets adds up to the result's
totals. `UNKNOWN` is also a filter value (`region:未识别`, `dept=未识别`, `year=未识别`)
selecting exactly the reports of that bucket.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from .engine import SearchEngine
    from .store import ReportRecord

UNKNOWN = "未识别"
"""The facet value and filter value of reports that state nothing for a field."""

PUBLIC_FACETS = ("province", "department", "year", "law")
"""The facets of the JSON contract; `city` and `county` serve the drill-down."""

FACET_FILTERS = {
    "province": "region",
    "city": "region",
    "county": "region",
    "department": "dept",
    "year": "year",
    "law": "law",
}
"""Facet → the filter a click on one of its values adds."""

Facets = dict[str, list[dict[str, Any]]]


def region_path(*parts: str) -> str:
    """Return the region filter value naming exactly this province (city, county).

    The region filter matches inside "province city county", so the joined path selects
    that place and nothing with a similar name elsewhere.
    """
    return " ".join(parts)


def count_facets(records: Sequence[ReportRecord], report_counts: np.ndarray) -> Facets:
    """Count reports and passages per facet value; `report_counts[i]` is report i's passages."""
    tallies: dict[str, dict[tuple[str, ...], list[int]]] = {name: {} for name in FACET_FILTERS}
    for ordinal in report_counts.nonzero()[0].tolist():
        meta = records[ordinal].metadata
        passages = int(report_counts[ordinal])
        keys: dict[str, list[tuple[str, ...]]] = {
            "province": [(meta.province or UNKNOWN,)],
            "department": [(meta.department or UNKNOWN,)],
            "year": [(str(meta.year) if meta.year else UNKNOWN,)],
            "law": [(law,) for law in dict.fromkeys(meta.laws) if law],
            "city": [(meta.province, meta.city)] if meta.city else [],
            "county": [(meta.province, meta.city, meta.county)] if meta.county else [],
        }
        for name, found in keys.items():
            for key in found:
                counts = tallies[name].setdefault(key, [0, 0])
                counts[0] += 1
                counts[1] += passages
    out: Facets = {}
    for name, tally in tallies.items():
        ordered = sorted(
            tally.items(),
            key=lambda item: (item[0] == (UNKNOWN,), -item[1][0], -item[1][1], item[0]),
        )
        entries = []
        for key, (reports, passages) in ordered:
            entry: dict[str, Any] = {"value": key[-1], "reports": reports, "passages": passages}
            if name in ("city", "county"):
                entry["province"] = key[0]
                if name == "county":
                    entry["city"] = key[1]
                entry["path"] = region_path(*key)
            entries.append(entry)
        out[name] = entries
    return out


def in_year_order(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return year facet values oldest first, 未识别 last."""
    return sorted(values, key=lambda v: (v["value"] == UNKNOWN, str(v["value"])))


def disjunctive_facets(
    engine: SearchEngine,
    query: str,
    filters: Mapping[str, Sequence[str]] | None,
    counted: Facets,
) -> Facets:
    """Return facets where each filtered facet is counted without its own filter.

    Values of one filter combine with OR, so a facet whose filter is active shows what
    each further value would add: its counts come from the search without that filter
    (and the other filters kept). `counted` is the facets of the search with every filter.
    """
    out = dict(counted)
    active = {key for key, values in (filters or {}).items() if values}
    for key in sorted(active & set(FACET_FILTERS.values())):
        rest = {k: list(v) for k, v in (filters or {}).items() if k != key and v}
        if not query.strip() and not rest:
            other = _all_reports(engine)
        else:
            other = engine.search(query, filters=rest or None).all_facets
        for name, filter_key in FACET_FILTERS.items():
            if filter_key == key:
                out[name] = other[name]
    return out


def _all_reports(engine: SearchEngine) -> Facets:
    """Facets of the whole index: what a filter alone browses."""
    import numpy as np

    table = engine.report_table
    counts = np.zeros(len(table.records), dtype=np.int64)
    live = np.asarray(engine.passage_report)[engine.live]
    np.add.at(counts, live, 1)
    return count_facets(table.records, counts)


def overview(engine: SearchEngine, *, laws: int = 10) -> dict[str, Any]:
    """Return what the index holds: counts, years covered, provinces and most-cited laws."""
    facets = _all_reports(engine)
    years = [int(v["value"]) for v in facets["year"] if v["value"] != UNKNOWN]
    return {
        "reports": sum(v["reports"] for v in facets["province"]),
        "passages": sum(v["passages"] for v in facets["province"]),
        "years": in_year_order(facets["year"]),
        "first_year": min(years, default=None),
        "last_year": max(years, default=None),
        "provinces": facets["province"],
        "departments": facets["department"],
        "laws": facets["law"][:laws],
    }
