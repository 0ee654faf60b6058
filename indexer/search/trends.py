"""Trends of a query: its matching reports and passages by year and by province.

The same counts as the result's facets (未识别 included, so each list adds up to the
totals), years in year order, provinces largest first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from indexer.models import UNKNOWN
from indexer.search.facets import in_year_order

if TYPE_CHECKING:
    from indexer.search.ranking import SearchResult


def _entries(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"value": v["value"], "reports": v["reports"], "passages": v["passages"]} for v in values
    ]


def trends(result: SearchResult) -> dict[str, Any]:
    """Return `{query, total_reports, total_passages, by_year, by_province}`.

    Each list holds `{value, reports, passages}`; reports stating no year or province
    come last, as 未识别.
    """
    facets = result.facets
    provinces = sorted(facets["province"], key=lambda v: v["value"] == UNKNOWN)
    return {
        "query": result.query,
        "total_reports": result.total_reports,
        "total_passages": result.total_passages,
        "by_year": _entries(in_year_order(facets["year"])),
        "by_province": _entries(provinces),
    }
