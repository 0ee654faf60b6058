"""No query is a server error: arbitrary, hostile and deeply nested input gets 2xx or 4xx.

Hypothesis draws queries, filters and paging parameters for every route that searches
(/search, /api/search, /reports/<id>?q=, /export.csv) and for `indexer search`: never a
5xx, never a traceback. The CLI may refuse with exit status 1 or 2 and a message. The
2,000 examples take about seven seconds, most of it hypothesis's own drawing.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from indexer.cli import main
from webapp import create_app
from webapp.views.params import FILTERS

NESTED = "(" * 300 + "法" + ")" * 300
DEEP = "(" * 200 + "法" + ")" * 200  # within the length limit: the depth limit must refuse it
PIECES = [
    "法", "行政复议", "政府", "2023", "(", ")", "（", "）", '"', "“", "”", "OR", "AND",
    "NOT", "|", "-", "+", "*", "?", ":", "：", "year:", "year:2023", "year:>=2020",
    "year:<=1", "year:2020-2023", "year:99999999999999999999", "year:-5", "region:",
    "region:贵州", "地区:贵州", "dept:", "law:", "title:", "\\", "%", "&", "#", "<script>",
    " ", "\u3000", "\t", "\n", "\x00", "\x1b[31m", "\u202e", "\ufeff", "𠮷", "ﬁ", "é",
]  # fmt: skip
NUMBERS = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["", " ", "0", "-1", "1e9", "0x10", "１", "٣", "NaN", "999999999"]),
)
JUNK = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
QUERIES = st.one_of(
    JUNK,
    st.lists(st.sampled_from(PIECES), max_size=12).map("".join),
    st.lists(st.sampled_from(PIECES), max_size=12).map(" ".join),
    st.sampled_from([NESTED, DEEP, "(" * 30 + "法", "法" + ")" * 30, "法" * 600, ""]),
)
PARAMETERS = [
    *FILTERS, "page", "size", "offset", "limit", "sort", "q", "unknown", "width", "trend",
    "date_from", "date_to", "a", "b",
]  # fmt: skip
EXTRA = st.lists(
    st.tuples(st.sampled_from(PARAMETERS), st.one_of(NUMBERS, JUNK, st.sampled_from(PIECES))),
    max_size=3,
)
ROUTES = [
    "/search", "/api/search", "/export.csv", "/reports/{id}", "/export.xlsx", "/kwic",
    "/api/kwic", "/kwic.csv", "/api/collocations", "/api/trends", "/feed.atom",
    "/compare?a={id}", "/api/compare?a={id}",
]  # fmt: skip


@pytest.fixture(scope="module")
def hostile_client(sample_index: Path):
    """A test client of the sample app, one for all examples (hypothesis reuses it)."""
    return create_app({"TESTING": True, "INDEX_DIR": sample_index}).test_client()


@pytest.fixture(scope="module")
def report_id(engine) -> str:
    return engine.report_summaries()[0].report_id


@settings(max_examples=1700, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(route=st.sampled_from(ROUTES), q=QUERIES, extra=EXTRA)
@example(route="/search", q=NESTED, extra=[])
@example(route="/api/search", q=DEEP, extra=[])
@example(route="/reports/{id}", q=DEEP, extra=[])
@example(route="/export.csv", q=DEEP, extra=[("region", "贵州")])
@example(route="/api/search", q="法", extra=[("offset", "-1"), ("limit", str(10**40))])
@example(route="/search", q="法", extra=[("page", "99999999999"), ("size", "0")])
def test_no_query_is_a_server_error(hostile_client, report_id, route, q, extra):
    query = urlencode([("q", q), *extra])
    path = route.format(id=report_id)
    response = hostile_client.get(path + ("&" if "?" in path else "?") + query)
    body = response.get_data()  # a streamed export is computed here (an .xlsx is bytes)
    assert response.status_code < 500, (route, q, extra, body[:300].decode(errors="replace"))
    assert b"Traceback" not in body


@pytest.mark.parametrize(
    "raw", ["q=%FF%FE%00", "q=%E6%B3", "q=法&page=%FF", "q", "=", "q=%", "region=%C0%80"]
)
def test_undecodable_query_strings_are_no_server_error(hostile_client, raw):
    for route in ("/search", "/api/search", "/export.csv"):
        response = hostile_client.get(f"{route}?{raw}")
        assert response.status_code < 500, (route, raw)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(q=QUERIES.filter(lambda q: "\x00" not in q), as_json=st.booleans(), limit=NUMBERS)
@example(q=NESTED, as_json=False, limit="10")
@example(q=DEEP, as_json=True, limit="10")
@example(q="\x1b[2J法", as_json=False, limit="10")
def test_cli_search_never_prints_a_traceback(sample_index, q, as_json, limit):
    args = ["search", "--index", str(sample_index), "--limit", limit]
    result = CliRunner().invoke(main, [*args, *(["--json"] if as_json else []), "--", q])
    assert result.exit_code in (0, 1, 2), (q, result.output)
    assert (
        result.exit_code == 0
        or result.exception is None
        or isinstance(result.exception, SystemExit)
    ), (q, result.exception)
    assert "Traceback" not in result.output
    assert "\x1b[2J" not in result.output  # nothing from the text or query reaches it raw
