"""The query language: what each query means, what it refuses, and that it reads back."""

from __future__ import annotations

import doctest

import pytest
import query_strings
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from query_strings import to_query_string

from indexer.errors import QueryError
from indexer.query import (
    FIELD_ALIASES,
    FIELDS,
    MAX_QUERY_LENGTH,
    NEAR_MAX,
    And,
    Field,
    Near,
    Not,
    Or,
    Term,
    YearFilter,
    dates,
    explain_query,
    parse,
    parse_query,
    positive_terms,
    proximity,
    rewrite,
)
from indexer.query.help import QUERY_EXAMPLES, QUERY_HELP

A, B, C = Term("a"), Term("b"), Term("c")


def error_of(text: str) -> QueryError:
    with pytest.raises(QueryError) as info:
        parse_query(text)
    return info.value


# --- Terms and operators -------------------------------------------------------------------


def test_a_chinese_word_without_spaces_is_one_literal_term():
    assert parse_query("行政复议") == Term("行政复议")


@pytest.mark.parametrize("text", ["行政复议 应诉", "行政复议\u3000应诉", " 行政复议\t\n 应诉 "])
def test_ascii_and_full_width_whitespace_separate_terms_that_must_all_occur(text):
    assert parse_query(text) == And((Term("行政复议"), Term("应诉")))


def test_explicit_AND_means_the_same_as_a_space():
    assert parse_query("行政复议 AND 应诉") == parse_query("行政复议 应诉")


@pytest.mark.parametrize("text", ["a OR b", "a | b", "a|b", "a || b"])
def test_OR_and_the_pipe_both_mean_either(text):
    assert parse_query(text) == Or((A, B))


def test_and_binds_tighter_than_or():
    assert parse_query("a b OR c") == Or((And((A, B)), C))
    assert parse_query("a OR b c") == Or((A, And((B, C))))
    assert parse_query("a AND b OR c") == parse_query("(a b) OR c")


@pytest.mark.parametrize("text", ["(a OR b) c", "（a OR b） c", "（a OR b) c", "(a|b)c"])
def test_ascii_and_full_width_parentheses_group(text):
    assert parse_query(text) == And((Or((A, B)), C))


@pytest.mark.parametrize("text", ["a -b", "a NOT b", "a AND NOT b", "-b a"])
def test_a_leading_minus_or_NOT_excludes_a_term(text):
    assert set(parse_query(text).items) == {A, Not(B)}


def test_a_minus_can_exclude_a_group_a_phrase_or_a_field():
    assert parse_query("c -(a OR b)") == And((C, Not(Or((A, B)))))
    assert parse_query('c -"a b"') == And((C, Not(Term("a b"))))
    assert parse_query("c -region:贵州") == And((C, Not(Field("region", "贵州"))))
    assert parse_query("c -year:2023") == And((C, Not(YearFilter(2023, 2023))))


def test_double_negation_cancels():
    assert parse_query("--a") == A
    assert parse_query("NOT -a b") == And((A, B))


@pytest.mark.parametrize("text", ["2021-2023", "a-b", "行政-复议", "a-"])
def test_a_minus_inside_a_word_is_literal(text):
    assert parse_query(text) == Term(text)


def test_lowercase_or_and_not_are_plain_terms():
    assert parse_query("a or b and not c") == And(
        tuple(Term(t) for t in ["a", "or", "b", "and", "not", "c"])
    )


def test_operators_glued_to_other_text_are_plain_terms():
    assert parse_query("ORB NOTE ANDa") == And((Term("ORB"), Term("NOTE"), Term("ANDa")))


# --- Quotes --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ['"行政复议"', "“行政复议”", '"  行政复议 "'])
def test_a_quoted_word_equals_the_bare_word(text):
    assert parse_query(text) == parse_query("行政复议")


@pytest.mark.parametrize(
    "text",
    [
        '"行政复议 应诉"',
        '"行政复议   应诉"',
        '"行政复议\u3000\u3000应诉"',
        "“行政复议 应诉”",
        '“行政复议 应诉"',
    ],
)
def test_a_quoted_phrase_is_one_term_with_whitespace_runs_made_one_space(text):
    assert parse_query(text) == Term("行政复议 应诉")


