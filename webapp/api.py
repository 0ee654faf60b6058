"""JSON API: /api/search (the CLI's --json contract) and /api/reports/<id>."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from indexer.results import report_to_json, result_to_json

from .engine import get_engine
from .links import link
from .params import BadParameter, check_report_id, parse_search, parse_window

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search():
    """Return the JSON contract for the query, a window of `limit` passages from `offset`."""
    params = parse_search(request.args)
    offset, limit = parse_window(request.args)
    if not params.q and not params.filters:
        raise BadParameter("缺少查询参数 q", hint="例如 /api/search?q=行政复议")
    result = get_engine().search(params.q, filters=params.engine_filters(), sort=params.sort)
    return jsonify(result_to_json(result, link, offset=offset, limit=limit))


@bp.get("/reports/<report_id>")
def report(report_id: str):
    """Return one report: metadata, source and passages."""
    report = get_engine().report(check_report_id(report_id))
    return jsonify(report_to_json(report, link))
