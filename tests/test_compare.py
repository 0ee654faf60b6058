"""Comparing a body's reports of two years: shared, only in one, changed, marked.

六盘水市民政局's 2023 report (in the sample) against its 2022 report (tests/data/
workbench), made from it: copies word for word, passages with the year and a detail
changed, passages only 2022 has.
"""

from __future__ import annotations

from bs4 import BeautifulSoup

from indexer.normalize import fold
from tests.conftest import LIUPANSHUI_2023
from tests.helpers import nonempty


def the_2022_report(engine) -> str:
    (record,) = [r for r in engine.report_summaries() if r.metadata.year == 2022]
    return record.report_id


def compared(client, a: str, b: str) -> dict:
    response = client.get("/api/compare", query_string={"a": a, "b": b})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_every_passage_of_both_reports_is_in_exactly_one_list(workbench_client, workbench):
    b = the_2022_report(workbench)
    data = compared(workbench_client, LIUPANSHUI_2023, b)
    a_ids = [p["a"]["passage_id"] for p in [*data["shared"], *data["changed"]]]
    a_ids += [p["passage_id"] for p in data["only_a"]]
    b_ids = [p["b"]["passage_id"] for p in [*data["shared"], *data["changed"]]]
    b_ids += [p["passage_id"] for p in data["only_b"]]
    a_report, b_report = workbench.report(LIUPANSHUI_2023), workbench.report(b)
    assert sorted(a_ids) == sorted(p.passage_id for p in a_report.passages)
    assert sorted(b_ids) == sorted(p.passage_id for p in b_report.passages)


def test_shared_passages_are_copies_and_what_only_2022_has_is_listed(workbench_client, workbench):
    b = the_2022_report(workbench)
    data = compared(workbench_client, LIUPANSHUI_2023, b)
    for pair in nonempty(data["shared"]):
        assert "".join(fold(pair["a"]["text"]).split()) == "".join(fold(pair["b"]["text"]).split())
    only_2022 = [p["text"] for p in data["only_b"]]
    assert any(t.startswith("4.开展行政复议案件专项评查") for t in only_2022)
    assert any(t.startswith("3.推进行政复议体制改革") for t in only_2022)
    # Passages of 2023 that 2022 dropped stay on their side.
    assert any("行政执法人员资格管理" in p["text"] for p in nonempty(data["only_a"]))


def test_changed_pairs_carry_their_similarity_and_the_characters_that_changed(
    workbench_client, workbench
):
    data = compared(workbench_client, LIUPANSHUI_2023, the_2022_report(workbench))
    changed = {p["a"]["text"][:10]: p for p in nonempty(data["changed"])}
    heading = changed["一、2023年度工作"]
    assert heading["b"]["text"] == "一、2022年度工作开展情况"
    assert [heading["a"]["text"][s:e] for s, e in heading["a_changes"]] == ["3"]
    assert [heading["b"]["text"][s:e] for s, e in heading["b_changes"]] == ["2"]
    for pair in changed.values():
        assert 0.6 <= pair["similarity"] < 1
        # Without its changes each side reads the same: the rest is what they share.
        a, b = pair["a"]["text"], pair["b"]["text"]
        kept_a = "".join(
            a[i] for i in range(len(a)) if not any(s <= i < e for s, e in pair["a_changes"])
        )
        kept_b = "".join(
            b[i] for i in range(len(b)) if not any(s <= i < e for s, e in pair["b_changes"])
        )
        assert kept_a == kept_b


def test_the_page_shows_both_sides_with_the_changes_marked_and_escaped(workbench_client, workbench):
    b = the_2022_report(workbench)
    html = workbench_client.get("/compare", query_string={"a": LIUPANSHUI_2023, "b": b})
    soup = BeautifulSoup(html.get_data(as_text=True), "lxml")
    pairs = soup.select("#changed .changed-pair")
    assert len(nonempty(pairs)) == int(soup.select_one("#count-changed").get_text())
    for pair in pairs:
        assert pair.select(".side-a del") and pair.select(".side-b ins")
        assert not pair.select(".side-a ins") and not pair.select(".side-b del")
    assert soup.select_one("#count-only-b").get_text() == str(len(soup.select("#only-b p.text a")))


def test_a_report_page_offers_the_same_bodys_other_year_and_any_report(workbench_client, workbench):
    b = the_2022_report(workbench)
    soup = BeautifulSoup(
        workbench_client.get(f"/reports/{LIUPANSHUI_2023}").get_data(as_text=True), "lxml"
    )
    (year_link,) = soup.select("a.compare-year")
    assert year_link.get_text() == "与2022年的报告对比"
    assert f"b={b}" in year_link["href"]
    chooser = workbench_client.get(soup.select_one("#compare-any")["href"]).get_data(as_text=True)
    page = BeautifulSoup(chooser, "lxml")
    assert [a["href"] for a in page.select("#same-issuer a")] == [year_link["href"]]
    assert len(page.select("#all-reports a")) == len(workbench.report_summaries()) - 1
    # A report of a body with one report offers no other year.
    other = next(
        r.report_id for r in workbench.report_summaries() if r.metadata.issuer == "兴义市民政局"
    )
    single = BeautifulSoup(workbench_client.get(f"/reports/{other}").get_data(as_text=True), "lxml")
    assert not single.select("a.compare-year") and single.select_one("#compare-any")


def test_bad_report_parameters_are_refused_in_chinese(workbench_client):
    same = workbench_client.get(
        "/api/compare", query_string={"a": LIUPANSHUI_2023, "b": LIUPANSHUI_2023}
    )
    assert same.status_code == 400 and "两份报告相同" in same.get_json()["error"]
    missing = workbench_client.get("/api/compare", query_string={"a": LIUPANSHUI_2023})
    assert missing.status_code == 400 and "缺少参数 b" in missing.get_json()["error"]
    unknown = workbench_client.get(
        "/api/compare", query_string={"a": LIUPANSHUI_2023, "b": "0" * 16}
    )
    assert unknown.status_code == 404
    by_address = workbench_client.get(
        "/api/compare",
        query_string={"a": LIUPANSHUI_2023, "b": f"http://x/reports/{'0' * 15}1#p-1"},
    )
    assert by_address.status_code == 404  # read as an id, unknown: not a 500
