"""The web layer's small pure helpers: highlighting, excerpts, bars, page links, parameters."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from indexer.errors import NotFoundError
from webapp.views.params import (
    BadParameter,
    check_report_id,
    parse_page,
    parse_search,
    parse_window,
)
from webapp.views.render import bar_class, excerpt, mark_spans, normalize_spans, page_window


def unmark(markup: str) -> str:
    return html.unescape(re.sub(r"</?mark>", "", markup))


def test_mark_spans_wraps_each_span_in_mark():
    assert mark_spans("依法行政工作", [(0, 4)]) == "<mark>依法行政</mark>工作"


def test_mark_spans_escapes_text_inside_and_outside_the_marks():
    text = "<b>行政</b> & <script>"
    out = mark_spans(text, [(3, 5)])
    assert out == "&lt;b&gt;<mark>行政</mark>&lt;/b&gt; &amp; &lt;script&gt;"


def test_mark_spans_merges_overlaps_and_ignores_spans_outside_the_text():
    assert mark_spans("abcdef", [(3, 5), (2, 4), (5, 5), (8, 9), (-2, 1)]) == (
        "<mark>a</mark>b<mark>cde</mark>f"
    )


def test_normalize_spans_merges_touching_spans():
    assert normalize_spans("abcdef", [[2, 3], [0, 2], [4, 6]]) == [(0, 3), (4, 6)]


@given(
    st.text(alphabet="行政复议<>&\"' ab", max_size=60),
    st.lists(st.tuples(st.integers(-5, 70), st.integers(-5, 70)), max_size=6),
)
def test_mark_spans_keeps_the_text_and_marks_exactly_the_spans(text, spans):
    out = mark_spans(text, spans)
    assert unmark(out) == text
    marked = [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", out)]
    assert marked == [text[s:e] for s, e in normalize_spans(text, spans)]
    assert "<" not in re.sub(r"</?mark>", "", out)


def test_excerpt_shows_a_short_text_whole():
    assert excerpt("加强行政复议工作", [(2, 6)]) == "加强<mark>行政复议</mark>工作"


def test_excerpt_cuts_a_long_text_around_the_matches():
    text = "甲" * 300 + "行政复议" + "乙" * 300
    out = excerpt(text, [(300, 304)], width=100, context=20)
    assert "<mark>行政复议</mark>" in out
    assert out.startswith("…") and out.endswith("…")
    assert len(unmark(out).replace("…", "")) == 100


@given(
    st.text(alphabet="法治政府行政复议。", min_size=0, max_size=600),
    st.lists(st.tuples(st.integers(0, 600), st.integers(0, 600)), max_size=8),
)
def test_excerpt_pieces_come_from_the_text(text, spans):
    out = excerpt(text, spans, width=120, context=30)
    for piece in unmark(out).split("…"):
        assert piece in text


@pytest.mark.parametrize(
    ("count", "largest", "expected"),
    [(0, 10, "w-0"), (10, 10, "w-100"), (5, 10, "w-50"), (1, 1000, "w-5"), (3, 0, "w-0")],
)
def test_bar_class_buckets_by_5_percent(count, largest, expected):
    assert bar_class(count, largest) == expected


@pytest.mark.parametrize(
    ("page", "pages", "expected"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 10, [1, 2, 3, None, 10]),
        (6, 10, [1, None, 4, 5, 6, 7, 8, None, 10]),
        (10, 10, [1, None, 8, 9, 10]),
        (1, 0, []),
    ],
)
def test_page_window_shows_the_ends_and_two_pages_either_side_with_gaps(page, pages, expected):
    assert page_window(page, pages) == expected


def test_parse_search_reads_repeatable_filters_and_drops_blanks():
    args = MultiDict(
        [("q", " 行政复议 "), ("region", "贵州"), ("region", "浙江"), ("region", ""), ("law", "x")]
    )
    params = parse_search(args)
    assert params.q == "行政复议"
    assert params.filters == {"region": ["贵州", "浙江"], "law": ["x"]}
    assert params.sort == "relevance"
    assert params.url_args(filters=params.without("region", "贵州")) == {
        "q": "行政复议",
        "region": ["浙江"],
        "law": ["x"],
    }


@pytest.mark.parametrize(
    "args",
    [
        {"q": "x" * 501},
        {"sort": "newest"},
        {"region": "x" * 101},
        {"page": "0"},
        {"page": "1001"},
        {"page": "1.5"},
        {"page": "１"},
        {"size": "51"},
        {"limit": "1001"},
        {"limit": "0"},
        {"offset": "-3"},
    ],
)
def test_out_of_range_parameters_are_bad(args):
    with pytest.raises(BadParameter) as caught:
        multi = MultiDict(args)
        parse_search(multi)
        parse_page(multi)
        parse_window(multi)
    assert caught.value.status == 400
    assert caught.value.message


def test_page_defaults_to_1_of_10_reports_and_the_api_window_to_20_from_0():
    assert parse_page(MultiDict()) == (1, 10)
    assert parse_window(MultiDict()) == (0, 20)


@pytest.mark.parametrize("bad", ["", "0123", "0123456789ABCDEF", "../../etc/passwd", "g" * 16])
def test_malformed_report_ids_are_not_found(bad):
    with pytest.raises(NotFoundError):
        check_report_id(bad)
    assert check_report_id("0123456789abcdef") == "0123456789abcdef"
