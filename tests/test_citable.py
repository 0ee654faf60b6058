"""Reports described so they can be cited: a label for every report, one canonical issuer
for every spelling, and GB/T 7714-2015 citations beside the short form."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from indexer.build import build_index
from indexer.errors import SourceError
from indexer.ingest import parse_source
from indexer.ingest.corrections import apply_corrections, parse_corrections
from indexer.ingest.s1_read import read_source
from indexer.ingest.s5_describe import describe_report
from indexer.ingest.s5_issuers import IssuerAliases, default_aliases, read_aliases
from indexer.ingest.s5_kind import report_kind
from indexer.models import MADE_LABEL, Metadata, Report
from indexer.search.citation import citation, citation_gbt7714
from indexer.search.engine import SearchEngine
from tests.helpers import nonempty

NOT_IDENTIFIED = ("标题未识别", "（标题未识别）")

# Two yearly reports of one bureau pasted without titles, both citing 行政复议法 and sharing
# a paragraph word for word (so /similar pairs them).
COMPILATION = """
2022年，我局在市委、市政府的坚强领导下，全面推进法治政府建设。现将2022年法治政府建设工作情况报告如下：
一、主要工作
严格执行《中华人民共和国行政复议法》，全年办理行政复议案件26件，依法纠错3件，行政机关负责人出庭应诉率100%。
二、下一步工作打算
我局将继续推进法治政府建设，持续提升依法行政能力和水平，为全市经济社会发展提供法治保障。
甲市民政局
2023年1月16日
2023年，我局在市委、市政府的坚强领导下，全面推进法治政府建设。现将2023年法治政府建设工作情况报告如下：
一、主要工作
严格执行《中华人民共和国行政复议法》，全年办理行政复议案件31件，依法纠错2件，行政机关负责人出庭应诉率100%。
二、下一步工作打算
我局将继续推进法治政府建设，持续提升依法行政能力和水平，为全市经济社会发展提供法治保障。
甲市民政局
2024年1月18日
"""

LAW = """# 中华人民共和国行政复议法

第一条　为了防止和纠正违法的或者不当的行政行为，保护公民、法人和其他组织的合法权益，制定本法。

第二条　公民、法人或者其他组织认为行政行为侵犯其合法权益，向行政复议机关提出行政复议申请，适用本法。

第三条　行政复议工作坚持中国共产党的领导。
"""

PORTAL_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>乙县人民政府2023年法治政府建设年度报告_乙县人民政府</title></head>
<body><div class="article"><h1>乙县人民政府2023年法治政府建设年度报告</h1>
<p>2023年，我县深入贯彻习近平法治思想，扎实推进法治政府建设，全年办理行政复议案件58件。</p>
<p>一、主要工作</p>
<p>全县行政机关负责人出庭应诉率达到100%，行政诉讼败诉率下降至3.2%。</p>
<p style="text-align:right">乙县人民政府</p>
<p style="text-align:right">2024年1月20日</p>
</div></body></html>
"""


def congress_speech(session: str, delivered: str) -> str:
    return f"""同志们：

现在，我代表{session}中央委员会向大会作报告。

这次大会肩负着重大的历史使命，{delivered}。

一、过去五年的工作

五年来，{delivered}，我们坚持以经济建设为中心，国民经济持续快速健康发展。
"""


@pytest.fixture(scope="module")
def cited_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("citable")
    sources = folder / "sources"
    (sources / "portal").mkdir(parents=True)
    (sources / "甲市民政局报告汇编.txt").write_text(COMPILATION, encoding="utf-8")
    (sources / "中华人民共和国行政复议法.txt").write_text(LAW, encoding="utf-8")
    (sources / "portal" / "art_2024_88.html").write_text(PORTAL_PAGE, encoding="utf-8")
    (sources / "十四大报告.txt").write_text(
        congress_speech("十三届", "大会将总结十一届三中全会以来十四年的实践经验"), encoding="utf-8"
    )
    (sources / "十五大报告.txt").write_text(
        congress_speech("第十四届", "大会将确立邓小平理论在全党的指导地位"), encoding="utf-8"
    )
    index_dir = folder / "index"
    build_index([sources], index_dir)
    return index_dir


