"""The research workbench through the web app: collocations, Excel, feeds, issuer and date.

On the sample beside 六盘水市民政局's 2022 report (成文日期 2023-01-16): collocates are
counted in the query's sentences and link to them; the workbook opens with Chinese
headers; the Atom feed is valid and newest build first; an issuer is a facet whose values
select exactly their reports; a date range selects the reports whose 成文日期 may lie in it.
"""

from __future__ import annotations

import io
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import lxml.etree
import openpyxl
import pytest
from flask import Flask

from indexer.build import build_index
from indexer.normalize import fold
from indexer.query.proximity import sentences
from indexer.search.engine import SearchEngine
from tests.conftest import SAMPLE_DIR, WORKBENCH_DIR
from tests.helpers import forget_engine, nonempty
from webapp import create_app

QUERY = "行政复议"
ATOM = "{http://www.w3.org/2005/Atom}"

# --- Collocations --------------------------------------------------------------------------


def test_collocates_are_counted_in_the_sentences_of_the_query(workbench_client, workbench):
    data = workbench_client.get("/api/collocations", query_string={"q": QUERY}).get_json()
    collocates = nonempty(data["collocates"])
    assert data["measure"].startswith("log-likelihood G²")
    assert [c["score"] for c in collocates] == sorted(
        (c["score"] for c in collocates), reverse=True
    )
    words = {c["word"] for c in collocates}
    assert QUERY not in words and "的" not in words and "行政应诉" in words
    # Each count is of the word in the sentences holding 行政复议, as the segmenter cuts them.
    segmenter = workbench.generation.segmenter
    texts = [
        p.text for r in workbench.report_summaries() for p in workbench.report(r.report_id).passages
    ]
    held = [t[s:e] for t in texts for s, e in sentences(t) if QUERY in fold(t[s:e])]
    for collocate in collocates[:5]:
        truth = sum(
            segmenter.words(piece).count(collocate["word"])
            for sentence in held
            for piece in sentence.split(QUERY)
        )
        assert collocate["count"] == truth >= 3, collocate
        assert collocate["score"] > 0 and collocate["corpus_count"] >= collocate["count"]


def test_each_collocate_links_to_its_sentences_with_the_query(workbench_client):
    data = workbench_client.get("/api/collocations", query_string={"q": QUERY}).get_json()
    first = nonempty(data["collocates"])[0]
    assert parse_qs(urlsplit(first["search"]).query)["q"] == [f"同句({QUERY} {first['word']})"]
    page = workbench_client.get(first["search"]).get_data(as_text=True)
    assert "同一句中" in page
    results = workbench_client.get(
        "/api/search", query_string={"q": f"同句({QUERY} {first['word']})"}
    ).get_json()
    assert results["total_passages"] > 0


def test_the_results_page_shows_the_collocates_as_a_table(workbench_client):
    from bs4 import BeautifulSoup

    html = workbench_client.get("/search", query_string={"q": QUERY}).get_data(as_text=True)
    rows = BeautifulSoup(html, "lxml").select("#collocations table tbody tr")
    for row in nonempty(rows):
        query = parse_qs(urlsplit(row.select_one("a")["href"]).query)["q"][0]
        assert query == f"同句({QUERY} {row.select_one('a').get_text()})"


# --- Excel ---------------------------------------------------------------------------------


def test_the_workbook_opens_with_chinese_headers_a_sheet_of_passages_and_one_of_reports(
    workbench_client, workbench
):
    response = workbench_client.get("/export.xlsx", query_string={"q": QUERY, "region": "贵州"})
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["段落", "报告"]
    passages = list(book["段落"].iter_rows(values_only=True))
    reports = list(book["报告"].iter_rows(values_only=True))
    assert passages[0][:9] == (
        "标题",
        "发布机关",
        "省份",
        "城市",
        "区县",
        "部门",
        "年份",
        "章节",
        "段落",
    )
    assert reports[0][:3] == ("标题", "发布机关", "省份")
    result = workbench.search(QUERY, filters={"region": ["贵州"]})
    assert len(passages) - 1 == result.total_passages
    assert len(reports) - 1 == result.total_reports
    assert sum(row[10] for row in reports[1:]) == result.total_occurrences
    assert all(QUERY in row[8] for row in nonempty(passages[1:]))


