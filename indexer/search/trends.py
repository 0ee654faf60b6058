"""Trends of a query: its matching reports, passages and occurrences by year and by province.

The same counts as the result's facets (未识别 included, so each list adds up to the
totals), years in year order, provinces largest first. Each entry also says how many
reports of that year or province the whole index holds, and the matching reports per 100
of them: a year with twice the reports should not look twice as interested in a term.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from indexer.models import UNKNOWN
from indexer.search.facets import in_year_order

if TYPE_CHECKING:
    from indexer.search.ranking import SearchResult


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


def trends(result: SearchResult) -> dict[str, Any]:
    """Return `{query, total_reports, total_passages, total_occurrences, by_year, by_province}`.

    Each list holds `{value, reports, passages, occurrences, index_reports,
    per_100_reports}`; reports stating no year or province come last, as 未识别.
    """
    facets = result.facets
    generation = result.generation
    counter = generation.report_table.facet_counter
    per_report = result.occurrences.per_report
    everything = generation.facets_of_everything()
    provinces = sorted(facets["province"], key=lambda v: v["value"] == UNKNOWN)
    return {
        "query": result.query,
        "total_reports": result.total_reports,
        "total_passages": result.total_passages,
        "total_occurrences": result.total_occurrences,
        "by_year": _entries(
            in_year_order(facets["year"]), counter.sums("year", per_report), everything["year"]
        ),
        "by_province": _entries(
            provinces, counter.sums("province", per_report), everything["province"]
        ),
    }
