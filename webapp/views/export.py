"""Every hit of a query exported: CSV streamed as it is written, .xlsx with Chinese headers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import quote

from flask import Blueprint, Response, request, stream_with_context

from indexer.models import HIT_COLUMNS
from indexer.search.citation import citation_gbt7714
from indexer.search.interface import Result
from webapp.serving.engine import get_engine
from webapp.views.links import permalink
from webapp.views.params import BadParameter, SearchParams, parse_search
from webapp.views.query_assist import parse_refined
from webapp.views.spreadsheet import Sheet, xlsx_response

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


def searched(route: str) -> tuple[SearchParams, Result]:
    """The request's search, done before streaming starts (a bad query gets its 400 page)."""
    params = parse_refined(request.args, parse_search)
    if not params.q and not params.filters:
        raise BadParameter("缺少查询参数 q", hint=f"例如 /{route}?q=行政复议")
    filters = params.engine_filters()
    return params, get_engine().search(params.q, filters=filters, sort=params.sort, first_hits=0)


def csv_response(
    columns: Sequence[str], rows: Iterable[Sequence[object]], filename: str, name: str
) -> Response:
    """Stream `rows` as CSV (UTF-8 with BOM, formula-safe cells) in pieces of about
    CHUNK_CHARS, as an attachment named `name`.csv (`filename` for old clients)."""

    def chunks() -> Iterator[str]:
        buffer = io.StringIO()
        buffer.write(BOM)
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(columns)
        for values in rows:
            writer.writerow([cell(v) for v in values])
            if buffer.tell() >= CHUNK_CHARS:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    quoted = quote(f"{name}.csv", safe="")
    return Response(
        stream_with_context(chunks()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quoted}"
        },
    )


@bp.get("/export.csv")
def export_csv() -> Response:
    """Stream all hits of the query as CSV (UTF-8 with BOM), one row per passage, no cap."""
    params, result = searched("export.csv")

    def rows() -> Iterator[list[object]]:
        cited: dict[str, str] = {}  # one GB/T 7714 citation per report, not per passage
        for hit in result.iter_hits():
            url = permalink(hit.report_id, hit.passage_id)
            if hit.report_id not in cited:
                report_url = permalink(hit.report_id)
                cited[hit.report_id] = citation_gbt7714(hit.metadata, report_url)
            yield [
                hit.report_id,
                *hit.metadata.on_hits().values(),
                hit.section,
                hit.text,
                url,
                hit.citation(url),
                hit.metadata.doc_number,
                cited[hit.report_id],
            ]

    return csv_response(COLUMNS, rows(), "report-search.csv", f"检索结果-{params.q[:40]}")


PASSAGE_SHEET = (
    ("标题", 40), ("发布机关", 20), ("省份", 8), ("城市", 10), ("区县", 10), ("部门", 8),
    ("年份", 6), ("章节", 30), ("段落", 60), ("本段处数", 8), ("引用", 60), ("链接", 40),
    ("报告编号", 18), ("段落编号", 14),
)  # fmt: skip
REPORT_SHEET = (
    ("标题", 40), ("发布机关", 20), ("省份", 8), ("城市", 10), ("区县", 10), ("部门", 8),
    ("年份", 6), ("成文日期", 11), ("发文字号", 18), ("匹配段落数", 10), ("匹配处数", 9),
    ("GB/T 7714 引用", 60), ("链接", 40), ("报告编号", 18),
)  # fmt: skip


@bp.get("/export.xlsx")
def export_xlsx() -> Response:
    """Every hit as an Excel workbook: a sheet of passages and one of reports, Chinese headers."""
    params, result = searched("export.xlsx")

    def passages() -> Iterator[list[object]]:
        for hit in result.iter_hits():
            md = hit.metadata
            url = permalink(hit.report_id, hit.passage_id)
            yield [
                md.label, md.issuer, md.province, md.city, md.county, md.department, md.year,
                hit.section, hit.text, hit.occurrences, hit.citation(url), url, hit.report_id,
                hit.passage_id,
            ]  # fmt: skip

    def reports() -> Iterator[list[object]]:
        for group in result.groups(passages_per_group=0):
            md = group.metadata
            url = permalink(group.report_id)
            yield [
                md.label, md.issuer, md.province, md.city, md.county, md.department, md.year,
                md.date, md.doc_number, group.passage_count, group.occurrences,
                citation_gbt7714(md, url), url, group.report_id,
            ]  # fmt: skip

    sheets = [Sheet("段落", PASSAGE_SHEET, passages()), Sheet("报告", REPORT_SHEET, reports())]
    return xlsx_response(sheets, f"检索结果-{params.q[:40]}")