def test_a_cell_that_looks_like_a_formula_stays_text():
    from webapp.views.spreadsheet import Sheet, xlsx_response

    with Flask(__name__).test_request_context():
        response = xlsx_response([Sheet("x", [("值", 10)], [["=HYPERLINK(1)", 3]])], "x")
        data = b"".join(response.response)
    cell = openpyxl.load_workbook(io.BytesIO(data))["x"]["A2"]
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"


# --- Feeds ---------------------------------------------------------------------------------


def entries(client, **args: str) -> tuple[lxml.etree._Element, list]:
    response = client.get("/feed.atom", query_string={"q": QUERY, **args})
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = lxml.etree.fromstring(response.data)  # well-formed XML, or this raises
    return feed, feed.findall(f"{ATOM}entry")


def test_the_feed_is_valid_atom_with_an_entry_per_matching_report(workbench_client, workbench):
    feed, found = entries(workbench_client)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):  # RFC 4287 4.1.1
        assert feed.find(f"{ATOM}{required}") is not None, required
    assert (
        feed.find(f"{ATOM}link[@rel='self']").get("href").startswith("http://localhost/feed.atom?")
    )
    result = workbench.search(QUERY)
    assert len(nonempty(found)) == result.total_reports
    for entry in found:
        for required in ("id", "title", "updated", "link", "summary"):
            assert entry.find(f"{ATOM}{required}") is not None, required
        assert entry.findtext(f"{ATOM}id").startswith("tag:localhost,2026:reports/")
        href = entry.find(f"{ATOM}link").get("href")
        assert href.startswith("http://localhost/reports/") and "#p-" in href
        assert QUERY in entry.findtext(f"{ATOM}summary")
    ids = [e.findtext(f"{ATOM}id") for e in found]
    assert len(set(ids)) == len(ids)


def test_the_feed_lists_the_newest_build_first_and_keeps_its_ids(tmp_path: Path):
    index = tmp_path / "index"
    build_index([SAMPLE_DIR], index)
    client = create_app({"TESTING": True, "INDEX_DIR": index}).test_client()
    _, before = entries(client)
    build_index([SAMPLE_DIR, WORKBENCH_DIR], index)  # a later build adds the 2022 report
    _, after = entries(client)
    newest = after[0]
    assert "六盘水市民政局2022年" in newest.findtext(f"{ATOM}title")
    assert newest.findtext(f"{ATOM}updated") >= after[1].findtext(f"{ATOM}updated")
    old = {e.findtext(f"{ATOM}id"): e.findtext(f"{ATOM}updated") for e in before}
    kept = {e.findtext(f"{ATOM}id"): e.findtext(f"{ATOM}updated") for e in after[1:]}
    assert kept == old  # same ids, same dates: a reader shows nothing twice
    # A rebuild from scratch keeps when each report came.
    build_index([SAMPLE_DIR, WORKBENCH_DIR], index, incremental=False)
    _, rebuilt = entries(client)
    assert [(e.findtext(f"{ATOM}id"), e.findtext(f"{ATOM}updated")) for e in rebuilt] == [
        (e.findtext(f"{ATOM}id"), e.findtext(f"{ATOM}updated")) for e in after
    ]


def test_an_index_from_before_builds_were_recorded_still_has_a_feed(
    tmp_path: Path, workbench_index: Path
):
    index = tmp_path / "index"
    shutil.copytree(workbench_index, index)
    store = SearchEngine.open(index).generation.root / "store.sqlite"
    forget_engine(index)
    with sqlite3.connect(store) as connection:
        connection.execute("DROP TABLE added")
    client = create_app({"TESTING": True, "INDEX_DIR": index}).test_client()
    _, found = entries(client)
    forget_engine(index)
    assert len({e.findtext(f"{ATOM}updated") for e in nonempty(found)}) == 1  # the store's build


def test_every_results_page_links_its_feed(workbench_client):
    from bs4 import BeautifulSoup

    args = {"q": QUERY, "region": "贵州省"}
    html = workbench_client.get("/search", query_string=args).get_data(as_text=True)
    soup = BeautifulSoup(html, "lxml")
    link = soup.select_one("a#feed-link")
    assert link is not None and link["type"] == "application/atom+xml"
    assert parse_qs(urlsplit(link["href"]).query) == {"q": [QUERY], "region": ["贵州省"]}
    # Feed readers find it in the head too (autodiscovery).
    announced = soup.select_one('head link[rel="alternate"][type="application/atom+xml"]')
    assert announced["href"] == link["href"]
    _, found = entries(workbench_client, region="贵州省")
    in_guizhou = workbench_client.get("/api/search", query_string=args).get_json()
    assert len(nonempty(found)) == in_guizhou["total_reports"]


