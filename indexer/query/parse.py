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
    primary := WORD | PHRASE | FIELD | "(" or_expr ")" | prox
    prox    := ("同句(" | "SENT(" | "同段(" | "PARA(") item+ ")"
             | "NEAR(" item+ ("," | "，") NUMBER ")"
    item    := WORD | PHRASE | FIELD                   # fields inside filter as usual
    FIELD   := NAME (":" | "：") (WORD | PHRASE)      # no space after the colon

Brackets and proximity operators nest at most MAX_DEPTH deep, so no query can exhaust
the stack. Forgiving input: a bare word ending in ``*`` (复议*) or ``~n`` (行政复议~5)
is searched without the mark, and ``"A B"~n`` means ``NEAR(A B, n)``; the tree's
`note` says so and `explain_query` shows it.

Word-boundary rules that keep pasted text searchable:

- ASCII ``"`` always quotes. ``“`` quotes only at the start of a word, and ``(``/``（`` only
  group at the start of a word; if the bracket or quote closes *inside* the word, the whole
  word is literal: ``“放管服”改革`` and ``(六)依法行政`` are single terms.
- ``name:value`` is a field when ``name`` is a known field or alias. Any other ASCII-letter
  name is an error (a mistyped field must not silently search for "foo:bar"); any other
  prefix (``时间:2023``, ``南湖区人民政府:``) and URLs (``http://…``) are literal terms.
"""

from __future__ import annotations

from indexer.errors import QueryError
from indexer.models import UNKNOWN
from indexer.normalize import has_variants
from indexer.query.tokens import PROXIMITY, Token, tokenize
from indexer.query.tree import (
    FIELD_ALIASES,
    FIELD_NAMES_ZH,
    FIELDS,
    LABELS,
    MAX_DEPTH,
    NEAR_MAX,
    YEAR_MAX,
    YEAR_MIN,
    And,
    Field,
    Near,
    Node,
    Not,
    Or,
    Term,
    YearFilter,
    and_,
    crosses_sentences,
    finds_something,
    not_,
    or_,
)
from indexer.settings import MAX_QUERY_LENGTH

__all__ = [
    "FIELDS",
    "FIELD_ALIASES",
    "FIELD_NAMES_ZH",
    "MAX_DEPTH",
    "MAX_QUERY_LENGTH",
    "NEAR_MAX",
    "YEAR_MAX",
    "YEAR_MIN",
    "And",
    "Field",
    "Near",
    "Node",
    "Not",
    "Or",
    "Term",
    "YearFilter",
    "explain_query",
    "parse_query",
    "positive_terms",
    "variants_note",
]

# --- Parser --------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(
                "嵌套过深",
                position=token.pos,
                hint=f"括号和 同句/NEAR 等运算最多嵌套 {MAX_DEPTH} 层，请去掉多余的括号",
            )

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
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
        if not finds_something(node):
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
                if not finds_something(node):
                    assert start is not None
                    raise QueryError(
                        "OR 的每一边都要有要查找的词，这一边只有排除条件",
                        position=start.pos,
                        hint="例如 (行政复议 -应诉) OR 行政诉讼",
                    )
        return or_([node for _, node in branches])

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
        return and_(items)

    def unary(self) -> Node:
        token = self.peek()
        assert token is not None  # callers check
        negated = False
        while token.kind in ("not", "-"):  # a loop: a long run of NOTs must not recurse
            self.take()
            after = self.peek()
            if after is None or after.kind in ("or", "and", ")"):
                raise QueryError(
                    f"「{token.text}」后面缺少要排除的词",
                    position=token.pos,
                    hint="例如 行政复议 -应诉 或 行政复议 NOT 应诉",
                )
            negated = not negated
            token = after
        if token.kind in ("or", "and"):
            raise QueryError(
                f"「{token.text}」前面缺少要查找的词",
                position=token.pos,
                hint=f"例如 行政复议 {token.text} 行政诉讼",
            )
        node = self.primary()
        return not_(node) if negated else node

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
        if token.kind == ",":
            raise QueryError(
                "逗号只能用在 NEAR(…, n) 的距离前", position=token.pos, hint="例如 NEAR(甲 乙, 20)"
            )
        self.enter(token)
        node = self.proximity(token) if token.kind == "prox" else self.group(token)
        self.depth -= 1
        return node

    def group(self, token: Token) -> Node:
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

    def proximity(self, opener: Token) -> Node:
        """Read 同句(…), 同段(…) or NEAR(…, n) after its opening token."""
        name = opener.text[:-1]
        kind = PROXIMITY[name]
        example = "NEAR(行政复议 应诉, 20)" if kind == "near" else f"{name}(行政复议 应诉)"
        items: list[Node] = []
        window: int | None = None
        while True:
            token = self.peek()
            if token is None:
                raise QueryError(
                    f"{name}(…) 缺少右括号", position=opener.pos, hint=f"例如 {example}"
                )
            self.take()
            if token.kind == ")":
                break
            if token.kind == "," and window is None:
                window = self.distance(opener, example)
                continue
            if token.kind != "node" or isinstance(token.node, Near) or window is not None:
                raise QueryError(
                    f"{name}(…) 里只能写词、引号里的短语和字段",
                    position=token.pos,
                    hint=f"例如 {example}；或、非、分组请写在 {name}(…) 外面",
                )
            assert token.node is not None
            items.append(token.node)
        terms = tuple(dict.fromkeys(n.text for n in items if isinstance(n, Term)))
        if not terms:
            raise QueryError(
                f"{name}(…) 里至少要有一个要查找的词", position=opener.pos, hint=f"例如 {example}"
            )
        if kind == "near" and window is None:
            raise QueryError("NEAR 需要写明相距多少字", position=opener.pos, hint=f"例如 {example}")
        others = [n for n in items if not isinstance(n, Term)]
        alone = len(terms) == 1 and not (kind == "sentence" and crosses_sentences(terms[0]))
        if kind == "passage" or alone:
            return and_([*(Term(t) for t in terms), *others])
        return and_([Near(terms, window), *others])

    def distance(self, opener: Token, example: str) -> int:
        token = self.peek()
        text = token.text if token is not None and token.kind == "node" else ""
        if not (text.isascii() and text.isdigit() and int(text) <= NEAR_MAX):
            raise QueryError(
                f"NEAR 的距离应是 0 到 {NEAR_MAX} 的整数",
                position=token.pos if token is not None else opener.pos,
                hint=f"例如 {example}",
            )
        self.take()
        return int(text)


def parse_query(text: str) -> Node:
    """Parse a query string into a tree; raise QueryError saying what is wrong and where.

    >>> parse_query("行政复议 -应诉")
    And(items=(Term(text='行政复议'), Not(item=Term(text='应诉'))))
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
    tokens = tokenize(text)
    if not tokens:
        raise QueryError("查询是空的", position=0, hint="请输入要查找的词，例如 行政复议")
    return _Parser(tokens).parse()


# --- Reading the tree back -----------------------------------------------------------------


def cited_laws(node: Node) -> list[str]:
    """Return the laws a query looks for citations of: `law:` fields when it has no term.

    `law:行政复议法` alone asks where the law is cited, so it matches (and marks) the
    passages citing it; beside a text term it only narrows the reports, like any field.

    >>> cited_laws(parse_query("law:行政复议法 region:浙江")), cited_laws(parse_query("law:X 复议"))
    (['行政复议法'], [])
    """
    if positive_terms(node):
        return []
    found: dict[str, None] = {}

    def walk(n: Node, negated: bool) -> None:
        if isinstance(n, Field):
            if n.name == "law" and not negated:
                found.setdefault(n.value)
        elif isinstance(n, Not):
            walk(n.item, not negated)
        elif isinstance(n, And | Or):
            for item in n.items:
                walk(item, negated)

    walk(node, False)
    return list(found)


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
        elif isinstance(n, Near):
            if not negated:
                for text in n.terms:
                    found.setdefault(text)
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


VARIANTS_NOTE = "繁体、简体和异体字一并查找"


def variants_note(node: Node) -> str:
    """Say that a query's terms were matched in every script, when any term has variants.

    >>> variants_note(parse_query("行政复议")), variants_note(parse_query("2023 ABC"))
    ('繁体、简体和异体字一并查找', '')
    """
    return VARIANTS_NOTE if any(has_variants(t) for t in positive_terms(node)) else ""


def notes(node: Node) -> list[str]:
    """Return how forgiving input was read (复议* as 复议), each note once."""
    found: dict[str, None] = {}

    def walk(n: Node) -> None:
        if isinstance(n, Term | Near) and n.note:
            found.setdefault(n.note)
        elif isinstance(n, Not):
            walk(n.item)
        elif isinstance(n, And | Or):
            for item in n.items:
                walk(item)

    walk(node)
    return list(found)


def explain_query(node: Node) -> str:
    """Say in Chinese how the query was read, for the UI, with notes on forgiven input.

    >>> explain_query(parse_query("行政复议 地区:贵州 -应诉"))
    '「行政复议」 且 地区=贵州 且 不含「应诉」'
    >>> explain_query(parse_query("(复议 OR 诉讼) year:>=2021"))
    '（「复议」 或 「诉讼」） 且 年份≥2021'
    >>> explain_query(parse_query("同句(行政复议 应诉) NEAR(复议 败诉, 10)"))
    '同一句中（「行政复议」 「应诉」） 且 相距不超过10字（「复议」 「败诉」）'
    >>> explain_query(parse_query("复议*"))
    '「复议」（注：「复议*」按「复议」查找：逐字查找本来就包括更长的词，不需要 *）'
    """
    said = _explain(node)
    cited = cited_laws(node)
    if cited:
        said += "（只有法律条件：列出引用" + "、".join(f"《{law}》" for law in cited) + "的段落）"
    forgiven = notes(node)
    return f"{said}（注：{'；'.join(forgiven)}）" if forgiven else said


def _explain(node: Node) -> str:
    if isinstance(node, Near):
        terms = " ".join(f"「{t}」" for t in node.terms)
        within = "同一句中" if node.window is None else f"相距不超过{node.window}字"
        return f"{within}（{terms}）"
    if isinstance(node, Term):
        return f"「{node.text}」"
    if isinstance(node, Field):
        return f"{LABELS[node.name]}={node.value}"
    if isinstance(node, YearFilter):
        return _explain_year(node)
    if isinstance(node, Not):
        if node.item == YearFilter(YEAR_MIN, None):
            return f"年份={UNKNOWN}"
        if isinstance(node.item, Term):
            return f"不含「{node.item.text}」"
        if isinstance(node.item, Field):
            return f"{LABELS[node.item.name]}≠{node.item.value}"
        return f"排除（{_explain(node.item)}）"
    joiner = " 且 " if isinstance(node, And) else " 或 "
    return joiner.join(
        f"（{_explain(item)}）" if isinstance(item, And | Or) else _explain(item)
        for item in node.items
    )
