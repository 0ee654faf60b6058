"""Trends of a query: its matching reports, passages and occurrences by year and by province.

The same counts as the result's facets (未识别 included, so each list adds up to the
totals), years in year order, provinces largest first. Each entry also says how many
reports of that year or province the whole index holds, and the matching reports per 100
of them: a year with twice the reports should not look twice as interested in a term.

Two parts, so that a sharded index computes them as one index does: the tallies of
occurrences by year and province (`tally`), which add up over shards (`add_tallies`),
and the figures derived from them, the facets and the index's own counts (`trends`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from indexer.models import UNKNOWN
from indexer.search.facets import Facets, in_year_order

if TYPE_CHECKING:
    import numpy as np

    from indexer.search.facets import FacetCounter

TREND_FACETS = ("year", "province")
Tallies = dict[str, dict[str, int]]
"""Per trend facet (year, province): occurrences by value."""


class Counted(Protocol):
    """What the trends read of a result: its query, totals and facets."""

    query: str
    total_reports: int
    total_passages: int

    @property
    def total_occurrences(self) -> int: ...

    @property
    def facets(self) -> dict[str, list[dict[str, object]]]: ...


def tally(counter: FacetCounter, per_report: np.ndarray) -> Tallies:
    """A result's occurrences by year and by province (`per_report`: by report ordinal)."""
    return {name: counter.sums(name, per_report) for name in TREND_FACETS}


def add_tallies(parts: Sequence[Tallies]) -> Tallies:
    """The tallies of disjoint sets of reports (a sharded index's shards), summed."""
    out: Tallies = {name: {} for name in TREND_FACETS}
    for part in parts:
        for name, values in part.items():
            for value, count in values.items():
                out[name][value] = out[name].get(value, 0) + count
    return out


def _entries(
    values: list[dict[str, Any]], occurrences: dict[str, int], everything: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    held = {str(v["value"]): int(v["reports"]) for v in everything}
    out = []
    for v in values:
        in_index = held.get(str(v["value"]), 0)
        out.append(
            {
                "value": v["value"],
                "reports": v["reports"],
                "passages": v["passages"],
                "occurrences": occurrences.get(str(v["value"]), 0),
                "index_reports": in_index,
                "per_100_reports": round(100 * v["reports"] / in_index, 1) if in_index else 0.0,
            }
        )
    return out


def trends(result: Counted, tallies: Tallies, everything: Facets) -> dict[str, Any]:
    """Return `{query, total_reports, total_passages, total_occurrences, by_year, by_province}`.

    Each list holds `{value, reports, passages, occurrences, index_reports,
    per_100_reports}`; reports stating no year or province come last, as 未识别.
    `tallies` are the result's occurrences by value (`tally`), `everything` the facets of
    the whole index.
    """
    facets: dict[str, list[dict[str, Any]]] = dict(result.facets)
    provinces = sorted(facets["province"], key=lambda v: v["value"] == UNKNOWN)
    return {
        "query": result.query,
        "total_reports": result.total_reports,
        "total_passages": result.total_passages,
        "total_occurrences": result.total_occurrences,
        "by_year": _entries(in_year_order(facets["year"]), tallies["year"], everything["year"]),
        "by_province": _entries(provinces, tallies["province"], everything["province"]),
    }
