"""Report pages: a report as a reading tool.

The full text with every passage anchored; with ?q=… its matches marked, listed at the
top (section path and excerpt), counted per section in the table of contents, and
chained by 上一处 / 下一处 links (`#m-1` is the first). Every passage offers a citation,
the report one in the GB/T 7714 form.
The search state the reader came with (query, filters, sort, page) rides along, so the
back link returns to the same results page.
"""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue

from indexer.errors import QueryError
from indexer.ingest.s1_names import readable
from indexer.models import Passage, Report
from indexer.search.citation import citation, citation_gbt7714
from webapp.serving.engine import get_engine
from webapp.views.links import permalink
from webapp.views.params import BadParameter, SearchParams, check_report_id, parse_state
from webapp.views.query_assist import parse_refined
from webapp.views.similar import similar_here

bp = Blueprint("reports", __name__, url_prefix="/reports")


def shown_source(source: str) -> str:
    """The source as the page shows it: never a server's absolute path, only its file name.

    A name stored with `\\xNN` escapes (not UTF-8, from a GBK system) is shown decoded,
    as the CLI shows it (`s1_names.readable`).
    """
    name = readable(source)
    for path in (PurePosixPath(name), PureWindowsPath(name)):
        if path.is_absolute() or path.drive:
            return path.name
    return name


def reading_aids(
    report: Report, highlights: dict[str, list[tuple[int, int]]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return (matches in reading order, table of contents with match counts per section)."""
    matched = [p for p in report.passages if p.passage_id in highlights]
    matches = [
        {
            "n": i,
            "passage": p,
            "spans": highlights[p.passage_id],
            "prev": i - 1 if i > 1 else None,
            "next": i + 1 if i < len(matched) else None,
        }
        for i, p in enumerate(matched, 1)
    ]
    toc = []
    for p in report.passages:
        if p.is_heading:
            depth = len(p.section)
            count = sum(1 for m in matched if m.section[:depth] == p.section)
            toc.append({"passage": p, "level": min(max(depth, 1), 4), "matches": count})
    return matches, toc


def _cite(report: Report, passage: Passage) -> str:
    url = permalink(report.report_id, passage.passage_id)
    return citation(report.metadata, passage.section_path, passage.text, url)


@bp.get("/<report_id>")
def show(report_id: str) -> ResponseReturnValue:
    """Show a report; with ?q=…, mark and list the query's matches."""
    check_report_id(report_id)
    engine = get_engine()
    report = engine.report(report_id)
    status = 200
    highlights: dict[str, list[tuple[int, int]]] = {}
    error: BadParameter | QueryError | None = None
    state = SearchParams()
    try:
        state = parse_refined(request.args, parse_state)
        if state.q or state.filters:
            # law: alone marks the law's citations, whether typed or chosen as a filter.
            highlights = engine.report_highlights(report_id, state.q, state.filters)
    except (BadParameter, QueryError) as exc:
        # The report is still worth showing; say why nothing is highlighted.
        error, status = exc, exc.status
    matches, toc = reading_aids(report, highlights)
    similar_here(report_id)  # read now: the page says at its top if a shard was missing
    if state.q or state.filters:
        back = url_for("search.search", **state.url_args())
    else:
        back = url_for("search.search")
    match_of = {m["passage"].passage_id: m for m in matches}
    return render_template(
        "report.html",
        report=report,
        params=state,
        q=state.q,
        highlights=highlights,
        matches=matches,
        match_of=match_of,
        toc=toc,
        back=back,
        source=shown_source(report.source),
        cite=lambda p: _cite(report, p),
        cite_report=citation_gbt7714(report.metadata, permalink(report.report_id)),
        error=error,
        # The same body's reports of other years, to compare with.
        compare_with=[
            r for r in engine.counterparts(report_id) if r.metadata.year != report.metadata.year
        ],
    ), status
