"""CSV export of every hit of a query, streamed as it is written."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from urllib.parse import quote

from flask import Blueprint, Response, request, stream_with_context

from indexer.models import HIT_COLUMNS
from indexer.search.citation import citation_gbt7714
from webapp.serving.engine import get_engine
from webapp.views.links import permalink
from webapp.views.params import BadParameter, parse_search
from webapp.views.query_assist import parse_refined

bp = Blueprint("export", __name__)

COLUMNS = [
    "report_id", *HIT_COLUMNS, "section", "text", "permalink", "citation", "doc_number",
    "citation_gbt7714",
]  # fmt: skip
BOM = "\ufeff"  # lets Excel recognise UTF-8 and show the Chinese correctly
# Rows are sent in pieces of about this many characters: one write (and one HTTP chunk)
# per row would cost a system call per passage, tens of thousands for a common word.
CHUNK_CHARS = 32_768
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    """Keep spreadsheets from running a cell as a formula (CSV injection): prefix a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@bp.get("/export.csv")
def export_csv() -> Response:
    """Stream all hits of the query as CSV (UTF-8 with BOM), one row per passage, no cap."""
    params = parse_refined(request.args, parse_search)
    if not params.q and not params.filters:
        raise BadParameter("缺少查询参数 q", hint="例如 /export.csv?q=行政复议")
    # Search before streaming starts, so a bad query still gets its 400 page.
    result = get_engine().search(params.q, filters=params.engine_filters(), sort=params.sort)

    def chunks() -> Iterator[str]:
        buffer = io.StringIO()
        buffer.write(BOM)
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        cited: dict[str, str] = {}  # one GB/T 7714 citation per report, not per passage
        for hit in result.iter_hits():
            url = permalink(hit.report_id, hit.passage_id)
            if hit.report_id not in cited:
                report_url = permalink(hit.report_id)
                cited[hit.report_id] = citation_gbt7714(hit.metadata, report_url)
            values = [
                hit.report_id,
                *hit.metadata.on_hits().values(),
                hit.section,
                hit.text,
                url,
                hit.citation(url),
                hit.metadata.doc_number,
                cited[hit.report_id],
            ]
            writer.writerow([cell(v) for v in values])
            if buffer.tell() >= CHUNK_CHARS:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    name = quote(f"检索结果-{params.q[:40]}.csv", safe="")
    return Response(
        stream_with_context(chunks()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"report-search.csv\"; filename*=UTF-8''{name}"
            )
        },
    )
