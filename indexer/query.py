"""Read a query string into a tree of literal terms, field filters and boolean operators.

Every term is a literal substring to find, exactly as written: Chinese needs no spaces
(行政复议 is one term) and punctuation inside a word is part of it (浙民法〔2023〕45号).
Only whitespace, quotes, brackets at word boundaries and the operators OR, |, AND, NOT and
a leading - are syntax. Parsing never touches the index; `search` turns the tree into hits.

Grammar, loosest binding first (juxtaposition is AND; AND binds tighter than OR)::

    query   := or_expr
    or_expr := and_expr (("OR" | "|") and_expr)*
    and_expr:= unary (["AND"] unary)*
    unary   := ("NOT" | "-") unary | primary          # "-" must touch what it negates
    primary := WORD | PHRASE | FIELD | "(" or_expr ")"
    FIELD   := NAME (":" | "：") (WORD | PHRASE)      # no space after the colon

Word-boundary rules that keep pasted text searchable:

- ASCII ``"`` always quotes. ``“`` quotes only at the start of a word, and ``(``/``（`` only
  group at the start of a word; if the bracket or quote closes *inside* the word, the whole
  word is literal: ``“放管服”改革`` and ``(六)依法行政`` are single terms.
- ``name:value`` is a field when ``name`` is a known field or alias. Any other ASCII-letter
  name is an error (a mistyped field must not silently search for "foo:bar"); any other
  prefix (``时间:2023``, ``南湖区人民政府:``) and URLs (``http://…``) are literal terms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from indexer.errors import QueryError

MAX_QUERY_LENGTH = 500

FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "region": "报告所属的省、市或县，如 region:贵州",
        "dept": "报告所属的部门，如 dept:司法局",
        "year": "报告年份，如 year:2023、year:2021-2023、year:>=2021",
        "issuer": "发布报告的机关，如 issuer:南湖区人民政府",
        "law": "报告引用的法律法规，如 law:行政复议法",
        "section": "段落所在章节的标题，如 section:行政复议",
    }
)
"""Canonical field name → what it filters on, in Chinese, with an example."""

# The first alias is the label `describe` uses; it matches the filter chips in the web UI.
FIELD_NAMES_ZH: dict[str, tuple[str, ...]] = {
    "region": ("地区", "省", "市", "县"),
    "dept": ("部门",),
    "year": ("年份",),
    "issuer": ("发布机关", "发文单位"),
    "law": ("法律", "法规"),
    "section": ("章节",),
}

FIELD_ALIASES: Mapping[str, str] = MappingProxyType(
    {name: name for name in FIELDS}
    | {alias: name for name, aliases in FIELD_NAMES_ZH.items() for alias in aliases}
)
"""Every accepted field name (ASCII names are matched case-insensitively) → canonical name."""

_LABELS = {name: aliases[0] for name, aliases in FIELD_NAMES_ZH.items()}

YEAR_MIN, YEAR_MAX = 1000, 9999


# --- The tree ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A literal string to find. `quoted` records how it was written and is not compared."""

    text: str
    quoted: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class Field:
    """A filter on report or passage metadata; `name` is canonical and never "year"."""

    name: str
    value: str

    def __post_init__(self) -> None:
        if self.name not in FIELDS or self.name == "year":
            raise ValueError(f"not a text field: {self.name!r} (years are YearFilter)")


@dataclass(frozen=True)
class YearFilter:
    """Reports whose year lies in [low, high]; None leaves that end open."""

    low: int | None
    high: int | None

    def __post_init__(self) -> None:
        if self.low is None and self.high is None:
            raise ValueError("a YearFilter needs at least one bound")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"empty year range {self.low}..{self.high}")


