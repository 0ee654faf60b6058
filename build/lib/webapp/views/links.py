"""Links to reports and passages: the one place that turns the library's ids into URLs."""

from __future__ import annotations

from flask import url_for


def link(report_id: str, passage_id: str | None = None, *, external: bool = False) -> str:
    """Return the URL of a report, or of one passage in it (its `#p-<id>` anchor)."""
    anchor = f"p-{passage_id}" if passage_id else None
    return url_for("reports.show", report_id=report_id, _anchor=anchor, _external=external)


def permalink(report_id: str, passage_id: str | None = None) -> str:
    """Return the absolute URL of a report or passage: what citations and exports quote."""
    return link(report_id, passage_id, external=True)
