"""Cited laws linked: a citation of a law the corpus holds links to that law's report."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.index.store import ReportRecord
from indexer.models import Metadata
from indexer.search.engine import SearchEngine
from indexer.search.laws import LawLinks, citation_spans
from tests.helpers import nonempty

LAW_TEXT = (
    "# 中华人民共和国行政复议法\n\n"
    "第一条　为了防止和纠正违法的或者不当的行政行为，保护公民、法人和其他组织的合法权益，"
    "监督和保障行政机关依法行使职权，根据宪法，制定本法。\n\n"
    "第二条　公民、法人或者其他组织认为行政行为侵犯其合法权益，向行政复议机关提出行政复议申请，"
    "行政复议机关办理行政复议案件，适用本法。\n\n"
    "第三条　行政复议工作坚持中国共产党的领导。\n"
)


@pytest.fixture(scope="module")
def law_index(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    """The sample reports plus the text of 行政复议法, which several of them cite."""
    folder = tmp_path_factory.mktemp("laws")
    law = folder / "中华人民共和国行政复议法.txt"
    law.write_text(LAW_TEXT, encoding="utf-8")
    index_dir = folder / "index"
    build_index([sample_dir, law], index_dir)
    return index_dir


@pytest.fixture(scope="module")
def law_engine(law_index: Path) -> SearchEngine:
    return SearchEngine.open(law_index)


@pytest.fixture()
def law_client(law_index: Path):
    from webapp import create_app

    return create_app({"TESTING": True, "INDEX_DIR": law_index}).test_client()


def law_id(engine: SearchEngine) -> str:
    (record,) = [r for r in engine.report_summaries() if r.metadata.title.endswith("行政复议法")]
    return record.report_id


def citers(engine: SearchEngine) -> list[ReportRecord]:
    return [r for r in engine.report_summaries() if "行政复议法" in r.metadata.laws]


class NestingChecker(HTMLParser):
    """Fail on a closing tag that does not close the innermost open element."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.links: list[tuple[str, str]] = []  # (href, text)
        self._link: list[str] | None = None
        self._href = ""

    def handle_starttag(self, tag, attrs):
        if tag in ("meta", "link", "input", "br", "img"):
            return
        self.open.append(tag)
        if tag == "a":
            self._link, self._href = [], dict(attrs).get("href", "")

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()
        if tag == "a" and self._link is not None:
            self.links.append((self._href, "".join(self._link)))
            self._link = None

    def handle_data(self, data):
        if self._link is not None:
            self._link.append(data)


def test_the_law_report_is_found_by_its_canonical_name(law_engine: SearchEngine):
    laws = law_engine.laws
    assert laws.report_for("行政复议法") == law_id(law_engine)
    assert laws.report_for("中华人民共和国行政复议法（2017年修正）") == law_id(law_engine)
    assert laws.report_for("行政诉讼法") is None
    assert {r.report_id for r in laws.cited_by(law_id(law_engine))} == {
        r.report_id for r in citers(law_engine)
    }
    assert citers(law_engine)


def test_citations_link_in_passages_and_nest_with_highlights(law_engine, law_client):
    target = f"/reports/{law_id(law_engine)}"
    citing = citers(law_engine)[0]
    response = law_client.get(f"/reports/{citing.report_id}?q=行政复议")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    checker = NestingChecker()
    checker.feed(html)
    cited = [text for href, text in checker.links if href == target]
    # One link in the metadata's law list, one per 《…》 citation in the passages.
    assert any(re.fullmatch(r"《(中华人民共和国)?行政复议法》", text) for text in cited)
    link = f'<a class="law-cite" href="{target}">《(中华人民共和国)?<mark>行政复议</mark>法》</a>'
    assert re.search(link, html)  # the mark inside the link
    # 《行政复议法实施条例》 is another law, not in the corpus: not linked.
    assert "《行政复议法实施条例》" not in cited
    assert not checker.open[1:]  # everything closed (html itself may stay open)


def test_a_law_report_lists_the_reports_citing_it(law_engine, law_client):
    html = law_client.get(f"/reports/{law_id(law_engine)}").get_data(as_text=True)
    assert "引用本法的报告" in html
    for record in nonempty(citers(law_engine), "citing reports"):
        assert f'href="/reports/{record.report_id}"' in html
    sample = citers(law_engine)[0].report_id
    assert "引用本法的报告" not in law_client.get(f"/reports/{sample}").get_data(as_text=True)


