"""Atom feeds of searches: /feed.atom?q=… follows a query, no account needed.

A feed (Atom 1.0, RFC 4287) lists the newest matching reports, those added by the latest
build first (`indexer.search.newest`): one entry per report, titled with its title or
label, its issuer and year, its first matching passage as the summary, linked to that
passage. An entry's id is a tag: URI of the report id (RFC 4151), the same for as long as
the report is indexed, so a feed reader never shows a report twice; `updated` is when the
build that added it ran. Links are absolute (PUBLIC_BASE_URL when set).
"""

from __future__ import annotations

from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, current_app, request, url_for

from indexer.search.newest import NewReport
from webapp.serving.engine import get_engine
from webapp.views.links import permalink
from webapp.views.params import BadParameter, SearchParams, parse_int, parse_search
from webapp.views.query_assist import parse_refined

bp = Blueprint("feeds", __name__)

ATOM = "http://www.w3.org/2005/Atom"
ATOM_MIMETYPE = "application/atom+xml"
DEFAULT_ENTRIES = 20
MAX_ENTRIES = 100
TAG_DATE = "2026"  # the tag: URIs' date (RFC 4151): when this naming scheme began
SUMMARY_CHARACTERS = 400


def _tag(authority: str, specific: str) -> str:
    return f"tag:{authority},{TAG_DATE}:{specific}"


def _add(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
    if text is not None:
        element.text = text
    return element


def _entry(feed: ET.Element, authority: str, report: NewReport) -> None:
    md = report.record.metadata
    entry = _add(feed, "entry")
    _add(entry, "id", _tag(authority, f"reports/{report.record.report_id}"))
    place_year = "，".join(p for p in (md.issuer, f"{md.year}年" if md.year else "") if p)
    _add(entry, "title", f"{md.label}（{place_year}）" if place_year else md.label)
    _add(entry, "updated", report.added)
    _add(entry, "author").append(_name(md.issuer or "未识别"))
    url = permalink(report.record.report_id, report.first.passage_id)
    _add(entry, "link", href=url, rel="alternate", type="text/html")
    text = _excerpt(report.first.text, report.first.highlights)
    section = f"【{report.first.section}】" if report.first.section else ""
    _add(entry, "summary", f"{section}{text}（共 {report.passages} 段匹配）", type="text")
    for term, label in ((md.issuer, "发布机关"), (str(md.year or ""), "年份")):
        if term:
            _add(entry, "category", term=term, label=label)


def _excerpt(text: str, highlights: list[list[int]]) -> str:
    """The passage from a little before its first match, at most SUMMARY_CHARACTERS long."""
    start = max(0, highlights[0][0] - SUMMARY_CHARACTERS // 8) if highlights else 0
    end = min(len(text), start + SUMMARY_CHARACTERS)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def _name(text: str) -> ET.Element:
    name = ET.Element(f"{{{ATOM}}}name")
    name.text = text
    return name


def atom_feed(params: SearchParams, reports: list[NewReport], built_at: str) -> bytes:
    """The Atom document of a search's newest reports."""
    ET.register_namespace("", ATOM)
    self_url = url_for("feeds.feed", _external=True, **params.url_args(page=None, size=None))
    page_url = url_for("search.search", _external=True, **params.url_args(page=None, size=None))
    authority = urlsplit(self_url).hostname or "localhost"
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", _tag(authority, f"feeds/{urlsplit(self_url).query}"))
    site = current_app.config.get("SITE_TITLE") or "报告全文检索"
    _add(feed, "title", f"「{params.q or '（筛选）'}」的新报告 · {site}")
    _add(feed, "subtitle", "最新建索引时加入的匹配报告在前；每篇报告一条，附第一段匹配。")
    _add(feed, "updated", max((r.added for r in reports), default=built_at) or built_at)
    _add(feed, "link", href=self_url, rel="self", type=ATOM_MIMETYPE)
    _add(feed, "link", href=page_url, rel="alternate", type="text/html")
    _add(feed, "author").append(_name(site))
    _add(feed, "generator", "report-search")
    for report in reports:
        _entry(feed, authority, report)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


@bp.get("/feed.atom")
def feed() -> Response:
    """The search's newest matching reports as an Atom 1.0 feed."""
    params = parse_refined(request.args, parse_search)
    if not params.q and not params.filters:
        raise BadParameter("缺少查询参数 q", hint="例如 /feed.atom?q=行政复议")
    limit = parse_int(request.args, "limit", DEFAULT_ENTRIES, 1, MAX_ENTRIES)
    engine = get_engine()
    result = engine.search(params.q, filters=params.engine_filters(), first_hits=0)
    built_at = engine.built_at or "1970-01-01T00:00:00+00:00"
    body = atom_feed(params, result.newest(limit), built_at)
    return Response(body, mimetype=ATOM_MIMETYPE)
