"""The query language's proximity operators, forgiving input, plain-text queries and depth limit."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from indexer.errors import QueryError
from indexer.query import (
    MAX_DEPTH,
    NEAR_MAX,
    And,
    Field,
    Near,
    Not,
    Or,
    Term,
    YearFilter,
    explain_query,
    parse_query,
    positive_terms,
)
from indexer.query.help import QUERY_EXAMPLES, QUERY_HELP
from indexer.query.rewrite import caret_padding, literal_query, refine_query
from indexer.query.tokens import PROXIMITY
from indexer.search.engine import SearchEngine
from indexer.search.interface import Engine
from indexer.search.sharded import ShardedEngine
from tests.helpers import nonempty


@pytest.fixture(params=["one index", "3 shards"])
def engine(
    request: pytest.FixtureRequest, engine: SearchEngine, sharded_engine: ShardedEngine
) -> Engine:
    """The sample's index, and the same files in three shards: a query means the same."""
    return engine if request.param == "one index" else sharded_engine


A, B, C = Term("a"), Term("b"), Term("c")


def error_of(text: str) -> QueryError:
    with pytest.raises(QueryError) as info:
        parse_query(text)
    return info.value


# --- Proximity -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["同句(a b)", "SENT(a b)", "同句（a b）", '同句("a" b)'])
def test_same_sentence_reads_as_a_sentence_group(text):
    assert parse_query(text) == Near(("a", "b"))


@pytest.mark.parametrize("text", ["同段(a b)", "PARA(a b)", "同段（a b）"])
def test_same_passage_is_plain_and(text):
    assert parse_query(text) == parse_query("a b")


@pytest.mark.parametrize("text", ["NEAR(a b, 5)", "NEAR(a b,5)", "NEAR(a b，5)", "NEAR（a b , 5）"])
def test_near_takes_a_distance_after_a_comma(text):
    assert parse_query(text) == Near(("a", "b"), 5)


def test_proximity_terms_may_be_quoted_or_fielded_and_combine_with_operators():
    assert parse_query('同句("行政 复议" 应诉 region:贵州 year:2023)') == And(
        (Near(("行政 复议", "应诉")), Field("region", "贵州"), YearFilter(2023, 2023))
    )
    assert parse_query("同句(a b) OR c -NEAR(a c, 3)") == Or(
        (Near(("a", "b")), And((C, Not(Near(("a", "c"), 3)))))
    )
    assert parse_query("同句(a a)") == A
    assert positive_terms(parse_query("同句(a b) -NEAR(c d, 1)")) == ["a", "b"]


def test_a_proximity_name_closing_inside_a_word_is_literal():
    assert parse_query("同句(a)b") == Term("同句(a)b")
    assert parse_query("(near(a) b)") == And((Term("near(a)"), B))


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("同句(a OR b)", "同句(…) 里只能写词、引号里的短语和字段", 5),
        ("同句(a (b c))", "同句(…) 里只能写词、引号里的短语和字段", 5),
        ("同句(a -b)", "同句(…) 里只能写词、引号里的短语和字段", 5),
        ("同句(a", "同句(…) 缺少右括号", 0),
        ("x 同句()", "同句(…) 里至少要有一个要查找的词", 2),
        ("同句(region:贵州)", "同句(…) 里至少要有一个要查找的词", 0),
        ("NEAR(a b)", "NEAR 需要写明相距多少字", 0),
        ("NEAR(a b, x)", "NEAR 的距离应是 0 到 1000 的整数", 10),
        ("NEAR(a b, 1001)", "NEAR 的距离应是 0 到 1000 的整数", 10),
        ("NEAR(a b,)", "NEAR 的距离应是 0 到 1000 的整数", 9),
        ("NEAR(a b, 1 2)", "NEAR(…) 里只能写词、引号里的短语和字段", 12),
    ],
)
def test_malformed_proximity_says_what_and_where(text, message, position):
    error = error_of(text)
    assert (error.message, error.position) == (message, position)
    assert error.hint


def test_explain_says_how_proximity_was_read():
    assert explain_query(parse_query("同句(a b) NEAR(c d, 7)")) == (
        "同一句中（「a」 「b」） 且 相距不超过7字（「c」 「d」）"
    )


def test_near_rejects_values_no_query_could_produce():
    with pytest.raises(ValueError):
        Near(("a",))
    with pytest.raises(ValueError):
        Near(("用。在",), 3)
    assert Near(("用。在",)).terms == ("用。在",)  # 同句 of a term crossing two sentences
    with pytest.raises(ValueError):
        Near(("a", "b"), NEAR_MAX + 1)