def test_operators_brackets_and_fields_inside_quotes_are_literal():
    assert parse_query('"a OR (b) -c region:贵州"') == Term("a OR (b) -c region:贵州")
    assert parse_query('"OR"') == Term("OR")
    assert parse_query('"推进“放管服”改革"') == Term("推进“放管服”改革")


def test_an_ascii_quote_starts_a_phrase_even_right_after_a_word():
    assert parse_query('行政"复议 应诉"') == And((Term("行政"), Term("复议 应诉")))


# --- Punctuation is part of the term -------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "浙民法〔2023〕45号",
        "〔2023〕",
        "2023年",
        "45号",
        "a.b",
        "C++",
        "《行政复议法》",
        "第一条、第二条",
        "推进“放管服”改革",
        "浙民法(2023)45号",
        "行政(复议",
        "100%",
        "a&b",
    ],
)
def test_punctuation_inside_a_term_is_literal(text):
    assert parse_query(text) == Term(text)


@pytest.mark.parametrize("text", ["“放管服”改革", "(六)依法有效化解社会矛盾纠纷", "（一）总体情况"])
def test_a_quote_or_bracket_that_closes_inside_a_word_is_literal(text):
    assert parse_query(text) == Term(text)


def test_a_quote_or_bracket_wrapping_a_whole_word_is_syntax():
    assert parse_query("“放管服”") == Term("放管服")
    assert parse_query("(六)") == Term("六")
    assert parse_query("((a))") == A


@pytest.mark.parametrize(
    "text",
    [
        "中共南湖区委、南湖区人民政府:",
        "时间:2023",
        "时间：2023",
        "http://www.gov.cn/zhengce",
        ":abc",
        "12:30",
        "a.b:c",
        "C++:x",
    ],
)
def test_a_colon_after_something_that_is_not_a_field_name_is_literal(text):
    assert parse_query(text) == Term(text)


# --- Fields --------------------------------------------------------------------------------


# A value each field accepts: a date field takes a date.
SAMPLE_VALUE = {"date": "2023-01"}


@pytest.mark.parametrize("name", [n for n in FIELDS if n != "year"])
def test_each_text_field_filters_on_its_value(name):
    value = SAMPLE_VALUE.get(name, "贵州")
    assert parse_query(f"{name}:{value}") == Field(name, value)


@pytest.mark.parametrize(
    ("alias", "name"), [(a, n) for a, n in FIELD_ALIASES.items() if n != "year"]
)
def test_field_aliases_and_the_full_width_colon_mean_the_canonical_field(alias, name):
    value = SAMPLE_VALUE.get(name, "贵州")
    assert parse_query(f"{alias}:{value}") == Field(name, value)
    assert parse_query(f"{alias}：{value}") == Field(name, value)


@pytest.mark.parametrize("value", ["贵州", "2023-13", "2023-02-30", "2024..2023", ">=x"])
def test_a_date_that_is_no_date_is_an_error_at_its_place(value):
    with pytest.raises(QueryError) as caught:
        parse_query(f"行政复议 date:{value}")
    assert caught.value.position == len("行政复议 date:")
    assert "成文日期写法不对" in caught.value.message


def test_chinese_aliases_read_as_expected():
    assert parse_query("地区:贵州 省:浙江 部门:司法局 章节：行政复议") == And(
        (
            Field("region", "贵州"),
            Field("region", "浙江"),
            Field("dept", "司法局"),
            Field("section", "行政复议"),
        )
    )
    assert parse_query("年份:2023") == YearFilter(2023, 2023)


def test_ascii_field_names_ignore_case():
    assert parse_query("Region:贵州") == parse_query("REGION:贵州") == Field("region", "贵州")


@pytest.mark.parametrize("text", ['section:"行政复议 应诉"', "section:“行政复议  应诉”"])
def test_a_field_value_may_be_quoted(text):
    assert parse_query(text) == Field("section", "行政复议 应诉")


def test_a_field_value_is_literal_up_to_the_next_space():
    assert parse_query("law:OR") == Field("law", "OR")
    assert parse_query("law:-x") == Field("law", "-x")
    assert parse_query("law:行政复议法(2023修订)") == Field("law", "行政复议法(2023修订)")
    assert parse_query("section:（六）依法行政") == Field("section", "（六）依法行政")
    assert parse_query("(dept:司法局 OR a)") == Or((Field("dept", "司法局"), A))


