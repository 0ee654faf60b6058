"""One place that turns errors into responses: an HTML page, or JSON under /api/."""

from __future__ import annotations

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from indexer.errors import ReportSearchError

HTTP_MESSAGES = {
    400: ("请求有误", "检查网址中的参数"),
    404: ("找不到这个页面", "网址可能有误，或报告已不在索引中；从首页重新搜索试试"),
    405: ("不支持这种请求方式", None),
    413: ("请求太大", None),
    500: ("服务器内部错误", "请稍后再试；若一再出现，请告诉维护者"),
}


class BadParameter(ReportSearchError):
    """A request parameter is missing, malformed or out of range."""

    status = 400


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(
    status: int,
    message: str,
    hint: str | None,
    extra: dict[str, object] | None = None,
    *,
    partial_url: str | None = None,
) -> ResponseReturnValue:
    """Return the error as JSON {"error", "hint", …extra} for /api/, else as a Chinese
    HTML page (with `partial_url`, a link to the page's partial answer)."""
    if wants_json():
        return jsonify({"error": message, "hint": hint, **(extra or {})}), status
    page = render_template(
        "error.html", status=status, message=message, hint=hint, partial_url=partial_url
    )
    return page, status


def handle_report_search_error(exc: ReportSearchError) -> ResponseReturnValue:
    # A missing shard has a handler of its own (`partial.py`).
    return error_response(exc.status, exc.message, exc.hint)


def handle_http_exception(exc: HTTPException) -> Response:
    status = exc.code or 500
    message, hint = HTTP_MESSAGES.get(status, (f"请求出错（HTTP {status}）", None))
    response = make_response(error_response(status, message, hint))
    # Keep what the exception says beyond its body, e.g. Allow on a 405.
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(ReportSearchError, handle_report_search_error)
    app.register_error_handler(HTTPException, handle_http_exception)
