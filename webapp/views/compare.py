"""Comparing two reports: /compare?a=ID&b=ID side by side, /api/compare as JSON.

What is shared, what only one has, and what changed, the changes marked inside each
changed pair (`indexer.search.compare`). Without `b`, the page offers the same issuer's
other reports and any report by its id or address.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from indexer.models import Passage
from indexer.search.compare import Comparison
from webapp.serving.engine import get_engine
from webapp.views.links import link
from webapp.views.params import BadParameter, check_report_id

bp = Blueprint("compare", __name__)

REPORTS_LISTED = 300
_ID_IN = re.compile(r"(?:^|/reports/)([0-9a-f]{16})(?:$|[#?/])")


def report_param(name: str, *, required: bool = True) -> str | None:
    """Read a report parameter: its id, or an address holding /reports/<id>."""
    raw = request.args.get(name, "").strip()
    if not raw:
        if required:
            raise BadParameter(f"缺少参数 {name}（报告编号）", hint="例如 /compare?a=…&b=…")
        return None
    found = _ID_IN.search(raw)
    return check_report_id(found.group(1) if found else raw[:40])


def _passage(report_id: str, passage: Passage) -> dict[str, Any]:
    return {
        "passage_id": passage.passage_id,
        "section": passage.section_path,
        "text": passage.text,
        "url": link(report_id, passage.passage_id),
    }


def comparison_json(found: Comparison) -> dict[str, Any]:
    a, b = found.a.report_id, found.b.report_id

    def side(report: Any) -> dict[str, Any]:
        md = report.metadata
        return {
            "report_id": report.report_id,
            "label": md.label,
            "issuer": md.issuer,
            "year": md.year,
            "url": link(report.report_id),
        }

    return {
        "a": side(found.a),
        "b": side(found.b),
        "shared": [{"a": _passage(a, x), "b": _passage(b, y)} for x, y in found.shared],
        "only_a": [_passage(a, p) for p in found.only_a],
        "only_b": [_passage(b, p) for p in found.only_b],
        "changed": [
            {
                "a": _passage(a, c.a),
                "b": _passage(b, c.b),
                "similarity": c.similarity,
                "a_changes": [list(s) for s in c.a_changes],
                "b_changes": [list(s) for s in c.b_changes],
            }
            for c in found.changed
        ],
    }


@bp.get("/api/compare")
def api_compare() -> Response:
    """Return what reports a and b share, what only one has, and what changed."""
    a, b = report_param("a"), report_param("b")
    assert a is not None and b is not None
    engine = get_engine()
    return jsonify({**comparison_json(engine.compare(a, b)), "shards": engine.shards_json()})


@bp.get("/compare")
def compare_page() -> ResponseReturnValue:
    """Two reports side by side; with only `a`, a choice of the report to compare it with."""
    engine = get_engine()
    a = report_param("a")
    assert a is not None
    b = report_param("b", required=False)
    if b is None:
        report = engine.report(a)
        others = [r for r in engine.report_summaries() if r.report_id != a]
        others.sort(key=lambda r: (r.metadata.issuer, -(r.metadata.year or 0), r.report_id))
        return render_template(
            "compare.html",
            report=report,
            same_issuer=engine.counterparts(a),
            others=others[:REPORTS_LISTED],
            more=max(0, len(others) - REPORTS_LISTED),
        )
    return render_template("compare.html", found=engine.compare(a, b))