@pytest.fixture(scope="module")
def cited_engine(cited_index: Path) -> SearchEngine:
    return SearchEngine.open(cited_index)


@pytest.fixture()
def cited_client(cited_index: Path):
    from webapp import create_app

    app = create_app(
        {"TESTING": True, "INDEX_DIR": cited_index, "PUBLIC_BASE_URL": "https://r.example.org"}
    )
    return app.test_client()


def records_by_source(engine: SearchEngine) -> dict[str, list]:
    found: dict[str, list] = {}
    for record in engine.report_summaries():
        found.setdefault(Path(record.source).name, []).append(record)
    return found


def page(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


# --- a label for every report --------------------------------------------------------


def test_a_report_without_a_title_is_labelled_with_what_is_known_and_marked_as_made() -> None:
    meta = Metadata(issuer="六盘水市民政局", year=2023, kind="法治政府建设年度报告")
    assert meta.title == ""
    assert meta.label == "［无标题］六盘水市民政局 2023年法治政府建设年度报告"
    assert Metadata(year=2023).label == "［无标题］2023年报告"
    assert Metadata(issuer="国务院").label == "［无标题］国务院 报告"
    assert Metadata(title="政府工作报告", issuer="国务院").label == "政府工作报告"


def test_sample_reports_keep_an_empty_title_and_get_made_labels(sample_file: Path) -> None:
    reports = nonempty(parse_source(read_source(sample_file)))
    for report in reports:
        meta = report.metadata
        assert meta.title == ""
        assert meta.label.startswith(MADE_LABEL)
        assert meta.issuer in meta.label
    assert reports[1].metadata.label == "［无标题］六盘水市民政局 2023年法治政府建设年度报告"


def test_no_heading_or_citation_of_the_sample_says_the_title_is_unidentified(
    client, engine
) -> None:
    soup = page(client.get("/search", query_string={"q": "行政复议"}))
    headings = nonempty(soup.select("li.group h2.title"))
    for heading in headings:
        assert heading.get_text(strip=True).startswith(MADE_LABEL)
    record = engine.report_summaries()[1]
    report = page(client.get(f"/reports/{record.report_id}"))
    assert report.select_one("h1").get_text(strip=True) == record.metadata.label
    citations = nonempty(report.select("textarea.citation"))
    for shown in [*headings, *citations, report.select_one("h1")]:
        assert not any(word in shown.get_text() for word in NOT_IDENTIFIED)
    export = client.get("/export.csv", query_string={"q": "行政复议"}).get_data(as_text=True)
    assert not any(word in export for word in NOT_IDENTIFIED)


def test_json_keeps_the_title_empty_and_adds_the_label(client, engine) -> None:
    record = engine.report_summaries()[0]
    data = client.get(f"/api/reports/{record.report_id}").get_json()
    assert data["title"] == ""
    assert data["label"] == record.metadata.label
    hits = nonempty(client.get("/api/search?q=行政复议").get_json()["hits"])
    for hit in hits:
        assert hit["title"] == "" and hit["label"].startswith(MADE_LABEL)
        assert hit["citation"].startswith(hit["label"])


def test_the_short_citation_of_an_untitled_report_names_it_by_its_label() -> None:
    meta = Metadata(issuer="甲市民政局", year=2023, kind="法治政府建设年度报告")
    assert citation(meta, "一、主要工作", "依法办理。", "http://h/r#p-1") == (
        "［无标题］甲市民政局 2023年法治政府建设年度报告，一、主要工作，http://h/r#p-1\n“依法办理。”"
    )


def test_the_law_page_lists_its_citing_reports_by_label(cited_client, cited_engine) -> None:
    reports = records_by_source(cited_engine)
    [law] = reports["中华人民共和国行政复议法.txt"]
    citing = nonempty(reports["甲市民政局报告汇编.txt"])
    soup = page(cited_client.get(f"/reports/{law.report_id}"))
    listed = {a["href"]: a.get_text(strip=True) for a in soup.select("ul.cited-by a")}
    assert listed == {f"/reports/{r.report_id}": r.metadata.label for r in citing}
    assert all(label.startswith(MADE_LABEL) for label in listed.values())


def test_the_similar_page_and_passages_name_reports_by_label(cited_client, cited_engine) -> None:
    first, second = records_by_source(cited_engine)["甲市民政局报告汇编.txt"]
    assert first.metadata.label == "［无标题］甲市民政局 2022年法治政府建设年度报告"
    assert second.metadata.label == "［无标题］甲市民政局 2023年法治政府建设年度报告"
    pairs = page(cited_client.get("/similar"))
    names = {a.get_text(strip=True) for a in nonempty(pairs.select("table.report-pairs a"))}
    assert names == {first.metadata.label, second.metadata.label}
    beside = page(cited_client.get(f"/reports/{first.report_id}"))
    links = nonempty(beside.select(".similar-passages a"))
    assert {a.get_text(strip=True) for a in links} == {second.metadata.label}
    similar = cited_client.get(f"/api/reports/{first.report_id}/similar").get_json()
    assert {s["label"] for p in similar["passages"] for s in p["similar"]} == {
        second.metadata.label
    }


# --- the kind a label names ----------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "paragraphs", "speech", "kind"),
    [
        ("", ["各位代表：", "现在，我代表市人民政府，向大会报告工作。"], True, "政府工作报告"),
        ("2026年湖南省政府工作报告", ["各位代表："], True, "政府工作报告"),
        ("", ["2023年，我局扎实推进各项工作。现将2023年法治政府建设工作情况报告如下："], False,
         "法治政府建设年度报告"),
        ("", ["参照《法治政府建设实施纲要》执行。现将有关情况报告如下："], False, "报告"),
        ("临江市口岸服务条例", ["第一条　为了…", "第二条　本条例…", "第三条　…"], False, "法规"),
        ("", ["加强学习，提高认识。"], False, ""),
    ],
)  # fmt: skip
def test_the_kind_comes_from_the_reports_own_wording(
    title: str, paragraphs: list[str], speech: bool, kind: str
) -> None:
    assert report_kind(title, paragraphs, speech=speech) == kind


