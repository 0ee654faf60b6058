"""JSON API: /api/search (the CLI's --json contract), /api/trends, /api/collocations and
/api/reports/<id>. Every answer says which shards answered (`"shards"`)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from indexer.search.collocations import DEFAULT_LIMIT
from indexer.search.interface import Result
from indexer.search.results import report_to_json, result_to_json
from webapp.serving.engine import get_engine
from webapp.views.links import collocate_url, link, permalink
from webapp.views.params import (
    BadParameter,
    SearchParams,
    check_report_id,
    parse_int,
    parse_search,
    parse_window,
)
from webapp.views.query_assist import parse_refined

bp = Blueprint("api", __name__, url_prefix="/api")


def _searched(route: str, first_hits: int = 0) -> tuple[SearchParams, Result]:
    """The route's search; `first_hits`: how many of its first hits the route reads."""
    params = parse_refined(request.args, parse_search)
    if not params.q and not params.filters:
        raise BadParameter("缺少查询参数 q", hint=f"例如 /api/{route}?q=行政复议")
    filters = params.engine_filters()
    result = get_engine().search(params.q, filters=filters, sort=params.sort, first_hits=first_hits)
    return params, result


@bp.get("/search")
def search() -> Response:
    """Return the JSON contract for the query, a window of `limit` passages from `offset`.

    Each hit carries a `citation` quoting its absolute permalink.
    """
    offset, limit = parse_window(request.args)
    _, result = _searched("search", first_hits=offset + limit)
    data = result_to_json(result, link, offset, limit, permalink=permalink)
    return jsonify({**data, "shards": get_engine().shards_json()})


@bp.get("/trends")
def trends() -> Response:
    """Return the query's matching reports and passages by year and by province."""
    _, result = _searched("trends")
    return jsonify({**result.trends(), "shards": get_engine().shards_json()})


@bp.get("/collocations")
def collocates() -> Response:
    """Return the words that keep company with the query in its sentences, by G².

    Each collocate carries `search`, the URL of its sentences with the query (同句).
    """
    params, result = _searched("collocations")
    limit = parse_int(request.args, "limit", DEFAULT_LIMIT, 1, 200)
    data = result.collocations(limit)
    for entry in data["collocates"]:
        entry["search"] = collocate_url(params, result.query, entry["word"])
    return jsonify({**data, "shards": get_engine().shards_json()})


@bp.get("/reports/<report_id>")
def report(report_id: str) -> Response:
    """Return one report: metadata, source, its GB/T 7714 citation and passages."""
    engine = get_engine()
    report = engine.report(check_report_id(report_id))
    return jsonify(
        {**report_to_json(report, link, permalink=permalink), "shards": engine.shards_json()}
    )
