"""Similar passages and cited laws: /similar, /api/reports/<id>/similar, template helpers.

The helpers are template globals so that report.html needs only an include and a call:
`similar_here(report_id)` (per passage id, the similar passages of other reports),
`cite_marks(text, spans, report_id)` (a passage with its matches marked and its cited
laws linked), `law_url(name)` and `cited_by(report_id)`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, render_template, request
from markupsafe import Markup, escape

from webapp.serving.engine import get_engine
from webapp.views.links import link
from webapp.views.params import check_report_id, parse_int
from webapp.views.render import Span, mark_spans

bp = Blueprint("similar", __name__)

PAIRS_SHOWN = 200
MAX_PAIRS = 2000


@bp.get("/similar")
def report_pairs() -> str:
    """List the pairs of reports sharing the most near-identical passages."""
    limit = parse_int(request.args, "limit", PAIRS_SHOWN, 1, MAX_PAIRS)
    similar = get_engine().similar
    return render_template(
        "similar.html",
        pairs=similar.report_pairs(limit),
        total=similar.report_pair_count,
        available=similar.available,
    )


@bp.get("/api/reports/<report_id>/similar")
def report_similar_json(report_id: str) -> Response:
    """Return, per passage of the report, the similar passages of other reports."""
    engine = get_engine()
    found = engine.similar.in_report(check_report_id(report_id))
    return jsonify(
        {
            "report_id": report_id,
            "passages": [
                {
                    "passage_id": passage_id,
                    "url": link(report_id, passage_id),
                    "similar": [_similar_json(s) for s in others],
                }
                for passage_id, others in found.items()
            ],
            "shards": engine.shards_json(),
        }
    )


def _similar_json(passage: Any) -> dict[str, Any]:
    return {
        "report_id": passage.report_id,
        "passage_id": passage.passage_id,
        "title": passage.title,
        "label": passage.label,
        "issuer": passage.issuer,
        "year": passage.year,
        "url": link(passage.report_id, passage.passage_id),
        "similarity": passage.similarity,
    }


# template helpers --------------------------------------------------------------------


@bp.app_template_global()
def similar_here(report_id: str) -> dict[str, list[Any]]:
    """Return, per passage id of the report, its similar passages (once per request)."""
    cache = g.setdefault("similar_here", {})
    if report_id not in cache:
        cache[report_id] = get_engine().similar.in_report(report_id)
    return cache[report_id]


@bp.app_template_global()
def law_url(name: str) -> str | None:
    """Return the URL of the report holding the law `name` cites, if the corpus has it."""
    report_id = get_engine().laws.report_for(name)
    return None if report_id is None else link(report_id)


@bp.app_template_global()
def cited_by(report_id: str) -> list[Any]:
    """Return the reports citing the law report `report_id` is (none for other reports)."""
    return get_engine().laws.cited_by(report_id)


@bp.app_template_global()
def cite_marks(text: str, spans: list[Span], report_id: str | None = None) -> Markup:
    """Return a passage as HTML: matches in <mark>, cited laws the corpus holds linked.

    Links are the outer elements: a mark crossing a link's edge is cut there, so tags nest.
    """
    citations = get_engine().laws.citations(text, within=report_id)
    return linked_marks(text, spans, [(c.start, c.end, link(c.report_id)) for c in citations])


def linked_marks(text: str, spans: list[Span], links: list[tuple[int, int, str]]) -> Markup:
    """Return `text` with `spans` marked and each (start, end, url) of `links` an <a>.

    Links must not overlap one another; marks may cross them.
    """
    if not links:
        return mark_spans(text, spans)
    pieces: list[Markup] = []
    position = 0
    for start, end, url in links:
        pieces.append(_marked_slice(text, spans, position, start))
        inner = _marked_slice(text, spans, start, end)
        pieces.append(Markup('<a class="law-cite" href="{}">{}</a>').format(escape(url), inner))
        position = end
    pieces.append(_marked_slice(text, spans, position, len(text)))
    return Markup("").join(pieces)


def _marked_slice(text: str, spans: list[Span], start: int, end: int) -> Markup:
    shifted = [(int(s) - start, int(e) - start) for s, e in spans]
    return mark_spans(text[start:end], shifted)
