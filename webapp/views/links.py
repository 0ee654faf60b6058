"""Links to reports and passages: the one place that turns the library's ids into URLs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import url_for

from indexer.query.rewrite import collocate_query

if TYPE_CHECKING:
    from webapp.views.params import SearchParams


def link(report_id: str, passage_id: str | None = None, *, external: bool = False) -> str:
    """Return the URL of a report, or of one passage in it (its `#p-<id>` anchor)."""
    anchor = f"p-{passage_id}" if passage_id else None
    return url_for("reports.show", report_id=report_id, _anchor=anchor, _external=external)


def permalink(report_id: str, passage_id: str | None = None) -> str:
    """Return the absolute URL of a report or passage: what citations and exports quote."""
    return link(report_id, passage_id, external=True)


def collocate_url(params: SearchParams, query: str, word: str) -> str:
    """The search for `word` in one sentence with the query (同句), filters kept.

    `query` is the whole query searched (refinements included), so `within` is dropped.
    """
    together = collocate_query(query, word)
    return url_for("search.search", **params.url_args(q=together, within=None, page=None))
