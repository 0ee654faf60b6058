"""The concordance (KWIC): /kwic, /api/kwic, /kwic.csv and /kwic.xlsx.

Every occurrence of a query on one line, the match aligned between its left and right
context (`indexer.search.kwic`). The query, filters and `within` refinements are read as
on every search route; `sort` here is the concordance's order (report, left, right),
not the results' order, and `width` the characters of context on each side.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from flask import (
    Blueprint,
    Response,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from indexer.errors import QueryError
from indexer.search.interface import Concordant
from indexer.search.kwic import DEFAULT_WIDTH, KWIC_SORTS, MAX_WIDTH, KwicRow
from webapp.serving.engine import get_engine
from webapp.views.export import csv_response
from webapp.views.links import link, permalink
from webapp.views.params import (
    MAX_PAGE,
    BadParameter,
    SearchParams,
    parse_int,
    parse_search,
    parse_window,
)
from webapp.views.query_assist import error_context, parse_refined
from webapp.views.render import page_window
from webapp.views.spreadsheet import Sheet, xlsx_response

bp = Blueprint("kwic", __name__)

ROWS_PER_PAGE = 100
WIDTHS = (15, 30, 60)  # offered on the page; any 1–MAX_WIDTH is accepted
CSV_COLUMNS = ["report_id", "passage_id", "label", "year", "left", "match", "right", "permalink"]
XLSX_COLUMNS = (
    ("左侧文字", 34), ("检索词", 12), ("右侧文字", 34), ("标题", 40), ("发布机关", 20),
    ("年份", 6), ("链接", 40), ("报告编号", 18), ("段落编号", 14),
)  # fmt: skip


def parse_kwic(args: MultiDict) -> tuple[SearchParams, str, int]:
    """Read the search (q, filters, within) and the concordance's sort and width."""
    search_args = MultiDict([(k, v) for k, v in args.items(multi=True) if k != "sort"])
    params = parse_refined(search_args, parse_search)
    if not params.q and not params.filters:
        raise BadParameter("缺少查询参数 q", hint="例如 /kwic?q=行政复议")
    sort = args.get("sort", "").strip() or "report"
    if sort not in KWIC_SORTS:
        raise BadParameter(
            f"不支持的排序方式「{sort[:20]}」", hint="sort 取 " + "、".join(KWIC_SORTS)
        )
    width = parse_int(args, "width", DEFAULT_WIDTH, 1, MAX_WIDTH)
    return params, sort, width


def concordance(params: SearchParams, sort: str, width: int) -> Concordant:
    result = get_engine().search(params.q, filters=params.engine_filters(), first_hits=0)
    return result.concordance(width=width, sort=sort)


def row_json(row: KwicRow) -> dict[str, Any]:
    return {
        "report_id": row.report_id,
        "passage_id": row.passage_id,
        "left": row.left,
        "match": row.match,
        "right": row.right,
        "url": link(row.report_id, row.passage_id),
    }


@bp.get("/api/kwic")
def api_kwic() -> Response:
    """Return `{"total", "rows"}`: a window of the concordance, `limit` rows from `offset`."""
    params, sort, width = parse_kwic(request.args)
    offset, limit = parse_window(request.args)
    found = concordance(params, sort, width)
    rows = found.rows(offset, limit)
    return jsonify(
        {
            "query": params.q,
            "total": found.total,
            "rows": [row_json(r) for r in rows],
            "shards": get_engine().shards_json(),
        }
    )


@bp.get("/kwic")
def kwic_page() -> ResponseReturnValue:
    """The concordance as a page: aligned lines, sortable, paged, exportable."""
    page = parse_int(request.args, "page", 1, 1, MAX_PAGE)
    context: dict[str, Any] = {"kwic_sorts": KWIC_SORTS}
    try:
        params, sort, width = parse_kwic(request.args)
    except BadParameter as exc:
        typed = SearchParams(q=request.args.get("q", "").strip()[:500])
        return render_template("kwic.html", params=typed, error=exc, **context), exc.status
    try:
        found = concordance(params, sort, width)
    except QueryError as exc:
        context.update(error_context(params, exc))
        return render_template("kwic.html", params=params, error=exc, **context), exc.status
    pages = max(1, math.ceil(found.total / ROWS_PER_PAGE))
    rows = found.rows((page - 1) * ROWS_PER_PAGE, ROWS_PER_PAGE)

    def url(endpoint: str = "kwic.kwic_page", **changes: Any) -> str:
        state: dict[str, Any] = {
            "sort": sort if sort != "report" else None,
            "width": width if width != DEFAULT_WIDTH else None,
            "page": page,
            "size": None,
        }
        state.update(changes)
        state["page"] = state["page"] if state["page"] != 1 else None
        return url_for(endpoint, **params.url_args(**state))

    return render_template(
        "kwic.html",
        params=params,
        found=found,
        rows=rows,
        sort=sort,
        width=width,
        widths=WIDTHS,
        page=page,
        pages=pages,
        page_links=page_window(page, pages),
        first_row=(page - 1) * ROWS_PER_PAGE + 1,
        kwic_url=url,
        **context,
    )


@bp.get("/kwic.csv")
def kwic_csv() -> Response:
    """Stream the whole concordance as CSV (UTF-8 with BOM), formula-safe."""
    params, sort, width = parse_kwic(request.args)
    found = concordance(params, sort, width)

    def rows() -> Iterator[list[object]]:
        for row in found.iter_rows():
            yield [
                row.report_id, row.passage_id, row.metadata.label, row.metadata.year, row.left,
                row.match, row.right, permalink(row.report_id, row.passage_id),
            ]  # fmt: skip

    return csv_response(CSV_COLUMNS, rows(), "kwic.csv", f"语境-{params.q[:40]}")


@bp.get("/kwic.xlsx")
def kwic_xlsx() -> Response:
    """The whole concordance as an Excel workbook with Chinese headers."""
    params, sort, width = parse_kwic(request.args)
    found = concordance(params, sort, width)

    def rows() -> Iterator[list[object]]:
        for row in found.iter_rows():
            md = row.metadata
            yield [
                row.left, row.match, row.right, md.label, md.issuer, md.year,
                permalink(row.report_id, row.passage_id), row.report_id, row.passage_id,
            ]  # fmt: skip

    return xlsx_response([Sheet("语境", XLSX_COLUMNS, rows())], f"语境-{params.q[:40]}")