@dataclass(frozen=True)
class And:
    """Passages that match every item (a space or AND between them)."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """Passages that match at least one item (OR or | between them)."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """Passages that do not match `item` (NOT or a leading -)."""

    item: Node


Node = Term | Field | YearFilter | And | Or | Not


def _and(items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, And) else (item,))
    unique = list(dict.fromkeys(flat))
    return unique[0] if len(unique) == 1 else And(tuple(unique))


def _or(items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, Or) else (item,))
    unique = list(dict.fromkeys(flat))
    return unique[0] if len(unique) == 1 else Or(tuple(unique))


def _not(item: Node) -> Node:
    return item.item if isinstance(item, Not) else Not(item)


def _finds_something(node: Node) -> bool:
    """Say whether `node` selects passages by itself rather than only excluding them."""
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_finds_something(item) for item in node.items)
    if isinstance(node, Or):
        return all(_finds_something(item) for item in node.items)
    return True


# --- Tokens --------------------------------------------------------------------------------

_OPEN = "(（"
_CLOSE = ")）"
_OPERATORS = {"OR": "or", "AND": "and", "NOT": "not"}
_YEAR_HINT = "可写 year:2023、year:2021-2023、year:2021..2023、year:>=2021、year:<2023"


@dataclass(frozen=True)
class _Token:
    kind: str  # "node", "(", ")", "or", "and", "not", "-"
    pos: int
    text: str
    node: Node | None = None


def _word_end(text: str, i: int) -> int:
    """Return where the bare word starting at `i` ends.

    A word stops at whitespace, an ASCII quote, `|`, or a closing bracket that does not close
    a bracket opened inside the word (so 浙民法(2023)45号 stays whole).
    """
    depth = 0
    j = i
    while j < len(text):
        ch = text[j]
        if ch.isspace() or ch in '"|':
            break
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            if depth == 0:
                break
            depth -= 1
        j += 1
    return j


def _closes_inside_word(text: str, i: int, end: int) -> bool:
    """Say whether the bracket or “ at `i` closes before the word ending at `end` does."""
    if text[i] == "“":
        k = text.find("”", i + 1, end)
        return k != -1 and k < end - 1
    depth = 0
    for k in range(i, end):
        if text[k] in _OPEN:
            depth += 1
        elif text[k] in _CLOSE:
            depth -= 1
            if depth == 0:
                return k < end - 1
    return False


def _read_phrase(text: str, i: int) -> tuple[str, int]:
    """Read the quoted phrase opening at `i`; return its text (whitespace runs made one space)."""
    closers = '"' if text[i] == '"' else '”"'
    k = next((j for j in range(i + 1, len(text)) if text[j] in closers), -1)
    if k == -1:
        raise QueryError(
            "引号没有配对：缺少结尾的引号",
            position=i,
            hint="在要查找的文字末尾补上引号，或删掉多余的引号",
        )
    phrase = " ".join(text[i + 1 : k].split())
    if not phrase:
        raise QueryError(
            "引号里没有内容", position=i, hint="删掉这对空引号，或在引号里写上要查找的文字"
        )
    return phrase, k + 1


def _read_value(text: str, i: int, name: str) -> tuple[str, int]:
    """Read a field's value at `i`: a bare word or a quoted phrase."""
    if i == len(text) or text[i].isspace() or text[i] in "|" + _CLOSE:
        raise QueryError(
            f"字段 {name} 缺少值",
            position=i,
            hint=f"冒号后面紧跟要筛选的值，不要空格，例如 {FIELDS[name].rsplit('如 ', 1)[-1]}",
        )
    if text[i] == '"':
        return _read_phrase(text, i)
    end = _word_end(text, i)
    if text[i] in "“" + _OPEN and not _closes_inside_word(text, i, end):
        if text[i] == "“":
            return _read_phrase(text, i)
        raise QueryError(
            "字段值不能用括号分组",
            position=i,
            hint=f"要筛选多个值请写 {name}:甲 OR {name}:乙；括号本身是值的一部分时请加引号",
        )
    return text[i:end], end


