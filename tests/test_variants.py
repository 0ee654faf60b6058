"""Traditional and simplified characters: a query in either script finds both."""

from __future__ import annotations

import pytest

from indexer.normalize import fold, fold_for_words
from indexer.query import parse_query, variants_note
from indexer.search.engine import SearchEngine


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("行政覆議", "行政复议"),
        ("後", "后"),
        ("頭髮", "头发"),
        ("發展", "发展"),
        ("幹部", "干部"),
        ("乾淨", "干净"),
        ("共產黨報告", "共产党报告"),
        ("臺灣", "台湾"),
    ],
)
def test_traditional_and_simplified_fold_together(traditional: str, simplified: str) -> None:
    assert fold(traditional) == fold(simplified)
    assert len(fold(traditional)) == len(traditional)


def test_one_to_many_mappings_widen_and_never_lose() -> None:
    # 发 is both 發 (develop) and 髮 (hair); 干 is 幹, 乾 and 干: every form finds every other.
    assert len({fold(c) for c in "发發髮"}) == 1
    assert len({fold(c) for c in "干幹乾榦"}) == 1


def test_segmentation_sees_simplified_text_unchanged() -> None:
    text = "规划和画、乾隆年间、发展"
    assert fold_for_words(text) == text
    assert fold_for_words("發展規劃") == "发展规划"


def test_the_query_explanation_says_variants_are_included() -> None:
    assert variants_note(parse_query("行政覆議")) != ""
    assert variants_note(parse_query("2023")) == ""


def test_traditional_queries_find_what_simplified_ones_find_on_the_sample(
    engine: SearchEngine,
) -> None:
    for traditional, simplified in [("行政覆議", "行政复议"), ("法治政府建設", "法治政府建设")]:
        found = engine.search(traditional)
        expected = engine.search(simplified)
        assert found.total_passages == expected.total_passages > 0
        assert {h.passage_id for h in found.iter_hits()} == {
            h.passage_id for h in expected.iter_hits()
        }


def test_simplified_queries_find_the_traditional_congress_report(
    real_files_engine: SearchEngine,
) -> None:
    # 01_廣州共產黨報告.txt and 03_陈独秀… are written in traditional characters.
    congress = real_files_engine
    for simplified, traditional in [("共产党", "共產黨"), ("中央委员会", "中央委員會")]:
        found = {h.passage_id for h in congress.search(simplified).iter_hits()}
        assert found == {h.passage_id for h in congress.search(traditional).iter_hits()}
        sources = {h.source for h in congress.search(simplified).iter_hits()}
        assert any("廣州" in s or "陈独秀" in s for s in sources)