# --- Forgiving input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term", "said"),
    [
        ("复议*", "复议", "不需要 *"),
        ("复议**", "复议", "不需要 *"),
        ("行政复议~5", "行政复议", "~5"),
    ],
)
def test_wildcard_and_fuzzy_marks_are_dropped_and_explained(text, term, said):
    node = parse_query(text)
    assert node == Term(term)
    assert said in explain_query(node) and text in explain_query(node)


@pytest.mark.parametrize("text", ["*", "C*+", '"复议*"', "1~3", "第1~3条", "a~", "~5", "a~12345"])
def test_marks_that_are_not_a_trailing_wildcard_or_fuzzy_stay_literal(text):
    node = parse_query(text)
    assert node == Term(text.strip('"')) and "注" not in explain_query(node)


def test_a_phrase_with_a_distance_means_near():
    node = parse_query('"行政复议 应诉"~5 x')
    assert node == And((Near(("行政复议", "应诉"), 5), Term("x")))
    assert "NEAR(行政复议 应诉, 5)" in explain_query(node)
    assert parse_query('"行政复议"~5') == Term("行政复议")


def test_a_backslash_escapes_a_quote_or_a_backslash_inside_quotes():
    assert parse_query(r'"他说\"依法\""') == Term('他说"依法"')
    assert parse_query(r'"a\\" b') == And((Term("a\\"), B))
    assert parse_query(r'"C:\dir"') == Term(r"C:\dir")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_input_searched_as_plain_text_is_one_literal_term(text):
    assume(text.split())
    assert parse_query(literal_query(text)) == Term(" ".join(text.split()))


def test_a_query_narrowed_within_its_results_is_the_and_of_its_parts():
    assert parse_query(refine_query("a OR b", ["c", "-d"])) == And((Or((A, B)), C, Not(Term("d"))))
    assert parse_query(refine_query("浙(2023 OR a", ["b"])) == And((Or((Term("浙(2023"), A)), B))
    assert refine_query("", ["a"]) == "a"
    with pytest.raises(QueryError) as info:
        refine_query("a", ["b", "(c"])
    assert "第 2 个" in info.value.message


def test_caret_padding_is_as_wide_as_the_text_before_the_position():
    assert caret_padding("行政 (", 3) == "\u3000\u3000 "
    assert caret_padding("ab", 5) == "  "


# --- Nesting depth -------------------------------------------------------------------------


def test_nesting_up_to_the_limit_parses():
    assert parse_query("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH) == A
    assert parse_query("(" * (MAX_DEPTH - 1) + "同句(a b)" + ")" * (MAX_DEPTH - 1)) == Near(
        ("a", "b")
    )


@pytest.mark.parametrize(
    "text",
    [
        "(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1),
        "(" * 249 + "a" + ")" * 249,
        "-(" * 200 + "a",
        "x " + "（" * 400,
        "(" * MAX_DEPTH + "同句(a b)" + ")" * MAX_DEPTH,
    ],
)
def test_nesting_beyond_the_limit_is_a_clear_error_never_a_recursion_error(text):
    error = error_of(text)
    assert error.message == "嵌套过深"
    assert text[error.position] in "(（同" and str(MAX_DEPTH) in (error.hint or "")


def test_a_long_run_of_negations_does_not_recurse():
    assert parse_query("NOT " * 120 + "a b") == And((A, B))
    assert parse_query("b " + "-" * 497 + "a") == And((B, Not(A)))


# --- Help documents every operator ---------------------------------------------------------


@pytest.mark.parametrize("operator", ["OR", "|", "AND", "NOT", "-", '"', "(", *PROXIMITY])
def test_help_documents_every_operator_with_an_example(operator):
    examples = [q for q, _ in QUERY_EXAMPLES]
    assert any(operator in q for q in examples) or operator in QUERY_HELP
    assert operator in QUERY_HELP


def test_help_has_an_example_of_each_proximity_operator_and_of_forgiving_input():
    examples = " ".join(q for q, _ in QUERY_EXAMPLES)
    for spelled in ("同句(", "同段(", "NEAR(", "*"):
        assert spelled in examples
    for alias in ("SENT(", "PARA(", "~10"):
        assert alias in QUERY_HELP


def test_year_unstated_selects_reports_stating_no_year(engine) -> None:
    assert explain_query(parse_query("year:未识别")) == "年份=未识别"
    undated = engine.search("year:未识别")
    assert undated.total_reports == 1  # 开江's report states no year of its own
    assert all(hit.year is None for hit in nonempty(list(undated.iter_hits())))
    dated = engine.search("法 year:2023").total_reports
    assert dated + undated.total_reports == engine.search("法").total_reports