_YEAR = r"([0-9]{4})年?"
_YEAR_ONE = re.compile(_YEAR)
_YEAR_RANGE = re.compile(rf"{_YEAR}\s*(?:-|\.\.|~)\s*{_YEAR}")
_YEAR_COMPARE = re.compile(rf"(>=|<=|>|<|≥|≤)\s*{_YEAR}")


def _parse_year(value: str, position: int) -> YearFilter:
    """Read 2023, 2021-2023, 2021..2023, >=2021, >2020, <2023 or <=2023 (a trailing 年 is ok)."""
    if m := _YEAR_ONE.fullmatch(value):
        low = high = int(m[1])
    elif m := _YEAR_RANGE.fullmatch(value):
        low, high = int(m[1]), int(m[2])
        if low > high:
            raise QueryError(
                f"年份范围的起点晚于终点：{value}", position=position, hint=f"应写成 {high}-{low}"
            )
    elif m := _YEAR_COMPARE.fullmatch(value):
        op, year = m[1], int(m[2])
        low = {">=": year, "≥": year, ">": year + 1}.get(op)
        high = {"<=": year, "≤": year, "<": year - 1}.get(op)
    else:
        raise QueryError(f"年份写法不对：{value}", position=position, hint=_YEAR_HINT)
    if any(y is not None and not YEAR_MIN <= y <= YEAR_MAX for y in (low, high)):
        raise QueryError(f"年份超出范围：{value}", position=position, hint=_YEAR_HINT)
    return YearFilter(low, high)


def _read_field(text: str, i: int, end: int) -> tuple[Node, int] | None:
    """Read `name:value` at `i` if the word up to `end` is a field; None if it is literal."""
    word = text[i:end]
    m = re.search("[:：]", word)
    if m is None or m.start() == 0:
        return None
    name = word[: m.start()]
    canonical = FIELD_ALIASES.get(name.lower())
    if canonical is None:
        is_ascii_word = name.isascii() and name.isalpha()
        if is_ascii_word and not word[m.start() :].startswith("://"):
            raise QueryError(
                f"未知字段 {name}，可用字段：{', '.join(FIELDS)}",
                position=i,
                hint=f'要按原文查找这段带冒号的文字，请加引号："{word}"',
            )
        return None
    start = i + m.end()
    value, after = _read_value(text, start, canonical)
    if canonical == "year":
        return _parse_year(value, start), after
    return Field(canonical, value), after


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "|":
            j = i
            while j < len(text) and text[j] == "|":
                j += 1
            tokens.append(_Token("or", i, text[i:j]))
            i = j
            continue
        if ch in _CLOSE:
            tokens.append(_Token(")", i, ch))
            i += 1
            continue
        if ch == "-":
            if i + 1 == len(text) or text[i + 1].isspace():
                raise QueryError(
                    "「-」后面要紧跟要排除的词",
                    position=i,
                    hint='例如 行政复议 -应诉；要查找减号本身请加引号："-"',
                )
            tokens.append(_Token("-", i, ch))
            i += 1
            continue
        if ch == '"':
            phrase, i_next = _read_phrase(text, i)
            tokens.append(_Token("node", i, text[i:i_next], Term(phrase, quoted=True)))
            i = i_next
            continue
        end = _word_end(text, i)
        if ch in "“" + _OPEN and not _closes_inside_word(text, i, end):
            if ch == "“":
                phrase, i_next = _read_phrase(text, i)
                tokens.append(_Token("node", i, text[i:i_next], Term(phrase, quoted=True)))
                i = i_next
            else:
                tokens.append(_Token("(", i, ch))
                i += 1
            continue
        word = text[i:end]
        if word in _OPERATORS:
            tokens.append(_Token(_OPERATORS[word], i, word))
            i = end
            continue
        if (read := _read_field(text, i, end)) is not None:
            node, i_next = read
            tokens.append(_Token("node", i, text[i:i_next], node))
            i = i_next
            continue
        tokens.append(_Token("node", i, word, Term(word)))
        i = end
    return tokens


