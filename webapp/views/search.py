"""Search pages: the home page (what the index holds) and /search, results grouped by report."""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, current_app, g, render_template, request, url_for
from flask.typing import ResponseReturnValue

from indexer.errors import QueryError, ReportSearchError
from indexer.query.help import NOTES, QUERY_EXAMPLES, YEAR_FORMS, field_rows
from indexer.search.collocations import MEASURE
from indexer.search.interface import Result
from indexer.settings import MAX_QUERY_LENGTH, SORTS
from webapp.serving.engine import CachedEngine, get_engine
from webapp.views import charts
from webapp.views.facets_view import chip_groups, facet_view, filter_label
from webapp.views.links import collocate_url
from webapp.views.params import PAGE_SIZES, BadParameter, SearchParams, parse_state
from webapp.views.query_assist import error_context, parse_within, refined, result_context
from webapp.views.render import page_window

bp = Blueprint("search", __name__)

PASSAGES_PER_REPORT = 3
FACET_VALUES_SHOWN = 8
COLLOCATES_SHOWN = 15
COLLOCATION_PASSAGES = 500  # the page's table reads fewer passages than the API (2,000)
DEFAULT_SITE_TITLE = "报告全文检索"


@bp.app_context_processor
def site() -> dict[str, Any]:
    """What every page shows: the site's title (config SITE_TITLE) and the query limit."""
    return {
        "max_query_length": MAX_QUERY_LENGTH,
        "site_title": current_app.config.get("SITE_TITLE") or DEFAULT_SITE_TITLE,
    }


@bp.app_template_global()
def shards_missing() -> dict[str, Any] | None:
    """Which shards of the index did not answer this request (accepted with partial=1):
    what the page says before its results; None when every shard answered."""
    engine = g.get("engine")
    try:
        answered = engine.answered_for_page() if engine is not None else None
    except (ReportSearchError, OSError):  # no index: the page says so itself
        return None
    if answered is None or answered.complete:
        return None
    return {"total": answered.total, "missing": sorted(answered.missing)}


@bp.app_template_global()
def syntax_help() -> dict[str, Any]:
    """The query syntax for the help under every search box (a global: macros see it)."""
    return SYNTAX_HELP


SYNTAX_HELP = {
    "examples": QUERY_EXAMPLES,
    "fields": field_rows(),
    "year_forms": YEAR_FORMS,
    "notes": NOTES,
}
"""The query syntax as the page shows it: tables whose every example is a link that runs it."""


def search_url(
    params: SearchParams, filters: dict[str, list[str]] | None = None, **changes: Any
) -> str:
    """The URL of this search with other `filters` or `changes` (page, size, sort …)."""
    return url_for("search.search", **params.url_args(filters=filters, **changes))


def report_url(params: SearchParams, report_id: str, anchor: str | None = None) -> str:
    """A report's URL carrying the whole search state, so its back link returns here."""
    return url_for("reports.show", report_id=report_id, _anchor=anchor, **params.url_args())


def explain_empty(engine: CachedEngine, params: SearchParams) -> list[dict[str, Any]]:
    """For an empty result, say what each active filter removed: rerun without it and count."""
    checks = [(f"不加「{filter_label(k, v)}」时", params.without(k, v)) for k, v in params.chips()]
    if len(checks) > 1:
        checks.append(("去掉全部过滤条件时", {}))
    out = []
    for label, filters in checks:
        if not params.q and not filters:
            continue
        other = engine.search(params.q, filters=filters or None, sort=params.sort, first_hits=0)
        out.append(
            {
                "label": label,
                "reports": other.total_reports,
                "passages": other.total_passages,
                "href": search_url(params, filters, page=None),
            }
        )
    return out


def trend_charts(result: Result, measure: str) -> dict[str, Any]:
    """The query's trends (`indexer.search.trends`) with the geometry of their two charts.

    `measure` is what the bars draw (`charts.MEASURES`): matching reports, occurrences, or
    matching reports per 100 reports the index holds of that year or province.
    """
    data = result.trends()
    return {
        **data,
        "measure": measure,
        "measures": charts.MEASURES,
        "year_chart": charts.year_axis(data["by_year"], measure),
        "province_chart": charts.rows(data["by_province"], measure),
    }


def trend_measure() -> str:
    """Read `trend`, what the trend charts draw (reports by default)."""
    measure = request.args.get("trend", "").strip() or "reports"
    if measure not in charts.MEASURES:
        raise BadParameter(
            f"不支持的趋势图度量「{measure[:20]}」", hint="trend 取 " + "、".join(charts.MEASURES)
        )
    return measure


def collocate_table(params: SearchParams, result: Result) -> dict[str, Any] | None:
    """The query's collocates, each linked to its sentences with the query (同句)."""
    if not result.total_occurrences:
        return None
    data = result.collocations(COLLOCATES_SHOWN, COLLOCATION_PASSAGES)
    for entry in data["collocates"]:
        entry["href"] = collocate_url(params, result.query, entry["word"])
    return {**data, "measure": MEASURE} if data["collocates"] else None


def _context() -> dict[str, Any]:
    return {
        "sorts": SORTS,
        "page_sizes": PAGE_SIZES,
        "search_url": search_url,
        "report_url": report_url,
    }


@bp.get("/")
def home() -> ResponseReturnValue:
    """The home page: the search box and what the index holds; with ?q=… like /search."""
    if request.args:
        return search()
    try:
        summary = get_engine().overview()
    except ReportSearchError:  # no index yet: the page still explains how to search
        summary = None
    return render_template("search.html", params=None, overview=summary, **_context())


@bp.get("/search")
def search() -> ResponseReturnValue:
    """Show the search box and, for a query, one page of results grouped by report."""
    context = _context()
    try:
        params = parse_state(request.args)
        within = parse_within(request.args)
        measure = trend_measure()
    except BadParameter as exc:
        typed = SearchParams(q=request.args.get("q", "").strip()[:MAX_QUERY_LENGTH])
        return render_template("search.html", params=typed, error=exc, **context), exc.status
    context["params"] = params
    if not params.q and not params.filters:
        return render_template("search.html", **context)

    engine = get_engine()
    filters = params.engine_filters()
    try:
        params = context["params"] = refined(params, within)  # "search within results"
        result = engine.search(params.q, filters=filters, sort=params.sort, first_hits=0)
    except QueryError as exc:
        context.update(error_context(params, exc))
        return render_template("search.html", error=exc, **context), exc.status

    page, size = params.page, params.size
    pages = math.ceil(result.total_reports / size)
    groups = result.groups(
        offset=(page - 1) * size, limit=size, passages_per_group=PASSAGES_PER_REPORT
    )
    facets = engine.disjunctive_facets(params.q, filters, result.all_facets)

    def url(filters: dict[str, list[str]]) -> str:
        return search_url(params, filters, page=None)

    return render_template(
        "search.html",
        result=result,
        groups=groups,
        page=page,
        size=size,
        pages=pages,
        page_links=page_window(page, pages),
        facets=facet_view(params, facets, url) if result.total_reports or params.filters else [],
        chip_groups=chip_groups(params, url),
        trends=trend_charts(result, measure) if result.total_reports else None,
        collocates=collocate_table(params, result),
        facet_values_shown=FACET_VALUES_SHOWN,
        diagnosis=explain_empty(engine, params) if result.total_reports == 0 else None,
        **result_context(engine, params, result),
        **context,
    )
