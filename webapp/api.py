"""JSON API: /api/search (the CLI's --json contract) and /api/reports/<id>."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from .engine import get_engine
from .params import BadParameter, check_report_id, parse_search, parse_window

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search():
    """Return `result.to_json` for the query, a window of `limit` passages from `offset`."""
    params = parse_search(request.args)
    offset, limit = parse_window(request.args)
    if not params.q and not params.filters:
        raise BadParameter("缺少查询参数 q", hint="例如 /api/search?q=行政复议")
    result = get_engine().search(params.q, filters=params.engine_filters(), sort=params.sort)
    return jsonify(result.to_json(offset=offset, limit=limit))


@bp.get("/reports/<report_id>")
def report(report_id: str):
    """Return one report: metadata, source and passages."""
    return jsonify(get_engine().report_to_json(check_report_id(report_id)))