# --- Parser --------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> Node:
        node = self.or_expr()
        if (extra := self.peek()) is not None:  # only a ")" stops or_expr early
            raise QueryError(
                "括号没有配对：多了一个右括号",
                position=extra.pos,
                hint="删掉多余的右括号，或在前面补上左括号",
            )
        if not _finds_something(node):
            raise QueryError(
                "只有排除条件，请至少给出一个要查找的词",
                position=self.tokens[0].pos,
                hint="例如 行政复议 -应诉",
            )
        return node

    def or_expr(self) -> Node:
        branches = [(self.peek(), self.and_expr())]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            after = self.peek()
            if after is None or after.kind in ("or", ")"):
                raise QueryError(
                    f"「{token.text}」后面缺少要查找的词",
                    position=token.pos,
                    hint="例如 行政复议 OR 行政诉讼",
                )
            branches.append((after, self.and_expr()))
        if len(branches) > 1:
            for start, node in branches:
                if not _finds_something(node):
                    assert start is not None
                    raise QueryError(
                        "OR 的每一边都要有要查找的词，这一边只有排除条件",
                        position=start.pos,
                        hint="例如 (行政复议 -应诉) OR 行政诉讼",
                    )
        return _or([node for _, node in branches])

    def and_expr(self) -> Node:
        items = [self.unary()]
        while (token := self.peek()) is not None and token.kind not in ("or", ")"):
            if token.kind == "and":
                self.take()
                after = self.peek()
                if after is None or after.kind in ("or", "and", ")"):
                    raise QueryError(
                        f"「{token.text}」后面缺少要查找的词",
                        position=token.pos,
                        hint="例如 行政复议 AND 应诉",
                    )
            items.append(self.unary())
        return _and(items)

    def unary(self) -> Node:
        token = self.peek()
        assert token is not None  # callers check
        if token.kind in ("not", "-"):
            self.take()
            after = self.peek()
            if after is None or after.kind in ("or", "and", ")"):
                raise QueryError(
                    f"「{token.text}」后面缺少要排除的词",
                    position=token.pos,
                    hint="例如 行政复议 -应诉 或 行政复议 NOT 应诉",
                )
            return _not(self.unary())
        if token.kind in ("or", "and"):
            raise QueryError(
                f"「{token.text}」前面缺少要查找的词",
                position=token.pos,
                hint=f"例如 行政复议 {token.text} 行政诉讼",
            )
        return self.primary()

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "node":
            assert token.node is not None
            return token.node
        if token.kind == ")":
            raise QueryError(
                "括号没有配对：多了一个右括号",
                position=token.pos,
                hint="删掉多余的右括号，或在前面补上左括号",
            )
        # token.kind == "("
        unclosed = QueryError(
            "括号没有配对：缺少右括号",
            position=token.pos,
            hint="在分组末尾补上右括号，或删掉这个左括号",
        )
        after = self.peek()
        if after is None:
            raise unclosed
        if after.kind == ")":
            raise QueryError(
                "括号里没有内容",
                position=token.pos,
                hint="删掉这对空括号，或在括号里写上要查找的词",
            )
        node = self.or_expr()
        if self.peek() is None:
            raise unclosed
        self.take()
        return node


def parse_query(text: str) -> Node:
    """Parse a query string into a tree; raise QueryError saying what is wrong and where.

    >>> parse_query("行政复议 -应诉")
    And(items=(Term(text='行政复议', quoted=False), Not(item=Term(text='应诉', quoted=False))))
    >>> parse_query("a b OR c") == parse_query("(a AND b) | c")
    True
    >>> parse_query('年份：2021..2023')
    YearFilter(low=2021, high=2023)
    """
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"查询太长（{len(text)} 个字符）",
            position=MAX_QUERY_LENGTH,
            hint=f"最多 {MAX_QUERY_LENGTH} 个字符，请缩短查询",
        )
    tokens = _tokenize(text)
    if not tokens:
        raise QueryError("查询是空的", position=0, hint="请输入要查找的词，例如 行政复议")
    return _Parser(tokens).parse()


