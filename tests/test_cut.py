"""Long paragraphs are cut into passages at sentence ends, never losing a character."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from indexer.ingest.s6_cut import MAX_PASSAGE_CHARS, cut_paragraph
from indexer.ingest.s6_identify import make_report


def test_a_short_paragraph_is_one_piece() -> None:
    assert cut_paragraph("短句。") == ["短句。"]


def test_cuts_fall_after_sentence_ends_with_their_closing_quotes() -> None:
    text = "甲乙丙。”" + "丁" * 8 + "。戊己"
    assert cut_paragraph(text, limit=10) == ["甲乙丙。”", "丁" * 8 + "。", "戊己"]


def test_without_a_sentence_end_cuts_fall_after_commas_then_anywhere() -> None:
    assert cut_paragraph("甲乙，丙丁；戊己庚辛", limit=7) == ["甲乙，丙丁；", "戊己庚辛"]
    assert cut_paragraph("甲" * 25, limit=10) == ["甲" * 10, "甲" * 10, "甲" * 5]


@given(st.text(alphabet="法治。，！？”a ", max_size=300), st.integers(1, 40))
def test_pieces_are_within_the_limit_and_rejoin_to_the_paragraph(text: str, limit: int) -> None:
    pieces = cut_paragraph(text, limit)
    assert "".join(pieces) == text
    assert all(0 < len(piece) <= limit for piece in pieces) or text == ""


def test_a_report_with_a_huge_paragraph_has_passages_within_the_limit() -> None:
    huge = "推进法治政府建设，取得新成效。" * 1000
    report = make_report(["一、总体情况", huge], source="a.txt", position=1)
    assert max(len(p.text) for p in report.passages) <= MAX_PASSAGE_CHARS
    assert "".join(p.text for p in report.passages[1:]) == huge
    assert all(report.text[p.start : p.end] == p.text for p in report.passages)
    assert {p.section for p in report.passages[1:]} == {("一、总体情况",)}
    assert report.report_id == make_report(["一、总体情况", huge], source="b", position=1).report_id