def test_a_filter_alone_is_a_valid_query():
    assert parse_query("region:贵州") == Field("region", "贵州")


@pytest.mark.parametrize(
    ("value", "low", "high"),
    [
        ("2023", 2023, 2023),
        ("2023年", 2023, 2023),
        ("2021-2023", 2021, 2023),
        ("2021..2023", 2021, 2023),
        ("2021~2023", 2021, 2023),
        ('"2021 - 2023"', 2021, 2023),
        (">=2021", 2021, None),
        ("≥2021", 2021, None),
        (">2020", 2021, None),
        ("<2023", None, 2022),
        ("<=2023", None, 2023),
        ("≤2023", None, 2023),
    ],
)
def test_year_accepts_a_year_a_range_or_a_comparison(value, low, high):
    assert parse_query(f"year:{value}") == YearFilter(low, high)


# --- Errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ('"行政复议', "引号没有配对：缺少结尾的引号", 0),
        ('行政复议 "应诉', "引号没有配对：缺少结尾的引号", 5),
        ("“行政复议", "引号没有配对：缺少结尾的引号", 0),
        ('""', "引号里没有内容", 0),
        ('a "\u3000 "', "引号里没有内容", 2),
        ("(行政复议 OR 应诉", "括号没有配对：缺少右括号", 0),
        ("a (b (c d)", "括号没有配对：缺少右括号", 2),
        ("（a", "括号没有配对：缺少右括号", 0),
        ("行政复议)", "括号没有配对：多了一个右括号", 4),
        ("a ) b", "括号没有配对：多了一个右括号", 2),
        ("()", "括号里没有内容", 0),
        ("a （）", "括号里没有内容", 2),
        ("行政复议 OR", "「OR」后面缺少要查找的词", 5),
        ("行政复议 |", "「|」后面缺少要查找的词", 5),
        ("a OR OR b", "「OR」后面缺少要查找的词", 2),
        ("(a OR) b", "「OR」后面缺少要查找的词", 3),
        ("OR 行政复议", "「OR」前面缺少要查找的词", 0),
        ("a AND", "「AND」后面缺少要查找的词", 2),
        ("AND a", "「AND」前面缺少要查找的词", 0),
        ("a NOT", "「NOT」后面缺少要排除的词", 2),
        ("a (b -)", "「-」后面缺少要排除的词", 5),
        ("a -", "「-」后面要紧跟要排除的词", 2),
        ("a - b", "「-」后面要紧跟要排除的词", 2),
        ("region:", "字段 region 缺少值", 7),
        ("region: 贵州", "字段 region 缺少值", 7),
        ("(dept:)", "字段 dept 缺少值", 6),
        ("地区：", "字段 region 缺少值", 3),
        ('section:""', "引号里没有内容", 8),
        ("dept:(a OR b)", "字段值不能用括号分组", 5),
        (
            "foo:bar",
            "未知字段 foo，可用字段：region, dept, year, issuer, law, docno, section, date",
            0,
        ),
        (
            "行政复议 Foo:bar",
            "未知字段 Foo，可用字段：region, dept, year, issuer, law, docno, section, date",
            5,
        ),
        ("year:abc", "年份写法不对：abc", 5),
        ("year:23", "年份写法不对：23", 5),
        ("year:2021-", "年份写法不对：2021-", 5),
        ("年份:2023-2021", "年份范围的起点晚于终点：2023-2021", 3),
        ("year:>9999", "年份超出范围：>9999", 5),
        ("year:0999", "年份超出范围：0999", 5),
        ("-行政复议", "只有排除条件，请至少给出一个要查找的词", 0),
        ("NOT 行政复议", "只有排除条件，请至少给出一个要查找的词", 0),
        (" -a -b", "只有排除条件，请至少给出一个要查找的词", 1),
        ("(-a)", "只有排除条件，请至少给出一个要查找的词", 0),
        ("a OR -b", "OR 的每一边都要有要查找的词，这一边只有排除条件", 5),
        ("-a OR b", "OR 的每一边都要有要查找的词，这一边只有排除条件", 0),
        ("", "查询是空的", 0),
        (" \u3000\t", "查询是空的", 0),
    ],
)
def test_malformed_queries_say_what_is_wrong_and_where(text, message, position):
    error = error_of(text)
    assert (error.message, error.position) == (message, position)
    assert error.hint and error.status == 400