# --- Reading the tree back -----------------------------------------------------------------


def positive_terms(node: Node) -> list[str]:
    """Return the literal strings searched for (not under an odd number of NOTs), first seen first.

    >>> positive_terms(parse_query("行政复议 -应诉 (复议 OR 行政复议) section:复议"))
    ['行政复议', '复议']
    """
    found: dict[str, None] = {}

    def walk(n: Node, negated: bool) -> None:
        if isinstance(n, Term):
            if not negated:
                found.setdefault(n.text)
        elif isinstance(n, Not):
            walk(n.item, not negated)
        elif isinstance(n, And | Or):
            for item in n.items:
                walk(item, negated)

    walk(node, False)
    return list(found)


def _explain_year(node: YearFilter) -> str:
    if node.low == node.high:
        return f"年份={node.low}"
    if node.low is None:
        return f"年份≤{node.high}"
    if node.high is None:
        return f"年份≥{node.low}"
    return f"年份={node.low}至{node.high}"


def explain_query(node: Node) -> str:
    """Say in Chinese how the query was read, for the UI.

    >>> explain_query(parse_query("行政复议 地区:贵州 -应诉"))
    '「行政复议」 且 地区=贵州 且 不含「应诉」'
    >>> explain_query(parse_query("(复议 OR 诉讼) year:>=2021"))
    '（「复议」 或 「诉讼」） 且 年份≥2021'
    """
    if isinstance(node, Term):
        return f"「{node.text}」"
    if isinstance(node, Field):
        return f"{_LABELS[node.name]}={node.value}"
    if isinstance(node, YearFilter):
        return _explain_year(node)
    if isinstance(node, Not):
        if isinstance(node.item, Term):
            return f"不含「{node.item.text}」"
        if isinstance(node.item, Field):
            return f"{_LABELS[node.item.name]}≠{node.item.value}"
        return f"排除（{explain_query(node.item)}）"
    joiner = " 且 " if isinstance(node, And) else " 或 "
    return joiner.join(
        f"（{explain_query(item)}）" if isinstance(item, And | Or) else explain_query(item)
        for item in node.items
    )


def _is_plain(text: str) -> bool:
    """Say whether `text` is a term the parser would read back with spaces normalised."""
    return bool(text) and " ".join(text.split()) == text and '"' not in text


def _balanced(text: str) -> bool:
    # An unclosed bracket inside a bare word would swallow the ")" closing a group after it.
    depth = 0
    for ch in text:
        depth += (ch in _OPEN) - (ch in _CLOSE)
    return depth == 0


def _write_term(text: str) -> str:
    if not _is_plain(text):
        raise ValueError(f"a term the query language cannot express: {text!r}")
    try:
        read = _tokenize(text)
    except QueryError:
        read = []
    bare = _balanced(text) and len(read) == 1 and read[0].text == text
    return text if bare and read[0].node == Term(text) else f'"{text}"'


def _write_value(name: str, value: str) -> str:
    if not _is_plain(value):
        raise ValueError(f"a field value the query language cannot express: {value!r}")
    try:
        bare = _balanced(value) and _read_value(value, 0, name) == (value, len(value))
    except QueryError:
        bare = False
    return value if bare else f'"{value}"'


def to_query_string(node: Node) -> str:
    """Write `node` as canonical query text that parses back to an equal tree.

    >>> to_query_string(parse_query('地区：贵州  “行政复议  应诉” NOT 应诉 | (a) '))
    'region:贵州 "行政复议 应诉" -应诉 OR a'
    """
    if isinstance(node, Term):
        return _write_term(node.text)
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
