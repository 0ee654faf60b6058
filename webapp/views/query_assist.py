"""The search page's help with queries: a caret under an error, did you mean, search within.

Views only: the library decides (`query_rewrite`, `suggest`); this module validates the
`within` parameters and builds links.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from flask import url_for
from werkzeug.datastructures import MultiDict

from indexer.errors import QueryError
from indexer.query.rewrite import caret_padding, literal_query, refine_query
from indexer.search.interface import Result
from indexer.settings import MAX_QUERY_LENGTH
from webapp.serving.engine import CachedEngine
from webapp.views.params import BadParameter, SearchParams

MAX_WITHIN = 10
"""How many times a search may be narrowed with "search within results"."""


def parse_within(args: MultiDict) -> list[str]:
    """Read the repeated `within` parameters: the refinements, oldest first."""
    within: list[str] = []
    for raw in args.getlist("within"):
        value = raw.strip()
        if not value:
            continue
        if len(value) > MAX_QUERY_LENGTH:
            raise BadParameter(
                f"在结果中检索的条件太长（{len(value)} 个字符）",
                hint=f"最多 {MAX_QUERY_LENGTH} 个字符，请缩短",
            )
        within.append(value)
    if len(within) > MAX_WITHIN:
        raise BadParameter(
            f"在结果中检索的次数太多（{len(within)} 次）", hint=f"最多 {MAX_WITHIN} 次"
        )
    return within


@dataclass(frozen=True)
class RefinedParams(SearchParams):
    """A search narrowed by "search within results".

    `q` is the whole query searched (so counts everywhere on the page include the
    refinements); links carry what was typed, `base_q`, and the refinements, `within`.
    """

    base_q: str = ""
    within: tuple[str, ...] = ()

    def url_args(
        self, *, filters: dict[str, list[str]] | None = None, **changes: object
    ) -> dict[str, Any]:
        changes.setdefault("q", self.base_q)
        changes.setdefault("within", list(self.within))
        return super().url_args(filters=filters, **changes)


def refined(params: SearchParams, within: list[str]) -> SearchParams:
    """Return `params` narrowed by the refinements (QueryError if one is malformed)."""
    if not within:
        return params
    kept = {f.name: getattr(params, f.name) for f in fields(params)}
    kept["q"] = refine_query(params.q, within)
    return RefinedParams(**kept, base_q=params.q, within=tuple(within))


def parse_refined(args: MultiDict, parse: Callable[[MultiDict], SearchParams]) -> SearchParams:
    """Read a search state with `parse`, narrowed by its `within` refinements.

    Every route that answers for a search (the API, the CSV export, a report page's
    marks) reads it so, or a refined search's export would hold the unrefined hits.
    """
    return refined(parse(args), parse_within(args))


def _url(params: SearchParams, **changes: Any) -> str:
    return url_for("search.search", **params.url_args(**changes))


def error_context(params: SearchParams, error: QueryError) -> dict[str, Any]:
    """Return the caret under the error's position and a link searching the input as text."""
    view: dict[str, Any] = {"caret": None, "plain_query": None, "plain_href": None}
    if error.position is not None and error.position <= len(params.q):
        view["caret"] = caret_padding(params.q, error.position)
    if params.q.strip() and error.position is not None:
        plain = literal_query(params.q)
        if len(plain) <= MAX_QUERY_LENGTH:
            view["plain_query"] = plain
            view["plain_href"] = _url(params, q=plain, page=None)
    return {"query_error": view}


def result_context(engine: CachedEngine, params: SearchParams, result: Result) -> dict[str, Any]:
    """Return the refinement trail and form, and for no hits the did-you-mean links."""
    base_q = params.base_q if isinstance(params, RefinedParams) else params.q
    within = list(params.within) if isinstance(params, RefinedParams) else []
    trail = [
        {"text": text, "href": _url(params, within=within[:i] + within[i + 1 :], page=None)}
        for i, text in enumerate(within)
    ]
    suggestions = []
    if result.total_passages == 0:
        for query, passages in engine.suggest(params.q, params.engine_filters()):
            href = _url(params, q=query, within=None, page=None)
            suggestions.append({"query": query, "passages": passages, "href": href})
    hidden = params.form_fields(q=None, within=None, page=None)  # what the form must keep
    return {
        "within_view": {
            "hidden": hidden,
            "base_q": base_q,
            "within": within,
            "trail": trail,
            "base_href": _url(params, within=None, page=None),
        },
        "suggestions": suggestions,
    }