def test_a_report_without_law_in_the_corpus_has_no_citation_links(client, engine):
    cited = next(r for r in engine.report_summaries() if r.metadata.laws)
    response = client.get(f"/reports/{cited.report_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # It cites 《行政复议法》 (or another law) in the text, but the corpus holds no such law.
    assert f"《{cited.metadata.laws[0]}》" in html or "《中华人民共和国" in html
    assert 'class="law-cite"' not in html


def _record(ordinal: int, title: str, laws: list[str], year: int = 2023) -> ReportRecord:
    return ReportRecord(
        ordinal, f"{ordinal:016x}", Metadata(title=title, year=year, laws=laws), "", 0, 1
    )


def test_nested_titles_link_the_outermost_known_law_and_skip_self_citations():
    links = LawLinks(
        [
            _record(0, "中华人民共和国行政诉讼法", []),
            _record(1, "最高人民法院关于适用《中华人民共和国行政诉讼法》的解释", []),
            _record(2, "某县报告", ["行政诉讼法"]),
        ]
    )
    text = "依照《最高人民法院关于适用《中华人民共和国行政诉讼法》的解释》和《行政诉讼法》办理。"
    found = links.citations(text)
    assert [(text[c.start : c.end], c.report_id) for c in found] == [
        ("《最高人民法院关于适用《中华人民共和国行政诉讼法》的解释》", f"{1:016x}"),
        ("《行政诉讼法》", f"{0:016x}"),
    ]
    assert [c.report_id for c in links.citations("《行政诉讼法》", within=f"{0:016x}")] == []


def test_the_latest_version_of_a_law_is_linked():
    links = LawLinks(
        [
            _record(0, "中华人民共和国行政复议法（2017年修正）", [], 2017),
            _record(1, "中华人民共和国行政复议法", [], 2023),
            _record(2, "中华人民共和国行政复议法（2009年修正）", [], 2009),
        ]
    )
    assert links.report_for("行政复议法") == f"{1:016x}"


def test_linked_marks_escape_text_and_urls_and_nest():
    from webapp.views.similar import linked_marks

    text = "<b>依照《行政复议法》</b>"
    start = text.index("《")
    end = text.index("》") + 1
    html = str(linked_marks(text, [(3, start + 3)], [(start, end, '/r?a="x"&b')]))
    assert html == (
        "&lt;b&gt;<mark>依照</mark>"
        '<a class="law-cite" href="/r?a=&#34;x&#34;&amp;b"><mark>《行政</mark>复议法》</a>'
        "&lt;/b&gt;"
    )


def test_the_law_facet_links_a_law_the_corpus_holds(law_engine, law_client):
    html = law_client.get("/search?q=行政复议").get_data(as_text=True)
    assert f'class="law-text" href="/reports/{law_id(law_engine)}"' in html


# --- law: alone asks where a law is cited ---------------------------------------------


def passages_citing(engine: SearchEngine, law: str) -> set[str]:
    """Brute force: every passage with a 《…》 citation of `law`, any spelling of its name."""
    return {
        p.passage_id
        for r in engine.report_summaries()
        for p in engine.report(r.report_id).passages
        if citation_spans(p.text, [law])
    }


def test_law_alone_finds_the_passages_citing_the_law_marked_at_the_citation(
    engine: SearchEngine,
) -> None:
    result = engine.search("law:行政复议法")
    expected = nonempty(passages_citing(engine, "行政复议法"), "citations of 行政复议法")
    hits = result.hits(0, None)
    assert {h.passage_id for h in hits} == expected
    for hit in nonempty(hits):
        marked = [hit.text[a:b] for a, b in hit.highlights]
        assert marked and all(m.startswith("《") and m.endswith("》") for m in marked), marked
        assert all("行政复议法" in m for m in marked)
    # Any spelling of the law asks the same: 中华人民共和国…, traditional characters.
    for spelling in ("law:中华人民共和国行政复议法", "法律:行政復議法"):
        assert {h.passage_id for h in engine.search(spelling).iter_hits()} == expected


def test_law_beside_a_text_query_filters_reports_as_any_field(engine: SearchEngine) -> None:
    filtered = engine.search("法治 law:行政复议法")
    citing = {r.report_id for r in citers(engine)}
    groups = nonempty(filtered.groups(0, None), "reports")
    assert {g.report_id for g in groups} <= citing
    everywhere = engine.search("法治", filters={"law": ["行政复议法"]})
    assert everywhere.total_passages == filtered.total_passages
    assert everywhere.total_passages > len(passages_citing(engine, "行政复议法"))


def test_law_chosen_as_a_filter_alone_lists_and_marks_its_citations(client, engine) -> None:
    response = client.get("/search", query_string={"law": "行政复议法"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<mark>《") >= 1
    report = next(r for r in citers(engine))
    page = client.get(f"/reports/{report.report_id}", query_string={"law": "行政复议法"})
    assert page.status_code == 200
    assert "<mark>《" in page.get_data(as_text=True)
