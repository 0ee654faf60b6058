"""The web front end, through Flask's test client, against the sample index.

Counts and orders are compared with what the engine itself says, never hard-coded guesses,
except where the sample is known (行政复议 occurs in 5 of its reports).
"""

from __future__ import annotations

import csv
import io
import math
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from markupsafe import escape

from indexer.cli import cli_link
from indexer.errors import QueryError
from indexer.query import FIELDS
from indexer.query.help import QUERY_EXAMPLES, QUERY_HELP
from indexer.search.citation import citation_gbt7714
from indexer.search.results import report_to_json
from tests.helpers import nonempty
from webapp import SECURITY_HEADERS, create_app
from webapp.cli import main as serve_command

QUERY = "行政复议"


@pytest.fixture(scope="module")
def result(engine):
    return engine.search(QUERY)


def page(response, status: int = 200) -> BeautifulSoup:
    """Parse a response's HTML, first checking its status: a 500 page lacks what we check."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def group_ids(soup: BeautifulSoup) -> list[str]:
    """Report ids of the result groups shown, in order."""
    links = soup.select("li.group h2.title a")
    return [urlsplit(a["href"]).path.rsplit("/", 1)[-1] for a in links]


def text_of(soup: BeautifulSoup) -> str:
    return re.sub(r"\s+", " ", soup.get_text(" "))


# --- Search page -------------------------------------------------------------------------


def test_home_page_has_the_search_box_and_the_query_syntax_one_click_away(client):
    response = client.get("/")
    assert response.status_code == 200
    soup = page(response)
    assert soup.select_one("form.search input[name=q]") is not None
    # The syntax as tables, every example a link that runs it.
    links = soup.select("details.help a.example")
    examples = [q for q, _ in QUERY_EXAMPLES]
    shown = [a.get_text() for a in soup.select("#syntax-examples a.example")]
    assert shown == examples
    for a in nonempty(links):
        assert a["href"].startswith("/search?q=")
        assert client.get(a["href"]).status_code == 200, a.get_text()
    fields = [th.get_text() for th in soup.select("#syntax-fields tbody th")]
    assert fields == list(FIELDS)
    for note in nonempty(soup.select(".syntax-notes li")):
        assert note.get_text() in QUERY_HELP  # the page says what --help says


def test_search_行政复议_shows_its_5_reports_with_highlighted_passages(client, result):
    response = client.get("/search", query_string={"q": QUERY})
    assert response.status_code == 200
    soup = page(response)
    assert result.total_reports == 5
    assert group_ids(soup) == [g.report_id for g in result.groups()]
    assert soup.select_one("#total-reports").get_text() == str(result.total_reports)
    assert soup.select_one("#total-passages").get_text() == str(result.total_passages)
    assert "毫秒" in soup.select_one(".totals").get_text()
    assert f"<mark>{QUERY}</mark>" in response.get_data(as_text=True)
    marks = soup.select("li.hit mark")
    assert marks and all(m.get_text() == QUERY for m in marks)


def test_the_query_stays_in_the_box_after_searching(client):
    soup = page(client.get("/search", query_string={"q": QUERY}))
    assert soup.select_one("input#q")["value"] == QUERY


def test_each_report_shows_its_metadata_count_and_best_3_passages(client, result):
    soup = page(client.get("/search", query_string={"q": QUERY}))
    for group, li in zip(nonempty(result.groups()), soup.select("li.group"), strict=True):
        assert li.select_one("h2.title").get_text(strip=True) == group.label
        meta = li.select_one(".meta").get_text()
        assert f"{group.passage_count} 段匹配" in meta
        if group.issuer:
            assert group.issuer in meta
        if group.province:
            assert group.province in meta
        if group.year:
            assert str(group.year) in meta
        hits = li.select("li.hit")
        assert len(hits) == len(group.hits) == min(3, group.passage_count)
        for hit, hit_li in zip(group.hits, hits, strict=True):
            if hit.section:
                assert hit_li.select_one(".section").get_text() == hit.section
            link = urlsplit(hit_li.select_one("a.passage-link")["href"])
            assert link.path + "#" + link.fragment == f"/reports/{hit.report_id}#p-{hit.passage_id}"
            assert parse_qs(link.query) == {"q": [QUERY]}


def test_region_filter_narrows_to_the_贵州_reports(client, engine, result):
    filtered = engine.search(QUERY, filters={"region": ["贵州"]})
    assert 0 < filtered.total_reports < result.total_reports
    response = client.get("/search", query_string={"q": QUERY, "region": "贵州"})
    soup = page(response)
    assert group_ids(soup) == [g.report_id for g in filtered.groups()]
    assert all("贵州" in g.province + g.city + g.county for g in nonempty(filtered.groups()))
    assert soup.select_one("#total-reports").get_text() == str(filtered.total_reports)
    group = soup.select_one(".chips .chip-group")
    assert group["data-filter"] == "region"
    assert "地区" in group.get_text()
    chip = group.select_one("a.chip")
    assert "贵州" in chip.get_text()
    assert parse_qs(urlsplit(chip["href"]).query) == {"q": [QUERY]}


def test_facet_links_add_their_filter_and_show_counts(client, result):
    soup = page(client.get("/search", query_string={"q": QUERY}))
    facet_links = soup.select("aside.facets a[data-filter]")
    assert facet_links
    by_filter = {"province": "region", "department": "dept", "year": "year", "law": "law"}
    for name, key in by_filter.items():
        for value in nonempty(result.facets[name], name):
            link = soup.select_one(
                f'aside.facets a[data-filter="{key}"][data-value="{value["value"]}"]'
            )
            assert link is not None, (name, value)
            assert link.select_one(".n").get_text() == str(value["reports"])
            assert re.fullmatch(r"bar w-\d+", " ".join(link.select_one(".bar")["class"]))
            assert parse_qs(urlsplit(link["href"]).query) == {"q": [QUERY], key: [value["value"]]}


def test_following_a_province_facet_link_filters_to_that_province(client, engine, result):
    top = result.facets["province"][0]
    soup = page(client.get("/search", query_string={"q": QUERY}))
    link = soup.select_one(f'aside.facets a[data-filter="region"][data-value="{top["value"]}"]')
    filtered_page = page(client.get(link["href"]))
    shown = group_ids(filtered_page)
    assert len(shown) == top["reports"]
    expected = engine.search(QUERY, filters={"region": [top["value"]]})
    assert shown == [g.report_id for g in expected.groups()]
    active = filtered_page.select_one("aside.facets li.active a")
    assert active["data-value"] == top["value"]


def test_pages_hold_size_reports_each_and_link_to_the_next_page(client, result):
    first = page(client.get("/search", query_string={"q": QUERY, "size": 2}))
    second = page(client.get("/search", query_string={"q": QUERY, "size": 2, "page": 2}))
    nav = first.select_one("nav.pagination")
    assert nav is not None
    numbers = [a.get_text() for a in nav.select("a") if a.get_text().isdigit()]
    assert numbers[-1] == str(math.ceil(result.total_reports / 2))
    assert nav.select_one("a[rel=next]") is not None
    ids = [g.report_id for g in result.groups()]
    assert group_ids(first) == ids[0:2]
    assert group_ids(second) == ids[2:4]
    assert set(group_ids(first)).isdisjoint(group_ids(second))
    next_href = nav.select_one("a[rel=next]")["href"]
    assert parse_qs(urlsplit(next_href).query) == {"q": [QUERY], "size": ["2"], "page": ["2"]}


def test_a_page_past_the_end_says_so(client, result):
    response = client.get("/search", query_string={"q": QUERY, "page": 1000})
    assert response.status_code == 200
    soup = page(response)
    assert group_ids(soup) == []
    assert "这一页没有结果" in text_of(soup)


def test_sort_by_year_lists_newest_reports_first(client, engine):
    by_year = engine.search(QUERY, sort="year")
    soup = page(client.get("/search", query_string={"q": QUERY, "sort": "year"}))
    assert group_ids(soup) == [g.report_id for g in by_year.groups()]
    years = [g.year or 0 for g in by_year.groups()]
    assert years == sorted(years, reverse=True)
    assert soup.select_one(".sort [aria-current]").get_text() == "年份（新→旧）"


def test_an_empty_result_says_which_filter_removed_everything(client, result):
    response = client.get("/search", query_string={"q": QUERY, "region": "西藏"})
    assert response.status_code == 200
    soup = page(response)
    assert soup.select_one("#total-reports").get_text() == "0"
    words = text_of(soup)
    assert f"不加「地区：西藏」时有 {result.total_reports} 篇报告" in words
    assert "查询被理解为" in words
    retry = soup.select_one(".diagnosis a")
    assert parse_qs(urlsplit(retry["href"]).query) == {"q": [QUERY]}


def test_an_empty_result_without_filters_shows_how_the_query_was_read(client, engine):
    query = "这个词组在样本中不存在"
    empty = engine.search(query)
    assert empty.total_reports == 0
    soup = page(client.get("/search", query_string={"q": query}))
    assert soup.select_one(".empty code").get_text() == empty.interpretation
    assert soup.select(".empty .tips li")


def test_a_malformed_query_shows_the_engines_message_inline_with_400(client, engine):
    with pytest.raises(QueryError) as caught:
        engine.search('"行政复议')
    response = client.get("/search", query_string={"q": '"行政复议'})
    soup = page(response, 400)
    assert soup.select_one(".error .message").get_text() == caught.value.message
    assert soup.select_one("input#q")["value"] == '"行政复议'


@pytest.mark.parametrize(
    "args",
    [
        {"q": QUERY, "page": "0"},
        {"q": QUERY, "page": "1001"},
        {"q": QUERY, "page": "abc"},
        {"q": QUERY, "size": "999"},
        {"q": QUERY, "size": "0"},
        {"q": QUERY, "sort": "random"},
        {"q": "行" * 501},
        {"q": QUERY, "region": "贵" * 101},
    ],
)
def test_bad_search_parameters_give_400_with_a_message(client, args):
    response = client.get("/search", query_string=args)
    soup = page(response, 400)
    assert soup.select_one(".error .message").get_text().strip()
    assert soup.select_one("form.search") is not None


# --- Report page ---------------------------------------------------------------------------


def test_report_page_anchors_every_passage_and_has_a_table_of_contents(client, engine, result):
    report_id = result.groups()[0].report_id
    report = engine.report(report_id)
    response = client.get(f"/reports/{report_id}")
    assert response.status_code == 200
    soup = page(response)
    anchored = [el["id"] for el in soup.select(".fulltext .passage")]
    assert anchored == [f"p-{p.passage_id}" for p in report.passages]
    headings = [p for p in report.passages if p.is_heading]
    assert headings, "the sample reports have section headings"
    toc = [a["href"] for a in soup.select("nav.toc a")]
    assert toc == [f"#p-{p.passage_id}" for p in headings]
    for p in headings:
        assert soup.select_one(f"#p-{p.passage_id}").name in {"h2", "h3", "h4", "h5"}
    header = text_of(soup.select_one(".report-header"))
    assert report.metadata.title in header
    assert report.source in header
    assert soup.select_one(".fulltext mark") is None


def test_report_page_highlights_the_query_and_links_back_to_the_results(client, engine, result):
    report_id = result.groups()[0].report_id
    spans = engine.report_highlights(report_id, QUERY)
    soup = page(client.get(f"/reports/{report_id}", query_string={"q": QUERY}))
    marks = soup.select(".fulltext mark")
    assert len(marks) == sum(len(s) for s in spans.values()) > 0
    assert all(m.get_text() == QUERY for m in marks)
    for passage_id in spans:
        assert "has-match" in soup.select_one(f"#p-{passage_id}")["class"]
    back = soup.select_one("nav.back a")["href"]
    assert urlsplit(back).path == "/search"
    assert parse_qs(urlsplit(back).query) == {"q": [QUERY]}


def test_the_passage_link_of_a_hit_leads_to_that_passage(client, result):
    hit = result.hits(limit=1)[0]
    soup = page(client.get(f"/reports/{hit.report_id}", query_string={"q": QUERY}))
    target = soup.select_one(f"#p-{hit.passage_id}")
    assert target is not None
    assert target.select_one(".text").get_text() == hit.text


def test_report_page_with_a_malformed_query_still_shows_the_report(client, result):
    report_id = result.groups()[0].report_id
    response = client.get(f"/reports/{report_id}", query_string={"q": '"行政复议'})
    soup = page(response, 400)
    assert soup.select_one(".error .message").get_text()
    assert soup.select(".fulltext .passage")


@pytest.mark.parametrize(
    "path",
    [
        "/reports/0000000000000000",
        "/reports/ABCDEF0123456789",
        "/reports/123",
        "/reports/..%2F..%2Fetc%2Fpasswd",
        "/reports/0123456789abcdef0",
        "/no/such/page",
    ],
)
def test_unknown_or_malformed_report_ids_give_a_chinese_404(client, path):
    response = client.get(path)
    soup = page(response, 404)
    assert re.search(r"[\u4e00-\u9fff]", soup.select_one("h1").get_text())


# --- JSON API ------------------------------------------------------------------------------


def test_api_search_gives_the_documented_keys_totals_and_highlights(client, result):
    response = client.get("/api/search", query_string={"q": QUERY})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert list(data) == [
        "query", "total_passages", "total_reports", "total_occurrences", "took_ms", "facets",
        "hits", "shards",
    ]  # fmt: skip
    assert data["shards"] == {"total": 1, "answered": 1}  # one index: one shard
    assert data["query"] == QUERY
    assert data["total_passages"] == result.total_passages
    assert data["total_reports"] == result.total_reports
    assert set(data["facets"]) == {"province", "department", "year", "law", "issuer"}
    assert len(data["hits"]) == min(20, result.total_passages)
    hit_keys = {
        "report_id", "passage_id", "title", "issuer", "province", "city", "county",
        "department", "year", "label", "section", "text", "highlights", "occurrences",
        "report_occurrences", "source", "url", "citation", "citation_gbt7714",
    }  # fmt: skip
    for hit in nonempty(data["hits"]):
        assert set(hit) == hit_keys
        assert hit["url"] == f"/reports/{hit['report_id']}#p-{hit['passage_id']}"
        assert hit["highlights"]
        assert all(hit["text"][s:e] == QUERY for s, e in hit["highlights"])
        assert len(hit["highlights"]) == hit["text"].count(QUERY)


def test_api_search_pages_over_passages_with_offset_and_limit(client, result):
    window = client.get("/api/search", query_string={"q": QUERY, "offset": 2, "limit": 3})
    expected = [(h.report_id, h.passage_id) for h in result.hits(offset=2, limit=3)]
    assert [(h["report_id"], h["passage_id"]) for h in window.get_json()["hits"]] == expected


def test_api_search_takes_the_same_filters_as_the_page(client, engine):
    filtered = engine.search(QUERY, filters={"region": ["贵州"]})
    data = client.get("/api/search", query_string={"q": QUERY, "region": "贵州"}).get_json()
    assert data["total_reports"] == filtered.total_reports
    assert {h["report_id"] for h in data["hits"]} == {g.report_id for g in filtered.groups()}


@pytest.mark.parametrize(
    "args",
    [
        {"q": QUERY, "limit": "0"},
        {"q": QUERY, "limit": "1001"},
        {"q": QUERY, "offset": "-1"},
        {"q": QUERY, "sort": "random"},
        {"q": "行" * 501},
        {"q": '"行政复议'},
        {},
    ],
)
def test_api_errors_are_json_with_a_status(client, args):
    response = client.get("/api/search", query_string=args)
    assert response.status_code == 400
    data = response.get_json()
    assert set(data) == {"error", "hint"}
    assert data["error"]


def test_api_report_returns_the_engines_json(client, engine, result):
    report_id = result.groups()[0].report_id
    response = client.get(f"/api/reports/{report_id}")
    assert response.status_code == 200
    expected = report_to_json(engine.report(report_id), cli_link)
    assert response.get_json() == {**expected, "shards": {"total": 1, "answered": 1}}


@pytest.mark.parametrize("report_id", ["0000000000000000", "not-an-id"])
def test_api_unknown_report_is_a_json_404(client, report_id):
    response = client.get(f"/api/reports/{report_id}")
    assert response.status_code == 404
    assert response.get_json()["error"]


# --- CSV export ----------------------------------------------------------------------------


def test_csv_export_streams_every_hit_with_bom_header_and_permalinks(client, result):
    response = client.get("/export.csv", query_string={"q": QUERY})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    assert response.headers["Content-Disposition"].startswith("attachment;")
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == [
        "report_id", "title", "issuer", "province", "city", "county", "department", "year",
        "label", "section", "text", "permalink", "citation", "doc_number", "citation_gbt7714",
    ]  # fmt: skip
    hits = nonempty(list(result.iter_hits()))
    assert len(rows) - 1 == result.total_passages == len(hits)
    column = {name: i for i, name in enumerate(rows[0])}
    for row, hit in zip(nonempty(rows[1:]), hits, strict=True):
        assert row[column["report_id"]] == hit.report_id
        assert row[column["text"]].lstrip("'") == hit.text
        permalink = row[column["permalink"]]
        assert permalink == f"http://localhost/reports/{hit.report_id}#p-{hit.passage_id}"
        assert row[column["citation"]] == hit.citation(permalink)
        assert row[column["doc_number"]] == hit.metadata.doc_number
        assert row[column["citation_gbt7714"]] == citation_gbt7714(
            hit.metadata, f"http://localhost/reports/{hit.report_id}"
        )


def test_csv_export_of_a_malformed_query_is_400(client):
    assert client.get("/export.csv", query_string={"q": '"行政复议'}).status_code == 400


# --- Safety --------------------------------------------------------------------------------


def test_a_script_in_the_query_is_shown_as_text_never_run(client):
    script = "<script>alert(1)</script>"
    response = client.get("/search", query_string={"q": script})
    assert response.status_code == 200  # a 500 page would not hold the script either
    body = response.get_data(as_text=True)
    assert script not in body
    assert str(escape(script)) in body
    assert page(response).select_one("input#q")["value"] == script


def test_a_script_in_the_query_comes_back_from_the_api_as_json_data(client):
    script = "<script>alert(1)</script>"
    response = client.get("/api/search", query_string={"q": script})
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_json()["query"] == script


def test_a_script_in_the_query_on_the_report_page_is_escaped(client, result):
    report_id = result.groups()[0].report_id
    script = "<script>alert(1)</script>"
    response = client.get(f"/reports/{report_id}", query_string={"q": script})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert script not in body
    assert str(escape(script)) in body


@pytest.mark.parametrize(
    "path",
    [
        "/",
        f"/search?q={QUERY}",
        f"/api/search?q={QUERY}",
        f"/export.csv?q={QUERY}",
        "/reports/0000000000000000",
        "/api/reports/0000000000000000",
        "/static/style.css",
        '/search?q="',
    ],
)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (path, name)
    response.close()


def test_pages_have_no_inline_scripts_or_styles(client, result):
    report_id = result.groups()[0].report_id
    pages = {"/": 200, f"/search?q={QUERY}": 200, f"/reports/{report_id}?q={QUERY}": 200}
    for path, status in {**pages, "/nope": 404}.items():
        soup = page(client.get(path), status)
        assert not soup.select("script:not([src])"), path
        assert not soup.select("style"), path
        assert not soup.select("[style]"), path


# --- App factory and command line ---------------------------------------------------------


def test_a_missing_index_is_a_503_that_says_how_to_build_one(tmp_path):
    client = create_app({"TESTING": True, "INDEX_DIR": tmp_path}).test_client()
    assert client.get("/search", query_string={"q": QUERY}).status_code == 503
    response = client.get("/api/search", query_string={"q": QUERY})
    assert response.status_code == 503
    assert response.get_json()["error"]


def test_config_layers_environment_then_test_config(monkeypatch, tmp_path, sample_index):
    monkeypatch.setenv("REPORT_SEARCH_INDEX", str(tmp_path))
    assert create_app().config["INDEX_DIR"] == tmp_path
    assert create_app({"INDEX_DIR": sample_index}).config["INDEX_DIR"] == sample_index
    monkeypatch.delenv("REPORT_SEARCH_INDEX")
    assert create_app().config["INDEX_DIR"].parts[-2:] == ("data", "index")


def test_serving_without_an_index_tells_how_to_build_it(tmp_path, runner):
    result = runner.invoke(serve_command, ["--index", str(tmp_path / "none"), "--port", "0"])
    assert result.exit_code == 2
    assert "python -m indexer build" in result.output
