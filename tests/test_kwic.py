"""The concordance (KWIC): every occurrence on one line, exactly, in the order asked for.

On the sample beside 六盘水市民政局's 2022 report, through the Flask test client and the
command line: rows are exactly the occurrences (count and substrings), sorted by context as
concordancers sort, paged without loss, exported as CSV and as an Excel workbook.
"""

from __future__ import annotations

import csv
import io
import json
import re

import openpyxl
import pytest
from click.testing import CliRunner

from indexer.cli import main
from indexer.normalize import fold
from tests.helpers import nonempty

QUERY = "行政复议"


def passage_texts(client, report_ids: set[str]) -> dict[str, str]:
    texts = {}
    for report_id in report_ids:
        for p in client.get(f"/api/reports/{report_id}").get_json()["passages"]:
            texts[p["passage_id"]] = p["text"]
    return texts


def all_rows(client, **args: object) -> dict:
    return client.get("/api/kwic", query_string={"q": QUERY, "limit": 1000, **args}).get_json()


def test_rows_are_exactly_the_occurrences_of_the_term(workbench_client, workbench) -> None:
    data = all_rows(workbench_client)
    rows = nonempty(data["rows"])
    truth = sum(
        workbench.report(r.report_id).text.count(QUERY) for r in workbench.report_summaries()
    )
    assert data["total"] == len(rows) == truth
    assert data["total"] == workbench.search(QUERY).total_occurrences
    texts = passage_texts(workbench_client, {r["report_id"] for r in rows})
    by_passage: dict[str, list[dict]] = {}
    for row in rows:
        by_passage.setdefault(row["passage_id"], []).append(row)
        assert row["url"] == f"/reports/{row['report_id']}#p-{row['passage_id']}"
    for passage_id, found in nonempty(by_passage).items():
        text = texts[passage_id]
        places = [m.span() for m in re.finditer(QUERY, text)]
        assert len(found) == len(places)
        for row, (start, end) in zip(found, places, strict=True):
            assert row["match"] == text[start:end] == QUERY
            assert row["left"] == text[max(0, start - 30) : start]
            assert row["right"] == text[end : end + 30]
            assert row["left"] + row["match"] + row["right"] in text


def test_context_sorts_order_by_the_words_after_or_before_the_match(workbench_client) -> None:
    by_report = all_rows(workbench_client)["rows"]
    right = all_rows(workbench_client, sort="right")["rows"]
    left = all_rows(workbench_client, sort="left")["rows"]

    def key(row: dict) -> tuple:
        return (row["passage_id"], row["left"], row["right"])

    assert (
        sorted(map(key, right)) == sorted(map(key, nonempty(by_report))) == sorted(map(key, left))
    )
    assert [fold(r["right"]) for r in right] == sorted(fold(r["right"]) for r in right)
    # Left: the word right before the match first, as concordancers sort.
    assert [fold(r["left"])[::-1] for r in left] == sorted(fold(r["left"])[::-1] for r in left)


def test_windows_page_through_every_row_without_loss(workbench_client) -> None:
    whole = all_rows(workbench_client, width=10)["rows"]
    paged = []
    for offset in range(0, len(nonempty(whole)), 7):
        window = all_rows(workbench_client, width=10, offset=offset, limit=7)["rows"]
        paged.extend(window)
    assert paged == whole
    assert all(len(r["left"]) <= 10 and len(r["right"]) <= 10 for r in whole)


def test_a_proximity_query_lists_each_term_it_matched(workbench_client, workbench) -> None:
    query = "同句(行政复议 申请)"
    data = workbench_client.get("/api/kwic", query_string={"q": query, "limit": 1000}).get_json()
    assert {r["match"] for r in nonempty(data["rows"])} == {"行政复议", "申请"}
    assert data["total"] == len(data["rows"]) == workbench.search(query).total_occurrences


@pytest.mark.parametrize(
    ("args", "says"),
    [({"sort": "middle"}, "排序"), ({"width": "0"}, "width"), ({"q": ""}, "缺少查询")],
)
def test_bad_parameters_are_a_400_in_chinese(workbench_client, args, says) -> None:
    response = workbench_client.get("/api/kwic", query_string={"q": QUERY, **args})
    assert response.status_code == 400
    assert says in response.get_json()["error"]


def test_the_page_aligns_rows_links_each_to_its_passage_and_offers_exports(
    workbench_client,
) -> None:
    from bs4 import BeautifulSoup

    response = workbench_client.get("/kwic", query_string={"q": QUERY, "sort": "left"})
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "lxml")
    total = int(soup.select_one("#kwic-total").get_text())
    rows = soup.select("table.kwic tbody tr")
    assert len(nonempty(rows)) == min(total, 100)
    for row in rows:
        assert row.select_one("td.match mark").get_text() == QUERY
        href = row.select_one("td.source a")["href"]
        assert href.startswith("/reports/") and "#p-" in href and "q=" in href
    exports = {a.get_text(): a["href"] for a in soup.select(".export a")}
    assert exports["CSV"].startswith("/kwic.csv?") and "sort=left" in exports["CSV"]
    assert exports["Excel"].startswith("/kwic.xlsx?")


def test_the_page_shows_a_malformed_query_with_a_caret(workbench_client) -> None:
    response = workbench_client.get("/kwic", query_string={"q": "行政复议 (应诉"})
    assert response.status_code == 400
    assert "缺少右括号" in response.get_data(as_text=True)
    assert "^" in response.get_data(as_text=True)


def test_csv_and_xlsx_hold_every_row(workbench_client) -> None:
    total = all_rows(workbench_client)["total"]
    text = workbench_client.get("/kwic.csv", query_string={"q": QUERY}).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == [
        "report_id",
        "passage_id",
        "label",
        "year",
        "left",
        "match",
        "right",
        "permalink",
    ]
    assert len(rows) == total + 1 and {r[5] for r in rows[1:]} == {QUERY}
    data = workbench_client.get("/kwic.xlsx", query_string={"q": QUERY}).data
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True)["语境"]
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][:3] == ("左侧文字", "检索词", "右侧文字")
    assert len(lines) == total + 1


def test_the_command_line_prints_the_same_rows(
    runner: CliRunner, workbench_client, workbench_index
) -> None:
    args = ["kwic", QUERY, "--index", str(workbench_index), "--json", "--limit", "1000"]
    printed = json.loads(runner.invoke(main, args).output)
    assert printed["rows"] == all_rows(workbench_client)["rows"]
    plain = runner.invoke(main, ["kwic", QUERY, "--index", str(workbench_index), "--limit", "5"])
    lines = plain.output.splitlines()
    assert plain.exit_code == 0 and lines[0].startswith(f"「{QUERY}」: {printed['total']} 处")
    assert len(lines) == 6 and all(QUERY in line and "/reports/" in line for line in lines[1:])
    absolute = runner.invoke(main, [*args, "--base-url", "https://search.example.org"])
    assert json.loads(absolute.output)["rows"][0]["url"].startswith(
        "https://search.example.org/reports/"
    )