# --- Issuer facet and date range -----------------------------------------------------------


def test_the_issuer_facet_counts_each_issuer_and_selects_exactly_it(workbench):
    facet = {v["value"]: v for v in workbench.search("法治").facets["issuer"]}
    assert facet["六盘水市民政局"]["reports"] == 2  # 2022 and 2023
    # 市民政局 is an issuer of its own (a report naming no city): exactly its one report,
    # where a typed part of a name (民政局) finds every issuer holding it.
    exact = workbench.search("法治", filters={"issuer": ["市民政局"]})
    assert exact.total_reports == facet["市民政局"]["reports"] == 1
    typed = workbench.search("法治 issuer:民政局")
    assert typed.total_reports == sum(v["reports"] for k, v in facet.items() if "民政局" in k)


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("2023-01-16", True),
        ("2023-01", True),
        ("2023", True),
        ("2022-12..2023-01", True),
        (">=2023-01-17", False),
        ("<2023", False),
        ("2023-02..2023-12", False),
    ],
)
def test_a_date_range_selects_the_reports_whose_date_may_lie_in_it(workbench, value, found):
    result = workbench.search(f"{QUERY} date:{value}")
    reports = {g.report_id for g in result.groups()}
    assert reports == ({"d158419d008893af"} if found else set())


def test_a_date_known_to_the_month_matches_any_range_that_month_touches():
    from indexer.query.dates import date_days, date_range

    month, year = date_days("2024-03"), date_days("2024")
    assert month == (20240301, 20240331) and year == (20240101, 20241231)
    low, high = date_range("2024-03-15..2024-06")
    assert month[0] <= high and month[1] >= low  # overlaps: found
    assert date_range("2024-03-31") == (20240331, 20240331)


def test_the_date_form_filters_and_a_bad_date_is_a_400(workbench_client):
    args = {"q": QUERY, "date_from": "2023-01", "date_to": "2023-01-31"}
    data = workbench_client.get("/api/search", query_string=args).get_json()
    assert {h["report_id"] for h in nonempty(data["hits"])} == {"d158419d008893af"}
    page = workbench_client.get("/search", query_string=args).get_data(as_text=True)
    assert "2023-01 至 2023-01-31" in page
    bad = workbench_client.get("/api/search", query_string={"q": QUERY, "date_from": "明年"})
    assert bad.status_code == 400 and "date_from" in bad.get_json()["error"]
    typed = workbench_client.get("/api/search", query_string={"q": f"{QUERY} date:2023-13"})
    assert typed.status_code == 400 and "成文日期写法不对" in typed.get_json()["error"]


# --- Trends --------------------------------------------------------------------------------


def test_years_stand_on_a_numeric_axis_and_the_bars_can_be_per_100_reports(workbench_client):
    from bs4 import BeautifulSoup

    page = workbench_client.get("/search", query_string={"q": QUERY, "trend": "per_100_reports"})
    soup = BeautifulSoup(page.get_data(as_text=True), "lxml")
    bars = {g["data-year"]: g.select_one("rect") for g in soup.select("#chart-year g.bar-group")}
    x = {year: float(rect["x"]) for year, rect in bars.items()}
    assert {"2022", "2023"} <= set(nonempty(x))
    assert x["2023"] - x["2022"] > 0 and x["未识别"] > x["2023"]  # 未识别 apart, at the right
    # 2022's one report matches: 100 per 100, the tallest bar.
    heights = {year: float(rect["height"]) for year, rect in bars.items()}
    assert heights["2022"] == max(heights.values())
    assert soup.select_one(".trend-measures strong").get_text() == "每百篇报告中的匹配报告数"
    bad = workbench_client.get("/search", query_string={"q": QUERY, "trend": "x"})
    assert bad.status_code == 400


def test_a_gap_of_years_is_a_gap_on_the_axis():
    from webapp.views.charts import year_axis

    entries = [
        {"value": str(y), "reports": 1, "passages": 1, "occurrences": 1} for y in (1923, 1924, 1969)
    ]
    bars = {b["entry"]["value"]: b["x"] for b in year_axis(entries)["bars"]}
    step = bars["1924"] - bars["1923"]
    assert step > 0 and bars["1969"] - bars["1923"] == 46 * step
