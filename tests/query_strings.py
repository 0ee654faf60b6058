"""Write a query tree back as a query string: the tests' round-trip helper."""

from __future__ import annotations

from indexer.errors import QueryError
from indexer.query import (
    And,
    Field,
    Near,
    Node,
    Not,
    Or,
    Term,
    YearFilter,
    parse_query,  # noqa: F401 (the doctest uses it)
)
from indexer.query.tokens import CLOSE, OPEN, read_value, tokenize


def _is_plain(text: str) -> bool:
    """Say whether `text` is a term the parser would read back with spaces normalised."""
    return bool(text) and " ".join(text.split()) == text and '"' not in text


def _balanced(text: str) -> bool:
    # An unclosed bracket inside a bare word would swallow the ")" closing a group after it.
    depth = 0
    for ch in text:
        depth += (ch in OPEN) - (ch in CLOSE)
    return depth == 0


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\") + '"'


def _write_term(text: str) -> str:
    if not _is_plain(text):
        raise ValueError(f"a term the query language cannot express: {text!r}")
    try:
        read = tokenize(text)
    except QueryError:
        read = []
    bare = _balanced(text) and len(read) == 1 and read[0].text == text
    return text if bare and read[0].node == Term(text) else _quote(text)


def _write_value(name: str, value: str) -> str:
    if not _is_plain(value):
        raise ValueError(f"a field value the query language cannot express: {value!r}")
    try:
        bare = _balanced(value) and read_value(value, 0, name) == (value, len(value))
    except QueryError:
        bare = False
    return value if bare else _quote(value)


def to_query_string(node: Node) -> str:
    """Write `node` as canonical query text that parses back to an equal tree.

    >>> to_query_string(parse_query('地区：贵州  “行政复议  应诉” NOT 应诉 | (a) '))
    'region:贵州 "行政复议 应诉" -应诉 OR a'
    """
    if isinstance(node, Term):
        return _write_term(node.text)
    if isinstance(node, Near):
        # Inside NEAR( ) a comma ends a word, so terms with one are quoted.
        terms = " ".join(_quote(t) if "," in t or "，" in t else _write_term(t) for t in node.terms)
        return f"同句({terms})" if node.window is None else f"NEAR({terms}, {node.window})"
    if isinstance(node, Field):
        return f"{node.name}:{_write_value(node.name, node.value)}"
    if isinstance(node, YearFilter):
        if node.low == node.high:
            return f"year:{node.low}"
        if node.low is None:
            return f"year:<={node.high}"
        if node.high is None:
            return f"year:>={node.low}"
        return f"year:{node.low}-{node.high}"
    if isinstance(node, Not):
        inner = to_query_string(node.item)
        return f"-({inner})" if isinstance(node.item, And | Or) else f"-{inner}"
    if isinstance(node, And):
        return " ".join(
            f"({to_query_string(item)})" if isinstance(item, Or) else to_query_string(item)
            for item in node.items
        )
    return " OR ".join(
        f"({to_query_string(item)})" if isinstance(item, Or) else to_query_string(item)
        for item in node.items
    )
