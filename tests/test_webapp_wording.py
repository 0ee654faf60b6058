"""What the pages say in words (issue 18): filters as Chinese, not code; parameter messages
that say what was wrong and give the range; a query's reading shown once."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

QUERY = "行政复议"


def page(response, status: int = 200) -> BeautifulSoup:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def words(soup: BeautifulSoup) -> str:
    return re.sub(r"\s+", " ", soup.get_text(" "))


@pytest.mark.parametrize(
    ("args", "chip", "filter_value"),
    [
        ({"year_from": "2024"}, "2024年及以后", ">=2024"),
        ({"year_to": "2020"}, "2020年及以前", "<=2020"),
        ({"year": ">2023"}, "2024年及以后", ">2023"),
        ({"year": "2019-2022"}, "2019–2022年", "2019-2022"),
    ],
)
def test_a_year_range_that_removes_everything_is_named_in_chinese(
    client, engine, args, chip, filter_value
):
    assert engine.search(QUERY, filters={"year": [filter_value]}).total_reports == 0
    everything = engine.search(QUERY).total_reports
    soup = page(client.get("/search", query_string={"q": QUERY, **args}))
    shown = soup.select_one('.chips .chip-group[data-filter="year"] a.chip')
    assert shown["data-value"] == filter_value  # the link keeps the value the engine reads
    assert shown.get_text(" ", strip=True).startswith(chip)
    diagnosis = words(soup.select_one("ul.diagnosis"))
    assert f"不加「年份：{chip}」时有 {everything} 篇报告" in diagnosis
    assert not re.search(r"[<>=]", words(soup.select_one(".chips")) + diagnosis)


def test_the_year_form_shows_an_open_range_as_chosen(client):
    soup = page(client.get("/search", query_string={"q": "法", "year_from": "2023"}))
    form = soup.select_one("form.year-range")
    assert form.select_one('select[name="year_from"] option[selected]')["value"] == "2023"
    assert form.select_one('select[name="year_to"] option[selected]') is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"offset": "-1"}, "参数 offset 超出范围：应在 0–10000000 之间，收到的是「-1」"),
        ({"limit": "0"}, "参数 limit 超出范围：应在 1–1000 之间，收到的是「0」"),
        ({"limit": "99999999999"}, "参数 limit 超出范围：应在 1–1000 之间"),
        ({"limit": "1" * 30}, "参数 limit 超出范围：应在 1–1000 之间"),
        ({"limit": "abc"}, "参数 limit 应是整数，收到的是「abc」"),
        ({"limit": "1.5"}, "参数 limit 应是整数，收到的是「1.5」"),
        ({"limit": "²"}, "参数 limit 应是用半角数字写的整数，收到的是「²」"),
        ({"limit": "１２"}, "参数 limit 应是用半角数字写的整数，收到的是「１２」"),
        ({"year_from": "1"}, "参数 year_from 超出范围：应在 1900–2100 之间，收到的是「1」"),
        ({"region": "省" * 101}, "过滤条件 region 的值太长（101 个字符）"),
        ({"sort": "random"}, "不支持的排序方式「random」"),
        ({"within": "法" * 501}, "在结果中检索的条件太长（501 个字符）"),
    ],
)
def test_a_bad_parameter_says_what_is_wrong_and_what_to_send(client, args, message):
    response = client.get("/api/search", query_string={"q": QUERY, **args})
    assert response.status_code == 400
    error = response.get_json()
    assert error["error"].startswith(message), error
    assert error["hint"]
    if "1–1000" in message:
        assert "1–1000" in error["hint"]


def test_the_similar_page_checks_its_limit_like_every_page(client):
    soup = page(client.get("/similar", query_string={"limit": "0"}), 400)
    assert "参数 limit 超出范围：应在 1–2000 之间" in words(soup)
    assert page(client.get("/similar", query_string={"limit": "²"}), 400)
    assert page(client.get("/similar", query_string={"limit": "5"}))


@pytest.mark.parametrize("query", ["这个词组在样本中不存在", QUERY])
def test_the_reading_of_the_query_is_shown_once(client, engine, query):
    interpretation = engine.search(query).interpretation
    assert interpretation
    results = page(client.get("/search", query_string={"q": query})).select_one("section.results")
    assert words(results).count(interpretation) == 1, words(results)[:300]
