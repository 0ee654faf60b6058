"""Help with queries: did you mean, search within results, and a caret under a query error."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from indexer.query import MAX_DEPTH
from indexer.search.engine import SearchEngine
from tests.helpers import nonempty


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def args_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def total(engine: SearchEngine, query: str, **filters: list[str]) -> int:
    return engine.search(query, filters=filters or None).total_passages


# --- Did you mean --------------------------------------------------------------------------


def test_a_misspelt_term_suggests_the_term_one_character_away_with_its_count(engine) -> None:
    found = engine.suggest("行政复仪")
    assert found[0] == ("行政复议", total(engine, "行政复议"))
    assert all(passages == total(engine, query) > 0 for query, passages in found)


def test_a_term_too_long_suggests_the_part_that_occurs(engine) -> None:
    assert ("行政复议", total(engine, "行政复议")) in engine.suggest("行政复议办公会议室")


def test_terms_that_never_meet_suggest_leaving_one_out(engine) -> None:
    found = dict(engine.suggest("行政复议 天安门 故宫"))
    assert found == {"行政复议": total(engine, "行政复议")}


def test_a_sentence_group_that_never_matches_suggests_the_same_passage(engine) -> None:
    query = "同句(行政复议 法治政府建设)"
    assert total(engine, query) == 0, "the sample has no such sentence: the premise"
    found = dict(engine.suggest(query))
    assert found.get("同段(行政复议 法治政府建设)") == total(engine, "行政复议 法治政府建设")


def test_suggestions_keep_the_filters(engine) -> None:
    for query, passages in nonempty(engine.suggest("行政复仪", {"region": ["贵州"]})):
        assert passages == total(engine, query, region=["贵州"])


@pytest.mark.parametrize(
    ("query", "offered", "never"),
    [
        # Matching folds 同/仝 and 了/瞭; a suggestion is written as the user wrote it.
        ("邓同志犯了错误", "邓同志", ["邓仝志", "犯瞭错误"]),
        ("鄧同志犯了錯誤", "鄧同志", ["邓同志"]),
        # A replacement leaving 和 at the edge is a fragment; a part of a word is none.
        ("行政复议庭", "行政复议法", ["行政复议和", "行政复议龢"]),
        ("依法治国 2035年", "依法治国", ["依法治国 20"]),
        ("行政复仪", "行政复议", ["行政复"]),
    ],
)
def test_suggestions_read_as_queries_someone_means(
    real_files_engine: SearchEngine, query: str, offered: str, never: list[str]
) -> None:
    found = [text for text, _ in real_files_engine.suggest(query)]
    assert offered in found
    assert not set(never) & set(found), found


def test_nothing_is_suggested_for_text_the_corpus_lacks_entirely(engine) -> None:
    assert engine.suggest("ｘｙｚｑｗ") == []
    assert engine.suggest('"unclosed') == []


def test_the_empty_results_page_links_to_suggestions(client, engine) -> None:
    soup = page(client.get("/search", query_string={"q": "行政复仪", "region": "贵州"}))
    links = soup.select(".did-you-mean a")
    assert links and links[0].get_text() == "行政复议"
    assert args_of(links[0]["href"]) == {"q": ["行政复议"], "region": ["贵州"]}


# --- Search within results -----------------------------------------------------------------


def test_search_within_results_narrows_and_keeps_filters(client, engine) -> None:
    args = {"q": "行政复议", "region": "贵州", "within": ["应诉"]}
    soup = page(client.get("/search", query_string=args))
    expected = total(engine, "行政复议 应诉", region=["贵州"])
    assert int(soup.select_one("#total-passages").get_text()) == expected
    form = soup.select_one("form.within")
    hidden = [(i["name"], i["value"]) for i in form.select("input[type=hidden]")]
    assert ("q", "行政复议") in hidden and ("region", "贵州") in hidden
    assert ("within", "应诉") in hidden


def test_each_refinement_in_the_trail_can_be_undone(client) -> None:
    args = {"q": "行政复议", "dept": "司法", "within": ["应诉", "-败诉"]}
    soup = page(client.get("/search", query_string=args))
    steps = [s.get_text() for s in soup.select(".trail .step")]
    assert steps == ["应诉", "-败诉"]
    undo = [args_of(a["href"]) for a in soup.select(".trail a.undo")]
    assert undo == [
        {"q": ["行政复议"], "dept": ["司法"], "within": ["-败诉"]},
        {"q": ["行政复议"], "dept": ["司法"], "within": ["应诉"]},
    ]


def test_links_on_a_refined_page_keep_the_refinements(client) -> None:
    args = {"q": "法", "within": ["行政复议"], "sort": "year"}
    soup = page(client.get("/search", query_string=args))
    for link in nonempty(soup.select("a.chip, .sort a")):
        assert args_of(link["href"]).get("within") == ["行政复议"]


def test_a_malformed_refinement_is_a_400_naming_it(client) -> None:
    response = client.get("/search", query_string={"q": "法", "within": ["(应诉"]})
    assert response.status_code == 400
    assert "在结果中检索" in page(response).select_one(".error .message").get_text()


def test_too_many_refinements_are_refused(client) -> None:
    response = client.get("/search", query_string={"q": "法", "within": ["a"] * 11})
    assert response.status_code == 400


def test_export_api_and_report_pages_answer_for_the_refined_search(client, engine) -> None:
    args = {"q": "行政复议", "within": ["应诉"]}
    soup = page(client.get("/search", query_string=args))
    expected = total(engine, "行政复议 应诉")
    assert 0 < expected < total(engine, "行政复议")
    export = soup.select_one('a[href*="export.csv"]')["href"]
    assert args_of(export).get("within") == ["应诉"]
    rows = list(csv.reader(io.StringIO(client.get(export).get_data(as_text=True))))
    assert len(rows) - 1 == expected  # a header, then one row per passage
    api = client.get("/api/search", query_string=args).get_json()
    assert api["total_passages"] == expected
    report = next(a["href"] for a in soup.select("a[href*='/reports/']") if "within" in a["href"])
    shown = page(client.get(report))
    assert "应诉" in {m.get_text() for m in shown.select("mark")}
    back = shown.select_one("#back-to-results")["href"]
    assert args_of(back).get("within") == ["应诉"] and args_of(back).get("q") == ["行政复议"]


# --- Query errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "position"), [('行政复议 "应诉', 5), ("(行政复议", 0), ("a)", 1)]
)
def test_a_query_error_shows_a_caret_and_a_plain_text_search(client, query, position) -> None:
    response = client.get("/search", query_string={"q": query, "year": "2023"})
    assert response.status_code == 400
    soup = page(response)
    echoed, caret = soup.select_one("pre.caret").get_text().split("\n")
    assert echoed == query and caret.endswith("^") and len(caret) == position + 1
    plain = soup.select_one(".query-error-detail .plain a")
    followed = client.get(plain["href"])
    assert followed.status_code == 200
    assert args_of(plain["href"])["year"] == ["2023"]


def test_too_deep_nesting_is_a_400_with_a_caret(client) -> None:
    query = "(" * (MAX_DEPTH + 5) + "a" + ")" * (MAX_DEPTH + 5)
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 400
    assert "嵌套过深" in page(response).select_one(".error .message").get_text()


def test_query_help_text_is_escaped_everywhere(client) -> None:
    response = client.get("/search", query_string={"q": '<b>x"'})
    html = response.get_data(as_text=True)
    assert "<b>x" not in html
