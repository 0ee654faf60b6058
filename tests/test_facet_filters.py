"""A facet value, clicked, gives exactly the reports and passages its count says.

The count and the filter are one set: equality, not substring (教育 is not 教育体育), and a
place's lower levels add up to it (a report naming 浙江省 but no city counts under 浙江省's
未识别 city, and that bucket is a filter too). Walked for every value of every facet, in the
library and through the web app's own links.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import lxml.html
import pytest

from indexer.models import UNKNOWN
from indexer.search.engine import SearchEngine
from indexer.search.facets import FACET_FILTERS
from tests.helpers import nonempty

QUERIES = ["法治", "行政复议", "法"]


@pytest.mark.parametrize("query", QUERIES)
def test_every_facet_value_clicked_gives_its_count(engine: SearchEngine, query: str) -> None:
    result = engine.search(query)
    checked = 0
    for name, entries in result.all_facets.items():
        for entry in entries:
            value = str(entry.get("path", entry["value"]))
            clicked = engine.search(query, filters={FACET_FILTERS[name]: [value]})
            got = (clicked.total_reports, clicked.total_passages)
            assert got == (entry["reports"], entry["passages"]), (name, value)
            checked += 1
    assert checked >= 10


def test_a_place_adds_up_to_its_cities_with_an_unknown_city(engine: SearchEngine) -> None:
    facets = engine.search("法治").all_facets
    unknown_cities = [c for c in facets["city"] if c["value"] == UNKNOWN]
    assert nonempty(unknown_cities, "provinces with a report naming no city")
    for province in facets["province"]:
        if province["value"] == UNKNOWN:
            continue
        cities = [c for c in facets["city"] if c["province"] == province["value"]]
        assert sum(c["reports"] for c in cities) == province["reports"], province["value"]
        assert sum(c["passages"] for c in cities) == province["passages"], province["value"]


def test_department_types_are_values_not_prefixes(engine: SearchEngine) -> None:
    departments = {d["value"] for d in engine.search("法治").facets["department"]}
    assert {"教育", "教育体育"} <= departments
    only = engine.search("法治", filters={"dept": ["教育"]})
    assert {g.metadata.department for g in only.groups()} == {"教育"}


def _totals(html: str) -> tuple[int, int]:
    page = lxml.html.fromstring(html)
    reports, passages = (
        page.xpath('//*[@id="total-reports"]'),
        page.xpath('//*[@id="total-passages"]'),
    )
    assert reports and passages, "no totals on the page"
    return int(reports[0].text_content()), int(passages[0].text_content())


def _facet_links(html: str) -> list[tuple[str, int, int, bool]]:
    """(href, reports, passages, active) of every facet value link on a results page."""
    links = []
    for a in lxml.html.fromstring(html).xpath('//aside[@class="facets"]//a[@data-filter]'):
        n = a.xpath('.//span[@class="n"]')
        p = a.xpath('.//span[@class="p"]')
        assert n and p, "a facet link without its counts"
        active = "active" in a.getparent().get("class", "").split()
        links.append((a.get("href"), int(n[0].text_content()), int(p[0].text_content()), active))
    return links


def _path(href: str) -> str:
    parts = urlsplit(href)
    return f"{parts.path}?{parts.query}"


def _one_value_per_filter(href: str) -> bool:
    """A link adding a second value of a filter asks for both (OR), not for its own count."""
    keys = [key for key, _ in parse_qsl(urlsplit(href).query)]
    return len(keys) == len(set(keys))


def test_every_facet_link_on_the_page_lands_on_its_count(client) -> None:
    first = client.get("/search", query_string={"q": "法治"})
    assert first.status_code == 200
    pages = [first.get_data(as_text=True)]
    followed = set()
    # The page of each clicked value opens its drill-down (a province's cities): follow those.
    while pages:
        html = pages.pop()
        for href, reports, passages, active in nonempty(_facet_links(html), "facet links"):
            if active or href in followed or not _one_value_per_filter(href):
                continue
            followed.add(href)
            response = client.get(_path(href))
            assert response.status_code == 200, href
            landed = response.get_data(as_text=True)
            assert _totals(landed) == (reports, passages), href
            if "region=" in href and len(followed) < 40:
                pages.append(landed)
    assert len(followed) >= 10


def test_the_issuer_facet_is_walked_too_in_the_library_and_on_the_page(engine, client) -> None:
    issuers = engine.search("法治").all_facets["issuer"]
    assert len(nonempty(issuers)) >= 5  # one value per body: every sample report's issuer
    for entry in issuers:
        clicked = engine.search("法治", filters={"issuer": [entry["value"]]})
        assert (clicked.total_reports, clicked.total_passages) == (
            entry["reports"],
            entry["passages"],
        ), entry["value"]
    html = client.get("/search", query_string={"q": "法治"}).get_data(as_text=True)
    links = [href for href, *_ in _facet_links(html) if "issuer=" in href]
    assert len(links) == len(issuers)
