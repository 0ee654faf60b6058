"""Issue #11, read, compare and cite: state-keeping links, combining facets, the 未识别
bucket, trends, sorts, the report page as a reading tool, citations, the home page."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from indexer.models import UNKNOWN, Metadata
from indexer.search.citation import citation
from indexer.search.engine import SearchEngine
from indexer.settings import SORTS
from tests.helpers import GBK_FILE_NAME, GBK_FOLDER, nonempty
from webapp import create_app
from webapp.views.reports import shown_source

QUERY = "行政复议"


def page(response) -> BeautifulSoup:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def args_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def provinces(engine, query: str = QUERY) -> list[str]:
    return [v["value"] for v in engine.search(query).facets["province"] if v["value"] != UNKNOWN]


# --- Keeping the state ------------------------------------------------------------------


def test_every_link_out_of_a_search_keeps_query_filters_sort_and_page(client, engine):
    two = provinces(engine)[:2]
    state = {"q": [QUERY], "region": two, "sort": ["oldest"], "size": ["1"], "page": ["2"]}
    soup = page(client.get("/search", query_string=state))
    query_only = {k: v for k, v in state.items() if k not in ("page", "size")}
    for a in nonempty(soup.select("li.group h2.title a, a.passage-link, p.more a")):
        assert args_of(a["href"]) == state, a["href"]
    for a in nonempty(soup.select(".tools .export a")):
        assert args_of(a["href"]) == query_only, a["href"]
    for a in nonempty(soup.select(".pagination a")):
        kept = {k: v for k, v in args_of(a["href"]).items() if k != "page"}
        assert kept == {k: v for k, v in state.items() if k != "page"}
    for a in nonempty(soup.select(".tools .sort a")):
        assert {k: v for k, v in args_of(a["href"]).items() if k != "sort"} == {
            k: v for k, v in state.items() if k not in ("sort", "page")
        }
    for a in nonempty(soup.select("aside.facets a[data-filter]")):
        got = args_of(a["href"])
        assert got["q"] == [QUERY] and got["sort"] == ["oldest"] and got["size"] == ["1"]
        assert "page" not in got  # other filters, other results: from page 1


def test_the_report_page_links_back_to_the_same_results_page(client, engine):
    two = provinces(engine)[:2]
    state = {"q": [QUERY], "region": two, "sort": ["passages"], "size": ["1"], "page": ["2"]}
    soup = page(client.get("/search", query_string=state))
    report_link = soup.select_one("li.group h2.title a")["href"]
    report = page(client.get(report_link))
    back = report.select_one("#back-to-results")["href"]
    assert urlsplit(back).path == "/search"
    assert args_of(back) == state
    assert "第 2 页" in back_text(report)
    # The report's search box searches within the same filters and order.
    hidden = {i["name"]: i["value"] for i in report.select("form.search input[type=hidden]")}
    assert hidden["sort"] == "passages" and hidden["region"] in two


def back_text(soup: BeautifulSoup) -> str:
    return soup.select_one("#back-to-results").get_text()


# --- Facets that combine ----------------------------------------------------------------


def test_values_of_one_facet_combine_with_or_and_the_chips_say_so(client, engine):
    a, b = provinces(engine)[:2]
    one, other = (engine.search(QUERY, filters={"region": [p]}) for p in (a, b))
    both = engine.search(QUERY, filters={"region": [a, b]})
    assert both.total_reports == one.total_reports + other.total_reports
    soup = page(client.get("/search", query_string={"q": QUERY, "region": [a, b]}))
    assert soup.select_one("#total-reports").get_text() == str(both.total_reports)
    group = soup.select_one('.chips .chip-group[data-filter="region"]')
    assert [c["data-value"] for c in group.select("a.chip")] == [a, b]
    assert group.select_one(".op.or").get_text() == "或"
    # The province facet still offers every province, each with what it would add.
    everything = {v["value"]: v for v in engine.search(QUERY).facets["province"]}
    shown = soup.select('aside.facets [data-facet="province"] > ul > li > a[data-filter]')
    assert {s["data-value"] for s in shown} == set(everything)
    for s in nonempty(shown):
        assert s.select_one(".n").get_text() == str(everything[s["data-value"]]["reports"])
        assert s.select_one(".p").get_text() == str(everything[s["data-value"]]["passages"])


def test_values_of_different_facets_combine_with_and(client, engine):
    result = engine.search(QUERY)
    region = provinces(engine)[0]
    dept = result.facets["department"][0]["value"]
    expected = {
        g.report_id
        for g in result.groups()
        if g.province == region and (g.department or UNKNOWN) == dept
    }
    both = engine.search(QUERY, filters={"region": [region], "dept": [dept]})
    assert {g.report_id for g in both.groups()} == expected
    soup = page(client.get("/search", query_string={"q": QUERY, "region": region, "dept": dept}))
    assert soup.select_one("#total-reports").get_text() == str(len(expected))
    assert soup.select_one(".chips .op.and").get_text() == "且"


def test_the_未识别_bucket_makes_each_facet_add_up_to_the_totals(engine):
    result = engine.search(QUERY)
    for name in ("province", "department", "year"):
        values = result.facets[name]
        assert sum(v["reports"] for v in values) == result.total_reports, name
        assert sum(v["passages"] for v in values) == result.total_passages, name
    years = {v["value"]: v for v in result.facets["year"]}
    assert years[UNKNOWN]["reports"] == sum(1 for g in result.groups() if not g.year) > 0
    assert list(years)[-1] == UNKNOWN


def test_the_未识别_filter_selects_exactly_that_bucket(client, engine):
    result = engine.search(QUERY)
    undated = {g.report_id for g in result.groups() if not g.year}
    assert {g.report_id for g in engine.search(QUERY, filters={"year": [UNKNOWN]}).groups()} == (
        undated
    )
    soup = page(client.get("/search", query_string={"q": QUERY}))
    link = soup.select_one(f'aside.facets a[data-filter="year"][data-value="{UNKNOWN}"]')
    filtered = page(client.get(link["href"]))
    assert filtered.select_one("#total-reports").get_text() == str(len(undated))
    # The query language's fields accept it too: every sample report names its province.
    assert engine.search(f"{QUERY} region:{UNKNOWN}").total_reports == 0
    assert engine.search(QUERY, filters={"region": [UNKNOWN]}).total_reports == 0
    assert engine.search("法", filters={"law": [UNKNOWN]}).total_reports == sum(
        1 for g in engine.search("法").groups() if not g.metadata.laws
    )


def test_provinces_drill_down_to_cities_and_counties(client, engine):
    result = engine.search(QUERY)
    city = next(c for c in result.all_facets["city"] if c["province"] != UNKNOWN)
    province = city["province"]
    soup = page(client.get("/search", query_string={"q": QUERY, "region": province}))
    item = soup.select_one(f'aside.facets a[data-filter="region"][data-value="{province}"]').parent
    child = item.select_one(f'ul.drill a[data-value="{city["path"]}"]')
    assert child is not None and child.select_one(".label").get_text() == city["value"]
    # Choosing the city replaces its province, and narrows to the city's reports.
    assert args_of(child["href"])["region"] == [city["path"]]
    narrowed = page(client.get(child["href"]))
    assert narrowed.select_one("#total-reports").get_text() == str(city["reports"])
    county = narrowed.select_one(f'ul.drill a[data-value^="{city["path"]} "]')
    if county is not None:
        assert page(client.get(county["href"])).select_one("#total-reports")


def test_years_come_in_order_with_a_range_form(client, engine):
    soup = page(client.get("/search", query_string={"q": "法"}))
    years = [a["data-value"] for a in soup.select('aside.facets a[data-filter="year"]')]
    known = [y for y in years if y != UNKNOWN]
    assert known == sorted(known)
    assert UNKNOWN not in years or years[-1] == UNKNOWN
    form = soup.select_one("form.year-range")
    assert {s["name"] for s in form.select("select")} == {"year_from", "year_to"}
    ranged = page(
        client.get("/search", query_string={"q": "法", "year_from": 2020, "year_to": 2023})
    )
    chip = ranged.select_one('.chips .chip-group[data-filter="year"] a.chip')
    assert chip["data-value"] == "2020-2023"
    expected = engine.search("法", filters={"year": ["2020-2023"]}).total_reports
    assert ranged.select_one("#total-reports").get_text() == str(expected)


@pytest.mark.parametrize("bad", [{"year_from": "abc"}, {"year_to": "99999"}, {"year_from": "1"}])
def test_a_bad_year_range_is_400(client, bad):
    assert client.get("/search", query_string={"q": QUERY, **bad}).status_code == 400


# --- Many hits: sorts and page sizes ----------------------------------------------------


def test_sorts_offered_are_the_settings_sorts_and_order_as_named(client, engine):
    soup = page(client.get("/search", query_string={"q": "法"}))
    offered = {a["data-sort"] for a in soup.select(".tools .sort a")}
    assert offered | {"relevance"} == set(SORTS)
    oldest = [g.year or 9999 for g in engine.search("法", sort="oldest").groups()]
    assert oldest == sorted(oldest)
    most = [g.passage_count for g in engine.search("法", sort="passages").groups()]
    assert most == sorted(most, reverse=True)


def test_page_sizes_10_20_50_are_offered(client):
    soup = page(client.get("/search", query_string={"q": "法", "size": 20}))
    assert soup.select_one(".tools .size strong").get_text() == "20"
    sizes = {a["data-size"]: args_of(a["href"]).get("size") for a in soup.select(".tools .size a")}
    assert sizes == {"10": None, "50": ["50"]}


# --- Trends -------------------------------------------------------------------------------


@pytest.mark.parametrize("filters", [{}, {"dept": "民政"}])
def test_api_trends_equal_the_facet_counts_of_api_search(client, filters):
    args = {"q": QUERY, **filters}
    trends = client.get("/api/trends", query_string=args).get_json()
    facets = client.get("/api/search", query_string=args).get_json()["facets"]
    assert {(v["value"], v["reports"], v["passages"]) for v in trends["by_year"]} == {
        (v["value"], v["reports"], v["passages"]) for v in facets["year"]
    }
    assert [(v["value"], v["reports"], v["passages"]) for v in trends["by_province"]] == [
        (v["value"], v["reports"], v["passages"]) for v in facets["province"]
    ]
    keys = {"value", "reports", "passages", "occurrences", "index_reports", "per_100_reports"}
    assert all(set(v) == keys for v in nonempty(trends["by_year"]))
    assert sum(v["reports"] for v in trends["by_year"]) == trends["total_reports"]


def test_api_trends_without_a_query_is_a_json_400(client):
    response = client.get("/api/trends")
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_the_search_page_draws_the_trends_as_svg_with_a_table_of_the_numbers(client):
    trends = client.get("/api/trends", query_string={"q": QUERY}).get_json()
    nonempty(trends["by_year"], "years")
    nonempty(trends["by_province"], "provinces")
    soup = page(client.get("/search", query_string={"q": QUERY}))
    box = soup.select_one("details#trends")
    assert len(box.select("svg[role=img] > title")) == 2
    assert len(box.select("#chart-year rect")) == len(trends["by_year"])
    assert len(box.select("#chart-province rect")) == len(trends["by_province"])
    rows = [
        [c.get_text() for c in tr.select("th, td")] for tr in box.select("#table-year tbody tr")
    ]
    columns = ("reports", "passages", "occurrences", "index_reports", "per_100_reports")
    assert rows == [[v["value"], *(str(v[k]) for k in columns)] for v in trends["by_year"]]


# --- The report page as a reading tool ----------------------------------------------------


def test_the_report_lists_its_matches_and_chains_them_in_reading_order(client, engine):
    group = max(engine.search(QUERY).groups(), key=lambda g: g.passage_count)
    report = engine.report(group.report_id)
    spans = engine.report_highlights(group.report_id, QUERY)
    in_order = [p.passage_id for p in report.passages if p.passage_id in spans]
    soup = page(client.get(f"/reports/{group.report_id}", query_string={"q": QUERY}))
    listed = soup.select("nav#matches li a")
    assert [a["href"] for a in listed] == [f"#m-{i}" for i in range(1, len(in_order) + 1)]
    for i, passage_id in enumerate(nonempty(in_order), 1):
        nav = soup.select_one(f"#m-{i}")
        assert nav.find_next_sibling(class_="passage")["id"] == f"p-{passage_id}"
        prev, nxt = nav.select_one("a.prev-match"), nav.select_one("a.next-match")
        assert (prev["href"] if prev else None) == (f"#m-{i - 1}" if i > 1 else None)
        assert (nxt["href"] if nxt else None) == (f"#m-{i + 1}" if i < len(in_order) else None)
    # Per-section counts in the table of contents: a top-level section counts its matches.
    top = [p for p in report.passages if p.is_heading and len(p.section) == 1]
    counted = {
        a["href"]: int(a.find_next_sibling(class_="toc-matches").get_text())
        for a in soup.select("nav.toc a")
        if a.find_next_sibling(class_="toc-matches")
    }
    for p in nonempty(top):
        inside = sum(
            1 for q in report.passages if q.passage_id in spans and q.section[:1] == p.section
        )
        assert counted.get(f"#p-{p.passage_id}", 0) == inside


def test_see_all_matches_lands_on_the_first_match(client, engine):
    soup = page(client.get("/search", query_string={"q": "法"}))
    more = soup.select_one("p.more a")
    assert urlsplit(more["href"]).fragment == "m-1"
    report = page(client.get(more["href"]))
    assert report.select_one("#m-1") is not None


def test_every_passage_offers_its_citation_and_the_api_and_csv_carry_the_same(client, engine):
    hit = engine.search(QUERY).hits(limit=1)[0]
    soup = page(client.get(f"/reports/{hit.report_id}", query_string={"q": QUERY}))
    permalink = f"http://localhost/reports/{hit.report_id}#p-{hit.passage_id}"
    shown = soup.select_one(f"#cite-{hit.passage_id}").get_text()
    assert shown == hit.citation(permalink)
    api = client.get("/api/search", query_string={"q": QUERY, "limit": 1}).get_json()
    assert api["hits"][0]["citation"] == shown
    body = client.get("/export.csv", query_string={"q": QUERY}).get_data().decode("utf-8-sig")
    assert shown.replace("\n", "\r\n") in body or shown in body
    report = engine.report(hit.report_id)
    passages = [p for p in report.passages if not p.is_heading]
    assert len(soup.select(".fulltext textarea.citation")) == len(passages)


def test_a_citation_never_invents_what_the_report_does_not_state():
    known = Metadata(title="某市2023年法治政府建设报告", issuer="某市人民政府", year=2023)
    text = citation(known, "一、工作 › (一)复议", "依法办理。", "http://h/reports/x#p-y")
    assert text == (
        "《某市2023年法治政府建设报告》（某市人民政府，2023年），一、工作 › (一)复议，"
        "http://h/reports/x#p-y\n“依法办理。”"
    )
    bare = citation(Metadata(), "", "依法办理。", "http://h/r")
    assert bare == "［无标题］报告，http://h/r\n“依法办理。”"
    assert "《" not in bare


def test_the_source_shown_is_never_a_server_path(client, engine):
    assert shown_source("/srv/reports/2023/a.txt") == "a.txt"
    assert shown_source("C:\\reports\\a.txt") == "a.txt"
    assert shown_source("sample/a.txt") == "sample/a.txt"
    group = engine.search(QUERY).groups()[0]
    soup = page(client.get(f"/reports/{group.report_id}"))
    assert not soup.select_one(".metadata .source").get_text().startswith("/")


def test_a_gbk_file_name_is_shown_decoded_on_the_report_page(gbk_named_index):
    engine = SearchEngine.open(gbk_named_index)
    (summary,) = engine.report_summaries()
    stored = engine.report(summary.report_id).source
    assert "\\x" in stored  # the index keeps the name losslessly, escapes and all
    client = create_app({"TESTING": True, "INDEX_DIR": gbk_named_index}).test_client()
    for path in (f"/reports/{summary.report_id}", f"/reports/{summary.report_id}?q=行政复议"):
        soup = page(client.get(path))
        shown = soup.select_one(".metadata .source").get_text()
        assert shown.startswith(f"{GBK_FOLDER}/{GBK_FILE_NAME}（"), shown
        assert "\\x" not in soup.get_text()
    # The JSON keeps the stored form: the one that finds the file again (README).
    assert client.get(f"/api/reports/{summary.report_id}").get_json()["source"] == stored
    hits = client.get("/api/search?q=行政复议").get_json()["hits"]
    assert {hit["source"] for hit in nonempty(hits)} == {stored}


def test_a_print_stylesheet_hides_navigation_and_keeps_marks():
    css = (Path(__file__).parent.parent / "webapp/static/style.css").read_text(encoding="utf-8")
    printed = css[css.index("@media print") :]
    for hidden in ("header.site", "nav.back", ".toc", ".matches", ".match-nav", ".passage-tools"):
        assert hidden in printed.split("display: none")[0]
    assert "mark" in printed


def test_keyboard_shortcuts_come_from_a_static_script_only(client, engine):
    group = engine.search(QUERY).groups()[0]
    soup = page(client.get(f"/reports/{group.report_id}", query_string={"q": QUERY}))
    scripts = soup.select("script")
    assert scripts and all(s.get("src", "").startswith("/static/") for s in scripts)
    assert not soup.select("[style]") and not soup.select("script:not([src])")
    with client.get("/static/reader.js") as response:
        js = response.get_data(as_text=True)
    assert '"n"' in js and '"p"' in js and '"/"' in js


# --- Home page ----------------------------------------------------------------------------


def test_the_home_page_says_what_the_index_holds_with_links_that_browse(client, engine):
    soup = page(client.get("/"))
    records = engine.report_summaries()
    assert soup.select_one("#index-reports").get_text() == str(len(records))
    assert soup.select_one("#index-passages").get_text() == str(int(engine.generation.live.sum()))
    for key in ("year", "region", "law"):
        link = soup.select_one(f'.browse-list[data-filter="{key}"] a')
        assert link is not None, key
        browsed = page(client.get(link["href"]))
        assert browsed.select_one("#total-reports").get_text() == link.find_next("span").get_text()


def test_the_site_title_comes_from_configuration(sample_index):
    default = create_app({"TESTING": True, "INDEX_DIR": sample_index}).test_client()
    assert page(default.get("/")).select_one("title").get_text() == "报告全文检索"
    named = create_app({"TESTING": True, "INDEX_DIR": sample_index, "SITE_TITLE": "<b>某局</b>"})
    soup = page(named.test_client().get("/"))
    assert soup.select_one(".brand").get_text() == "<b>某局</b>"


def test_phones_get_a_link_to_the_filters_at_the_top_of_the_results(client):
    soup = page(client.get("/search", query_string={"q": QUERY}))
    jump = soup.select_one(".jump-to-facets a")
    assert jump["href"] == "#facets" and jump.get_text() == "筛选"
    assert soup.select_one("aside#facets") is not None
    with client.get("/static/style.css") as response:
        css = response.get_data(as_text=True)
    assert re.search(r"\.jump-to-facets \{ display: block", css)
