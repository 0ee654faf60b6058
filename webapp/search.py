"""Search pages: the home page and /search, results grouped by report."""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, render_template, request, url_for

from indexer.engine import SearchEngine
from indexer.errors import QueryError
from indexer.query_help import QUERY_HELP
from indexer.ranking import SearchResult
from indexer.settings import MAX_QUERY_LENGTH, SORTS

from .engine import get_engine
from .params import (
    DEFAULT_SIZE,
    FACET_FILTERS,
    FACET_LABELS,
    FILTERS,
    BadParameter,
    SearchParams,
    parse_page,
    parse_search,
)
from .render import bar_class, page_window

bp = Blueprint("search", __name__)

PASSAGES_PER_REPORT = 3
FACET_VALUES_SHOWN = 8


@bp.app_context_processor
def limits() -> dict[str, Any]:
    """Limits every page's search box enforces, from the library's settings."""
    return {"max_query_length": MAX_QUERY_LENGTH}


def _search_url(params: SearchParams, filters: dict[str, list[str]] | None = None, **changes):
    return url_for("search.search", **params.url_args(filters=filters, **changes))


def filter_label(key: str, value: str) -> str:
    return f"{FILTERS.get(key, key)}={value}"


def facet_view(
    result: SearchResult, params: SearchParams, keep: dict[str, Any]
) -> list[dict[str, Any]]:
    """Return the sidebar's facets: each value with its bar width and the link that toggles it."""
    facets = []
    for name, label in FACET_LABELS.items():
        key = FACET_FILTERS[name]
        values: list[dict[str, Any]] = result.facets.get(name) or []
        largest = max((v["reports"] for v in values), default=0)
        entries = []
        for v in values:
            value = str(v["value"])
            active = params.has(key, value)
            filters = params.without(key, value) if active else params.with_filter(key, value)
            entries.append(
                {
                    "value": value,
                    "reports": v["reports"],
                    "passages": v["passages"],
                    "bar": bar_class(v["reports"], largest),
                    "active": active,
                    "href": _search_url(params, filters, **keep),
                }
            )
        if entries:
            facets.append({"name": name, "key": key, "label": label, "entries": entries})
    return facets


def explain_empty(
    engine: SearchEngine, params: SearchParams, keep: dict[str, Any]
) -> list[dict[str, Any]]:
    """For an empty result, say what each active filter removed: rerun without it and count."""
    checks = [(f"不加「{filter_label(k, v)}」时", params.without(k, v)) for k, v in params.chips()]
    if len(checks) > 1:
        checks.append(("去掉全部过滤条件时", {}))
    out = []
    for label, filters in checks:
        other = engine.search(params.q, filters=filters or None, sort=params.sort)
        out.append(
            {
                "label": label,
                "reports": other.total_reports,
                "passages": other.total_passages,
                "href": _search_url(params, filters, **keep),
            }
        )
    return out


@bp.get("/")
def home():
    """The home page: the search box; with ?q=… it shows results like /search."""
    return search()


@bp.get("/search")
def search():
    """Show the search box and, for a query, one page of results grouped by report."""
    context: dict[str, Any] = {
        "query_help": QUERY_HELP,
        "sorts": SORTS,
        "filter_label": filter_label,
        "search_url": _search_url,
    }
    try:
        params = parse_search(request.args)
        page, size = parse_page(request.args)
    except BadParameter as exc:
        typed = SearchParams(q=request.args.get("q", "").strip()[:MAX_QUERY_LENGTH])
        return render_template("search.html", params=typed, error=exc, **context), exc.status
    context["params"] = params
    if not params.q and not params.filters:
        return render_template("search.html", **context)

    engine = get_engine()
    try:
        result = engine.search(params.q, filters=params.engine_filters(), sort=params.sort)
    except QueryError as exc:
        return render_template("search.html", error=exc, **context), exc.status

    # Links from this page keep its page size; changing filters or sort starts at page 1.
    keep = {"size": size if size != DEFAULT_SIZE else None}
    pages = math.ceil(result.total_reports / size)
    groups = result.groups(
        offset=(page - 1) * size, limit=size, passages_per_group=PASSAGES_PER_REPORT
    )
    return render_template(
        "search.html",
        result=result,
        groups=groups,
        page=page,
        size=size,
        pages=pages,
        page_links=page_window(page, pages),
        facets=facet_view(result, params, keep),
        keep=keep,
        facet_values_shown=FACET_VALUES_SHOWN,
        diagnosis=explain_empty(engine, params, keep) if result.total_reports == 0 else None,
        **context,
    )
