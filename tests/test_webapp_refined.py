"""A refined search (在结果中检索, `within=`) is what every link of its page keeps and answers
for: exports, the API, trends, pages, orders, sizes, facets, chips, the year form, reports.

Counts are compared with the engine's answer for the refined query, and the refinement is
chosen so that they differ from the unrefined query's: a link that dropped it would show.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from indexer.query.rewrite import refine_query
from tests.helpers import nonempty

BASE, WITHIN = "法治", "考核"
STATE = {"q": BASE, "within": WITHIN, "year": "2023", "size": "2"}


@pytest.fixture(scope="module")
def searched() -> str:
    """The query the refined page searches: the base query narrowed by the refinement."""
    return refine_query(BASE, [WITHIN])


@pytest.fixture(scope="module")
def totals(engine, searched) -> tuple[int, int]:
    refined = engine.search(searched, filters={"year": ["2023"]})
    base = engine.search(BASE, filters={"year": ["2023"]})
    assert refined.total_reports > 2 and refined.total_passages < base.total_passages
    return refined.total_reports, refined.total_passages


def page(response) -> BeautifulSoup:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def args_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def shown_totals(soup: BeautifulSoup) -> tuple[int, int]:
    return int(soup.select_one("#total-reports").get_text()), int(
        soup.select_one("#total-passages").get_text()
    )


@pytest.fixture()
def results(client) -> BeautifulSoup:
    return page(client.get("/search", query_string=STATE))


# Every link that stays with this search; the trail's links (back to the base query, or
# one step undone) and did-you-mean links change the query on purpose.
KEEPING = [
    ".tools .export a",
    ".tools .sort a",
    ".tools .size a",
    ".pagination a",
    "aside.facets a[data-filter]",
    ".chips a.chip",
    "li.group h2.title a",
    "a.passage-link",
]


@pytest.mark.parametrize("selector", KEEPING)
def test_every_link_keeps_the_refinement(results, selector):
    for a in nonempty(results.select(selector), selector):
        args = args_of(a["href"])
        assert args["q"] == [BASE] and args["within"] == [WITHIN], a["href"]


def test_the_page_counts_the_refined_hits(results, totals):
    assert shown_totals(results) == totals


def test_the_csv_export_holds_the_refined_hits(client, results, totals):
    link = nonempty(results.select('.tools .export a[href^="/export.csv"]'))[0]["href"]
    body = client.get(link).get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == totals[1]
    assert len({row["report_id"] for row in rows}) == totals[0]
    assert all(WITHIN in row["text"].lstrip("'") for row in rows)


def test_the_api_and_trends_links_answer_for_the_refined_query(client, results, totals):
    search = client.get(
        nonempty(results.select('.tools .export a[href^="/api/search"]'))[0]["href"]
    )
    assert (search.get_json()["total_reports"], search.get_json()["total_passages"]) == totals
    trends = client.get(
        nonempty(results.select('.tools .export a[href^="/api/trends"]'))[0]["href"]
    )
    by_year = trends.get_json()["by_year"]
    assert sum(v["reports"] for v in by_year) == totals[0]
    assert sum(v["passages"] for v in by_year) == totals[1]


@pytest.mark.parametrize("selector", [".pagination a", ".tools .sort a", ".tools .size a"])
def test_pages_orders_and_sizes_show_the_same_refined_hits(client, results, totals, selector):
    for a in nonempty(results.select(selector), selector):
        assert shown_totals(page(client.get(a["href"]))) == totals, a["href"]


def test_each_facet_value_and_chip_gives_the_refined_count_of_its_filters(
    client, engine, searched, results
):
    links = nonempty(results.select("aside.facets a[data-filter], .chips a.chip"))
    for a in links:
        args = args_of(a["href"])
        filters = {k: v for k, v in args.items() if k not in ("q", "within", "size", "sort")}
        expected = engine.search(searched, filters=filters or None)
        assert shown_totals(page(client.get(a["href"]))) == (
            expected.total_reports,
            expected.total_passages,
        ), a["href"]


def test_the_year_form_keeps_the_refinement(client, engine, searched, results):
    form = results.select_one("form.year-range")
    fields = [(i["name"], i["value"]) for i in form.select("input[type=hidden]")]
    assert ("q", BASE) in fields and ("within", WITHIN) in fields
    assert all(name != "year" for name, _ in fields)  # the form chooses the years
    submitted = page(client.get(form["action"], query_string=[*fields, ("year_from", "2023")]))
    expected = engine.search(searched, filters={"year": [">=2023"]})
    assert shown_totals(submitted) == (expected.total_reports, expected.total_passages)
    assert submitted.select(".trail .step")[0].get_text() == WITHIN


def test_a_report_opened_from_the_refined_results_marks_the_refined_matches(
    client, engine, searched, results
):
    for a in nonempty(results.select("li.group h2.title a")):
        report_id = urlsplit(a["href"]).path.rsplit("/", 1)[-1]
        expected = engine.report_highlights(report_id, searched)
        report = page(client.get(a["href"]))
        assert report.select_one("#match-count").get_text() == str(len(expected))
        marked = report.select(".fulltext .has-match")
        assert {m["id"].removeprefix("p-") for m in marked} == set(expected)