def test_an_unknown_field_hint_shows_how_to_search_the_text_literally():
    error = error_of("foo:bar")
    assert '"foo:bar"' in (error.hint or "")
    assert parse_query('"foo:bar"') == Term("foo:bar")


def test_a_query_longer_than_the_limit_is_refused_at_the_limit():
    assert parse_query("字" * MAX_QUERY_LENGTH) == Term("字" * MAX_QUERY_LENGTH)
    error = error_of("字" * (MAX_QUERY_LENGTH + 1))
    assert error.message == f"查询太长（{MAX_QUERY_LENGTH + 1} 个字符）"
    assert error.position == MAX_QUERY_LENGTH


# --- The tree ------------------------------------------------------------------------------


def test_groups_of_one_collapse_and_nested_ands_and_ors_flatten():
    assert parse_query("(a)") == A
    assert parse_query("a (b c)") == And((A, B, C))
    assert parse_query("a OR (b OR c)") == Or((A, B, C))
    assert parse_query("a a") == A


def test_trees_are_hashable_and_compare_by_value():
    queries = ["a b OR c", "(a AND b) | c", 'region:贵州 -"a"', "地区：贵州 NOT a"]
    assert len({parse_query(q) for q in queries}) == 2


def test_nodes_reject_values_no_query_could_produce():
    with pytest.raises(ValueError):
        Field("year", "2023")
    with pytest.raises(ValueError):
        YearFilter(None, None)
    with pytest.raises(ValueError):
        YearFilter(2023, 2021)


def test_positive_terms_lists_searched_literals_once_in_order_without_negated_ones():
    node = parse_query('行政复议 -应诉 (复议 OR "行政 复议") NOT (败诉 a) 行政复议 section:章节')
    assert positive_terms(node) == ["行政复议", "复议", "行政 复议"]


def test_positive_terms_see_through_double_negation_and_leave_out_fields():
    assert positive_terms(Not(Not(A))) == ["a"]
    assert positive_terms(parse_query("region:贵州")) == []


@pytest.mark.parametrize(
    ("text", "described"),
    [
        ("行政复议 地区:贵州 -应诉", "「行政复议」 且 地区=贵州 且 不含「应诉」"),
        ("a b OR c", "（「a」 且 「b」） 或 「c」"),
        ("(a OR b) -dept:司法局", "（「a」 或 「b」） 且 部门≠司法局"),
        ("a -(b c)", "「a」 且 排除（「b」 且 「c」）"),
        ("year:2023 a", "年份=2023 且 「a」"),
        ("year:2021..2023 a", "年份=2021至2023 且 「a」"),
        ("year:<2023 a", "年份≤2022 且 「a」"),
        ("year:>2020 a", "年份≥2021 且 「a」"),
        (
            "issuer:x law:y section:z",
            "发布机关=x 且 法律=y 且 章节=z（只有法律条件：列出引用《y》的段落）",
        ),
    ],
)
def test_describe_says_in_chinese_how_the_query_was_read(text, described):
    assert explain_query(parse_query(text)) == described


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        (
            "地区：贵州\u3000“行政复议  应诉” NOT 应诉 | （a）",
            'region:贵州 "行政复议 应诉" -应诉 OR a',
        ),
        ("year:2021..2023 year:>2020 year:<2023", "year:2021-2023 year:>=2021 year:<=2022"),
        ('"-a" "OR" "region:x" "(六)" "a:b" "|"', '"-a" "OR" "region:x" "(六)" "a:b" "|"'),
        ("(六)依法 “放管服”改革 浙民法〔2023〕45号", "(六)依法 “放管服”改革 浙民法〔2023〕45号"),
        ('section:"a b" law:"(x)" dept:-x', 'section:"a b" law:"(x)" dept:-x'),
        ("(a OR b) -(c d)", "(a OR b) -(c d)"),
    ],
)
def test_to_query_string_writes_the_canonical_form(text, canonical):
    assert to_query_string(parse_query(text)) == canonical


def test_to_query_string_refuses_terms_the_language_cannot_express():
    for text in ["", " a", 'a"b', "a  b"]:
        with pytest.raises(ValueError):
            to_query_string(Term(text))


# --- Help and docs -------------------------------------------------------------------------


