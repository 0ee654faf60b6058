"""Report pages: one report's full text, every passage anchored, matches highlighted."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from indexer.errors import QueryError

from .engine import get_engine
from .params import BadParameter, check_report_id, parse_search

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("/<report_id>")
def show(report_id: str):
    """Show a report; with ?q=…, highlight the query's matches in every passage."""
    check_report_id(report_id)
    engine = get_engine()
    report = engine.report(report_id)
    status = 200
    highlights: dict[str, list[tuple[int, int]]] = {}
    error: BadParameter | QueryError | None = None
    q = ""
    try:
        q = parse_search(request.args).q
        if q:
            highlights = engine.report_highlights(report_id, q)
    except (BadParameter, QueryError) as exc:
        # The report is still worth showing; say why nothing is highlighted.
        error, status = exc, exc.status
    toc = [p for p in report.passages if p.is_heading]
    return render_template(
        "report.html", report=report, q=q, highlights=highlights, toc=toc, error=error
    ), status
