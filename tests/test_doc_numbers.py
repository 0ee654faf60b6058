"""Document numbers (发文字号) are shown, exported and searchable, wherever the file states them.

A portal page states its 文号 in the info table above the report, which cleaning removes as
page furniture: the number still leads the report's passages, so a literal query finds it,
and `文号:` (docno) selects the reports that carry it, however its brackets are written.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.ingest import parse_source
from indexer.ingest.s1_read import read_source
from indexer.ingest.s5_citations import doc_number_key
from indexer.search.engine import SearchEngine
from tests.corpora import WILD
from tests.helpers import nonempty

PORTAL_PAGE = WILD / "art_1229_5123456.html"  # 绍兴 portal page, 发文字号 in its info table
NUMBER = "绍政〔2024〕3号"


@pytest.fixture(scope="module")
def portal_index(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    index_dir = tmp_path_factory.mktemp("docno") / "index"
    build_index([sample_dir, PORTAL_PAGE], index_dir)
    return index_dir


@pytest.fixture(scope="module")
def portal_engine(portal_index: Path) -> SearchEngine:
    return SearchEngine.open(portal_index)


def test_the_info_table_number_leads_the_report_and_its_metadata() -> None:
    [report] = parse_source(read_source(PORTAL_PAGE))
    assert (report.metadata.doc_number, report.metadata.doc_number_source) == (
        NUMBER,
        "info_table",
    )
    assert report.passages[0].text == f"发文字号：{NUMBER}"
    # The row plays no part in reading the title: the headline is still the title.
    assert report.metadata.title == "关于绍兴市2023年法治政府建设工作情况的报告"


def test_a_number_the_head_states_is_not_repeated_in_front() -> None:
    page = "发文机关：甲县人民政府\n发文字号：甲政〔2023〕7号\n甲县2023年法治政府建设工作报告\n"
    page += "（甲政〔2023〕7号）\n市政府：\n2023年，我县根据乙政〔2022〕3号文件全面推进依法行政。"
    [report] = parse_source(_source(page))
    assert (report.metadata.doc_number, report.metadata.doc_number_source) == (
        "甲政〔2023〕7号",
        "text",
    )
    # The number it quotes is a citation, not its own number.
    assert report.metadata.doc_numbers == ["甲政〔2023〕7号", "乙政〔2022〕3号"]
    assert not report.passages[0].text.startswith("发文字号")


def _source(text: str):
    from indexer.models import SourceText

    return SourceText(path=Path("page.txt"), text=text, format="txt", encoding="utf-8")


@pytest.mark.parametrize("query", [NUMBER, "绍政[2024]3号", "绍政〔2024〕"])
def test_the_number_is_found_by_a_literal_query_and_by_the_field(
    portal_engine: SearchEngine, query: str
) -> None:
    by_field = portal_engine.search(f"文号:{query}")
    assert by_field.total_reports == 1
    assert portal_engine.search("", filters={"docno": [query]}).total_reports == 1
    if query == NUMBER:
        literal = portal_engine.search(NUMBER)
        hits = nonempty(literal.hits(0, 10))
        assert hits[0].text == f"发文字号：{NUMBER}"
        a, b = hits[0].highlights[0]
        assert hits[0].text[a:b] == NUMBER


def test_a_report_without_its_own_number_is_the_docno_unknown_bucket(
    portal_engine: SearchEngine,
) -> None:
    everything = portal_engine.search("法")
    unstated = portal_engine.search("法", filters={"docno": ["未识别"]})
    stated = portal_engine.search("法", filters={"docno": [NUMBER]})
    assert unstated.total_reports + stated.total_reports == everything.total_reports
    assert stated.total_reports == 1


def test_the_number_is_on_the_report_page_json_and_csv(portal_engine, portal_index) -> None:
    from webapp import create_app

    client = create_app({"TESTING": True, "INDEX_DIR": portal_index}).test_client()
    [group] = portal_engine.search(f"文号:{NUMBER}").groups()
    page = client.get(f"/reports/{group.report_id}")
    assert page.status_code == 200
    assert 'id="doc-number" href="/search?docno=' in page.get_data(as_text=True)
    api = client.get(f"/api/reports/{group.report_id}").get_json()
    assert (api["doc_number"], api["doc_number_source"]) == (NUMBER, "info_table")
    export = client.get("/export.csv", query_string={"q": NUMBER})
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert nonempty(rows)[0]["doc_number"] == NUMBER


def test_spellings_of_one_number_are_one_key() -> None:
    assert doc_number_key("绍政 [2024] 3号") == doc_number_key(NUMBER)
    assert doc_number_key("绍政（2024）3号") == doc_number_key(NUMBER)