# --- one canonical issuer ------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    ["中央委员会", "十三届中央委员会", "第十四届中央委员会", "中国共产党第十一届中央委员会",
     "中央委員會", "中共中央", "中国共产党中央委员会"],
)  # fmt: skip
def test_every_spelling_of_the_congress_reports_issuer_is_one_canonical_name(
    spelling: str,
) -> None:
    assert default_aliases().canonical(spelling) == "中国共产党中央委员会"


def test_a_name_the_table_does_not_know_keeps_its_spelling_less_a_session() -> None:
    aliases = default_aliases()
    assert aliases.canonical("六盘水市民政局") == "六盘水市民政局"
    assert aliases.canonical("广东省第十四届人民代表大会常务委员会") == (
        "广东省人民代表大会常务委员会"
    )
    assert aliases.canonical("共青团中央委员会") == "共青团中央委员会"  # not the Party's
    assert aliases.canonical("") == ""


def test_a_speech_keeps_its_spelling_beside_the_canonical_issuer_and_its_source() -> None:
    meta = describe_report(congress_speech("十三届", "大会将总结实践经验").split("\n"))
    assert (meta.issuer, meta.issuer_stated, meta.issuer_source) == (
        "中国共产党中央委员会",
        "十三届中央委员会",
        "text",
    )
    plain = describe_report(["我局坚持依法行政。", "六盘水市民政局", "2024年1月15日"])
    assert (plain.issuer, plain.issuer_stated) == ("六盘水市民政局", "")


