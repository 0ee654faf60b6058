"""Rewrite query strings: any input as a plain-text query, and a query narrowed step by step.

These serve the shells: the web page offers "search the input as plain text" under a
malformed query, and "search within results" adds refinements to the query it shows.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from indexer.errors import QueryError
from indexer.query.parse import Or, Term, parse_query, positive_terms
from indexer.query.tokens import tokenize


def literal_query(text: str) -> str:
    """Return a query that finds `text` literally: one term, whitespace runs as one space.

    >>> literal_query('行政复议 OR "应诉"')
    '"行政复议 OR \\\\"应诉\\\\""'
    >>> parse_query(literal_query('行政复议 OR "应诉"'))
    Term(text='行政复议 OR "应诉"')
    """
    plain = " ".join(text.split())
    if not plain:
        raise QueryError("查询是空的", position=0, hint="请输入要查找的词，例如 行政复议")
    return '"' + plain.replace("\\", "\\\\").replace('"', '\\"') + '"'


def quote_term(text: str) -> str:
    """Write a literal term as query text: bare when it reads back as itself, else quoted.

    >>> quote_term("行政复议"), quote_term("a b"), quote_term("复议*")
    ('行政复议', '"a b"', '"复议*"')
    """
    try:
        tokens = tokenize(text)
    except QueryError:
        tokens = []
    node = tokens[0].node if len(tokens) == 1 and tokens[0].text == text else None
    if isinstance(node, Term) and node == Term(text) and not node.note:
        return text
    return literal_query(text)


def refine_query(query: str, refinements: Sequence[str]) -> str:
    """Return `query` narrowed by each refinement (all must hold), as one query string.

    Each part must parse alone; an error in a refinement says which one. A part whose
    top level is OR is bracketed, with spaces inside so no bare word swallows a bracket.

    >>> refine_query("行政复议 OR 行政诉讼", ["败诉", "年"])
    '( 行政复议 OR 行政诉讼 ) 败诉 年'
    >>> parse_query(refine_query("a OR b", ["c -d"])) == parse_query("(a OR b) c -d")
    True
    """
    parts = []
    for number, part in enumerate([query, *refinements]):
        if not part.strip():
            continue
        try:
            tree = parse_query(part)
        except QueryError as error:
            if number == 0:
                raise
            try:  # a refinement may only exclude (-应诉): it narrows what came before
                parse_query(f"x ( {part} )")
                tree = Or((Term("x"), Term("y")))  # bracket it
            except QueryError:
                raise QueryError(
                    f"在结果中检索的第 {number} 个条件「{part}」有误：{error.message}",
                    hint=error.hint,
                ) from error
        parts.append(f"( {part} )" if isinstance(tree, Or) else part)
    if not parts:
        raise QueryError("查询是空的", position=0, hint="请输入要查找的词，例如 行政复议")
    return " ".join(parts)


def collocate_query(query: str, word: str) -> str:
    """Return `query` narrowed to sentences holding its first term and `word` (同句).

    >>> collocate_query("行政复议", "申请")
    '同句(行政复议 申请)'
    >>> collocate_query("行政复议 OR 行政诉讼", "申请")
    '( 行政复议 OR 行政诉讼 ) 同句(行政复议 申请)'
    """
    if not query.strip():  # filters alone (law: marks citations): the word, filters kept
        return quote_term(word)
    tree = parse_query(query)
    terms = positive_terms(tree)
    together = f"同句({quote_term(terms[0])} {quote_term(word)})" if terms else quote_term(word)
    if isinstance(tree, Term) and not tree.note:
        return together
    return refine_query(query, [together])


def caret_padding(text: str, position: int) -> str:
    """Return blanks as wide as `text[:position]`, to put a caret under that character.

    Wide (CJK) characters get an ideographic space, others an ASCII space, so the caret
    lines up in a monospace font.

    >>> caret_padding("行政 (", 3) + "^"
    '\\u3000\\u3000 ^'
    """
    return "".join(
        "\u3000" if unicodedata.east_asian_width(ch) in "WF" else " " for ch in text[:position]
    )