@pytest.mark.parametrize(("example", "what"), QUERY_EXAMPLES)
def test_every_help_example_parses_and_is_shown(example, what):
    parse_query(example)
    assert example in QUERY_HELP and what in QUERY_HELP


def test_help_names_every_field_and_alias_and_the_length_limit():
    for alias in FIELD_ALIASES:
        assert alias in QUERY_HELP
    assert str(MAX_QUERY_LENGTH) in QUERY_HELP


@pytest.mark.parametrize("module", [parse, query_strings, rewrite, proximity, dates])
def test_docstring_examples_run(module):
    outcome = doctest.testmod(module)
    assert outcome.attempted > 0 and outcome.failed == 0


# --- Round trip ----------------------------------------------------------------------------

# Pieces chosen to hit every syntax rule when glued together.
PIECES = [
    "行政复议", "应诉", "a", "b", "OR", "AND", "NOT", "or", "-", "(", ")", "（", "）", "“", "”",
    ":", "：", "region", "foo", "时间", "地区", "〔2023〕", "C++", "2021-2023", "|", ".", "年",
]  # fmt: skip
texts = (
    st.lists(st.sampled_from([*PIECES, " "]), min_size=1, max_size=5)
    .map(lambda parts: " ".join("".join(parts).split()))
    .filter(bool)
)
years = st.integers(parse.YEAR_MIN, parse.YEAR_MAX)
leaves = st.one_of(
    texts.map(Term),
    st.builds(Field, st.sampled_from([n for n in FIELDS if n not in ("year", "date")]), texts),
    st.builds(Field, st.just("date"), st.sampled_from(["2023", "2023-01", "2022-12..2023-06"])),
    years.map(lambda y: YearFilter(y, y)),
    years.map(lambda y: YearFilter(y, None)),
    years.map(lambda y: YearFilter(None, y)),
    st.tuples(years, years).map(lambda ys: YearFilter(min(ys), max(ys))),
    st.builds(
        Near,
        st.lists(texts, min_size=2, max_size=3, unique=True).map(tuple),
        st.one_of(st.none(), st.integers(0, NEAR_MAX)),
    ),
)


@st.composite
def finding_nodes(draw, depth: int = 2):
    """Draw a tree in the parser's normal form that finds something (not only NOTs)."""
    kind = draw(st.sampled_from(["leaf", "and", "or"])) if depth else "leaf"
    if kind == "leaf":
        return draw(leaves)
    child = finding_nodes(depth - 1)
    if kind == "or":
        items = draw(
            st.lists(child.filter(lambda n: not isinstance(n, Or)), min_size=2, max_size=3)
        )
        unique = tuple(dict.fromkeys(items))
        return unique[0] if len(unique) == 1 else Or(unique)
    found = draw(st.lists(child.filter(lambda n: not isinstance(n, And)), min_size=1, max_size=3))
    excluded = draw(st.lists(child.map(Not), max_size=2))
    unique = tuple(dict.fromkeys(draw(st.permutations(found + excluded))))
    return found[0] if len(unique) == 1 else And(unique)


@settings(max_examples=200, deadline=None)
@given(finding_nodes())
def test_every_tree_reads_back_from_its_query_string(node):
    text = to_query_string(node)
    assume(len(text) <= MAX_QUERY_LENGTH)
    assert parse_query(text) == node


FUZZ_EXTRA = [
    " ",
    "\u3000",
    '"',
    "year:",
    ">=2021",
    "同句(",
    "NEAR(",
    "SENT（",
    ",",
    "，",
    "*",
    "~3",
    "\\",
]
fuzz_text = st.lists(st.sampled_from([*PIECES, *FUZZ_EXTRA])).map("".join)


@settings(max_examples=300, deadline=None)
@given(fuzz_text)
def test_any_string_either_fails_with_a_position_or_reads_back_keeping_its_literals(text):
    try:
        node = parse_query(text)
    except QueryError as error:
        assert error.position is not None and 0 <= error.position <= len(text)
        return
    assert parse_query(to_query_string(node)) == node
    assert explain_query(node)
    # Inside quotes \\ is a backslash and \" a quote: compare with the escapes read.
    unescaped = text.replace("\\\\", "\\").replace('\\"', '"')
    for term in positive_terms(node):
        assert all(piece in text or piece in unescaped for piece in term.split(" "))