def test_the_alias_table_is_data_read_from_its_file() -> None:
    entries = read_aliases("# comment\n国务院\t中华人民共和国国务院|中央人民政府\n\n")
    assert entries == [("国务院", ["中华人民共和国国务院", "中央人民政府"])]
    assert IssuerAliases(entries).canonical("中央人民政府") == "国务院"


def test_the_corrections_file_extends_the_alias_table(sample_file: Path) -> None:
    reports = parse_source(read_source(sample_file))
    rows = parse_corrections(
        "file,position,issuer,aliases\n"
        ",,六盘水市民政局,市民政局|六盘水民政局\n"
        "000_61bc35062b802780.txt,7,陆河县教育局（陆河县教育体育局）,\n"
    )
    used = apply_corrections(reports, rows)
    assert used == {2, 3}
    first = reports[0].metadata  # its text names only 市民政局
    assert (first.issuer, first.issuer_stated) == ("六盘水市民政局", "市民政局")
    assert reports[1].metadata.issuer == "六盘水市民政局"
    assert reports[6].metadata.issuer_source == "override"


def test_a_row_of_aliases_without_their_canonical_name_is_refused() -> None:
    with pytest.raises(SourceError) as raised:
        parse_corrections("issuer,aliases\n,中共中央\n")
    assert "第 2 行" in raised.value.message and "issuer" in raised.value.message


def test_an_issuer_filter_and_facet_see_one_issuer(cited_engine) -> None:
    speeches = [
        record
        for name, records in records_by_source(cited_engine).items()
        if name.startswith("十")
        for record in records
    ]
    assert {r.metadata.issuer for r in speeches} == {"中国共产党中央委员会"}
    assert {r.metadata.issuer_stated for r in speeches} == {
        "十三届中央委员会",
        "第十四届中央委员会",
    }
    canonical = cited_engine.search("", filters={"issuer": ["中国共产党中央委员会"]})
    assert canonical.total_reports == 2
    stated = cited_engine.search("", filters={"issuer": ["十三届中央委员会"]})
    assert stated.total_reports == 1


def test_the_report_page_shows_the_canonical_issuer_and_the_spelling(
    cited_client, cited_engine
) -> None:
    [record] = records_by_source(cited_engine)["十四大报告.txt"]
    soup = page(cited_client.get(f"/reports/{record.report_id}"))
    issuer = next(dt for dt in soup.select("dl.metadata dt") if dt.get_text() == "发布机关")
    shown = issuer.find_next_sibling("dd").get_text()
    assert shown.startswith("中国共产党中央委员会")
    assert "原文作「十三届中央委员会」" in shown


# --- GB/T 7714-2015 ------------------------------------------------------------------

CITED = date(2026, 5, 1)


def test_a_report_found_online_is_cited_as_r_ol_with_date_access_date_and_address() -> None:
    meta = Metadata(
        title="六盘水市民政局2023年法治政府建设工作报告",
        issuer="六盘水市民政局",
        date="2024-01-15",
        found_online="html",
    )
    url = "https://r.example.org/reports/0123456789abcdef"
    assert citation_gbt7714(meta, url, cited=CITED) == (
        "六盘水市民政局. 六盘水市民政局2023年法治政府建设工作报告[R/OL]. "
        "(2024-01-15)[2026-05-01]. https://r.example.org/reports/0123456789abcdef."
    )
    numbered = citation_gbt7714(meta, url, cited=CITED, doc_number="六民发〔2024〕3号")
    assert "工作报告: 六民发〔2024〕3号[R/OL]" in numbered


