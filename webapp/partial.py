"""Partial answers: who may ask for one, and pages that keep asking.

A request with `partial=1` accepts the answer of the shards that answered, marked so
(`serving/engine.py`); without it a missing shard is a 503. Two rules keep that honest
and usable:

- A download (CSV, Excel, an Atom feed) has no place to say part of the index did not
  answer, so it never accepts `partial=1`: it is whole, or a 503 asking to retry.
- A page shown with `partial=1` links on with it (a facet, the next page, a report), so
  the reader's next click shows what answered too instead of an error page; the error
  page of a missing shard offers the same page with `partial=1`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, has_request_context, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from indexer.search.answered import ShardsUnavailableError
from webapp.errors import BadParameter, error_response

DOWNLOAD_SUFFIXES = (".csv", ".xlsx", ".atom")


def is_download(path: str) -> bool:
    """Tell whether a route's path names a file to download (see the module docstring)."""
    return path.endswith(DOWNLOAD_SUFFIXES)


def wants_partial(args: MultiDict, path: str = "") -> bool:
    """Read `partial`: 1 accepts an answer of the shards that answered (marked so); a
    download (`path`) refuses it."""
    raw = args.get("partial", "").strip()
    if raw not in ("", "0", "1"):
        raise BadParameter(
            f"参数 partial 只能是 0 或 1，收到的是「{raw[:20]}」",
            hint="partial=1：部分分片没有应答时也返回其余分片的结果（会标明不完整）",
        )
    if raw == "1" and is_download(path):
        raise BadParameter(
            "下载的文件（CSV、Excel、订阅）总是完整的，不接受 partial=1",
            hint="去掉 partial=1；所有分片都应答时再下载",
        )
    return raw == "1"


def partial_page_url() -> str | None:
    """This page's address asking for the partial answer; None for a download or a
    request that is not a plain GET."""
    if request.method != "GET" or is_download(request.path) or request.path.startswith("/api/"):
        return None
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "partial"]
    return f"{request.script_root}{request.path}?{urlencode([*args, ('partial', '1')])}"


def _keep_partial(endpoint: str, values: dict[str, Any]) -> None:
    """url_for's defaults: on a page asked with partial=1, links to pages keep it."""
    if not has_request_context() or "partial" in values or request.args.get("partial") != "1":
        return
    rules = current_app.url_map.iter_rules(endpoint) if endpoint != "static" else iter(())
    if any(not is_download(rule.rule) for rule in rules):
        values["partial"] = "1"


def _shards_missing(exc: ShardsUnavailableError) -> ResponseReturnValue:
    """A 503 naming the missing shards (in the JSON too); the page links to what the other
    shards hold. A download is whole or nothing: retry it."""
    hint = "稍后重试：下载的文件只在所有分片都应答时生成" if is_download(request.path) else exc.hint
    return error_response(
        exc.status, exc.message, hint, {"shards": exc.as_json()}, partial_url=partial_page_url()
    )


def init_app(app: Flask) -> None:
    app.url_defaults(_keep_partial)
    app.register_error_handler(ShardsUnavailableError, _shards_missing)