def test_a_report_read_from_a_file_is_cited_as_r_with_its_publisher_and_year() -> None:
    meta = Metadata(issuer="甲市民政局", year=2023, date="2024-01-18", kind="法治政府建设年度报告")
    assert citation_gbt7714(meta, "https://r.example.org/reports/x", cited=CITED) == (
        "甲市民政局. [甲市民政局2023年法治政府建设年度报告][R]. [出版地不详]: 甲市民政局, 2024."
    )
    # No issuer, no date: the title leads, the publisher is not known, no year is guessed.
    law = Metadata(title="临江市口岸服务条例", kind="法规")
    assert citation_gbt7714(law, "") == "临江市口岸服务条例[Z]. [出版地不详]: [出版者不详]."


def test_an_online_report_without_an_absolute_address_falls_back_to_the_file_form() -> None:
    meta = Metadata(title="政府工作报告", issuer="国务院", date="2020-05-22", found_online="html")
    assert citation_gbt7714(meta, "/reports/x") == (
        "国务院. 政府工作报告[R]. [出版地不详]: 国务院, 2020."
    )


def test_every_report_and_hit_carries_its_gbt7714_citation(cited_client, cited_engine) -> None:
    reports = records_by_source(cited_engine)
    [online] = reports["art_2024_88.html"]
    data = cited_client.get(f"/api/reports/{online.report_id}").get_json()
    today = date.today().isoformat()
    assert data["citation_gbt7714"] == (
        f"乙县人民政府. 乙县人民政府2023年法治政府建设年度报告[R/OL]. (2024-01-20)[{today}]. "
        f"https://r.example.org/reports/{online.report_id}."
    )
    first, _ = reports["甲市民政局报告汇编.txt"]
    filed = cited_client.get(f"/api/reports/{first.report_id}").get_json()["citation_gbt7714"]
    assert filed == (
        "甲市民政局. [甲市民政局2022年法治政府建设年度报告][R]. [出版地不详]: 甲市民政局, 2023."
    )
    hits = nonempty(cited_client.get("/api/search?q=行政复议&limit=100").get_json()["hits"])
    by_report = {r.report_id: r for records in reports.values() for r in records}
    for hit in hits:
        record = by_report[hit["report_id"]]
        url = f"https://r.example.org/reports/{hit['report_id']}"
        assert hit["citation_gbt7714"] == citation_gbt7714(record.metadata, url)


def test_the_csv_has_a_gbt7714_column(cited_client, cited_engine) -> None:
    body = cited_client.get("/export.csv?q=行政复议").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    by_report = {r.report_id: r for r in cited_engine.report_summaries()}
    for row in nonempty(rows):
        url = f"https://r.example.org/reports/{row['report_id']}"
        cited = citation_gbt7714(by_report[row["report_id"]].metadata, url)
        assert row["citation_gbt7714"] == cited
    # The page's report online, the compilation's from a file, the law another type.
    types = {t for row in rows for t in re.findall(r"\[(R/OL|R|Z)\]", row["citation_gbt7714"])}
    assert types == {"R/OL", "R", "Z"}


def test_the_report_page_offers_the_gbt7714_citation_to_copy(cited_client, cited_engine) -> None:
    [online] = records_by_source(cited_engine)["art_2024_88.html"]
    response = cited_client.get(f"/reports/{online.report_id}")
    soup = page(response)
    area = soup.select_one("details.cite-report textarea.citation#cite-report")
    assert area is not None
    assert area.get_text() == citation_gbt7714(
        online.metadata, f"https://r.example.org/reports/{online.report_id}"
    )
    # The copy button is added by reader.js, a file: no inline script (CSP).
    assert not soup.select("script:not([src])")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_cited_reports_are_kept_whole_and_labelled(cited_engine) -> None:
    """The index's reports: the compilation's two, the law, the page, the speeches."""
    reports: list[Report] = [
        cited_engine.report(r.report_id) for r in nonempty(cited_engine.report_summaries())
    ]
    assert len(reports) == 6
    assert all(r.metadata.label for r in reports)
