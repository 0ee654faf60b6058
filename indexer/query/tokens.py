"""Cut a query string into tokens: words, phrases, fields, brackets and operators.

The word-boundary rules are in `query`'s docstring.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.errors import QueryError
from indexer.models import UNKNOWN
from indexer.query.dates import DATE_HINT, date_range
from indexer.query.tree import (
    FIELD_ALIASES,
    FIELDS,
    NEAR_MAX,
    YEAR_MAX,
    YEAR_MIN,
    Field,
    Near,
    Node,
    Not,
    Term,
    YearFilter,
)

# --------------------------------------------------------------------------------

OPEN = "(（"
CLOSE = ")）"
OPERATORS = {"OR": "or", "AND": "and", "NOT": "not"}
PROXIMITY = {
    "同句": "sentence",
    "SENT": "sentence",
    "同段": "passage",
    "PARA": "passage",
    "NEAR": "near",
}
"""Proximity operator names (written right before a bracket) → what they require."""
COMMAS = ",，"
_PROXIMITY = re.compile(rf"({'|'.join(PROXIMITY)})[{OPEN}]")
_STAR = re.compile(r"(.+?)\*+")  # 复议* (a word ending in stars)
_TILDE = re.compile(r"(.*[^0-9~])~([0-9]{1,4})")  # 行政复议~5, not 1~3
_PHRASE_TILDE = re.compile(rf"~([0-9]{{1,4}})(?=$|\s|[|{CLOSE}])")
_YEAR_HINT = "可写 year:2023、year:2021-2023、year:2021..2023、year:>=2021、year:<2023"


@dataclass(frozen=True)
class Token:
    kind: str  # "node", "(", ")", "or", "and", "not", "-", "prox" (e.g. 同句( ), ","
    pos: int
    text: str
    node: Node | None = None


def _word_end(text: str, i: int, stops: str = "") -> int:
    """Return where the bare word starting at `i` ends.

    A word stops at whitespace, an ASCII quote, `|`, or a closing bracket that does not close
    a bracket opened inside the word (so 浙民法(2023)45号 stays whole); also at `stops`.
    """
    depth = 0
    j = i
    while j < len(text):
        ch = text[j]
        if ch.isspace() or ch in '"|' or ch in stops:
            break
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
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
        if text[k] in OPEN:
            depth += 1
        elif text[k] in CLOSE:
            depth -= 1
            if depth == 0:
                return k < end - 1
    return False


def _read_phrase(text: str, i: int) -> tuple[str, int]:
    """Read the quoted phrase opening at `i`; return its text (whitespace runs made one space)."""
    closers = '"' if text[i] == '"' else '”"'
    chars: list[str] = []
    k = i + 1
    while k < len(text) and text[k] not in closers:
        # Inside "…", \" is a quote and \\ a backslash, so any text can be quoted.
        if text[k] == "\\" and text[i] == '"' and text[k + 1 : k + 2] in ('"', "\\"):
            k += 1
        chars.append(text[k])
        k += 1
    if k == len(text):
        raise QueryError(
            "引号没有配对：缺少结尾的引号",
            position=i,
            hint="在要查找的文字末尾补上引号，或删掉多余的引号",
        )
    phrase = " ".join("".join(chars).split())
    if not phrase:
        raise QueryError(
            "引号里没有内容", position=i, hint="删掉这对空引号，或在引号里写上要查找的文字"
        )
    return phrase, k + 1


def read_value(text: str, i: int, name: str) -> tuple[str, int]:
    """Read a field's value at `i`: a bare word or a quoted phrase."""
    if i == len(text) or text[i].isspace() or text[i] in "|" + CLOSE:
        raise QueryError(
            f"字段 {name} 缺少值",
            position=i,
            hint=f"冒号后面紧跟要筛选的值，不要空格，例如 {FIELDS[name].rsplit('如 ', 1)[-1]}",
        )
    if text[i] == '"':
        return _read_phrase(text, i)
    end = _word_end(text, i)
    if text[i] in "“" + OPEN and not _closes_inside_word(text, i, end):
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
    low: int | None
    high: int | None
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
    value, after = read_value(text, start, canonical)
    if canonical == "year":
        if value.strip() == UNKNOWN:
            return Not(YearFilter(YEAR_MIN, None)), after  # no year stated
        return _parse_year(value, start), after
    if canonical == "date" and value.strip() != UNKNOWN and date_range(value) is None:
        raise QueryError(f"成文日期写法不对：{value}", position=start, hint=DATE_HINT)
    return Field(canonical, value), after


def _forgiving_word(word: str) -> Term:
    """Read a bare word, forgiving the wildcard and fuzzy marks of other search engines."""
    if (m := _STAR.fullmatch(word)) and not m[1].endswith("*"):
        note = f"「{word}」按「{m[1]}」查找：逐字查找本来就包括更长的词，不需要 *"
        return Term(m[1], note)
    if m := _TILDE.fullmatch(word):
        note = f"「{word}」按「{m[1]}」查找：不支持模糊查找，已忽略 ~{m[2]}"
        return Term(m[1], note)
    return Term(word)


def _phrase_node(text: str, start: int, phrase: str, i: int) -> tuple[Node, int]:
    """Return the phrase's node; "A B"~n (the proximity of other engines) reads as NEAR."""
    m = _PHRASE_TILDE.match(text, i)
    if m is None:
        return Term(phrase), i
    words = tuple(dict.fromkeys(phrase.split(" ")))
    n = int(m[1])
    if len(words) < 2 or n > NEAR_MAX:
        return Term(phrase, f"「{text[start : m.end()]}」按「{phrase}」查找，已忽略 ~{n}"), m.end()
    spelled = f"NEAR({' '.join(words)}, {n})"
    return Near(words, n, f"「{text[start : m.end()]}」按 {spelled} 查找"), m.end()


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    groups: list[str] = []  # the open brackets: "(" or a proximity operator's kind
    i = 0
    while i < len(text):
        ch = text[i]
        stops = COMMAS if groups and groups[-1] == "near" else ""
        if ch.isspace():
            i += 1
            continue
        if ch in stops:
            tokens.append(Token(",", i, ch))
            i += 1
            continue
        if ch == "|":
            j = i
            while j < len(text) and text[j] == "|":
                j += 1
            tokens.append(Token("or", i, text[i:j]))
            i = j
            continue
        if ch in CLOSE:
            tokens.append(Token(")", i, ch))
            if groups:
                groups.pop()
            i += 1
            continue
        if ch == "-":
            if i + 1 == len(text) or text[i + 1].isspace():
                raise QueryError(
                    "「-」后面要紧跟要排除的词",
                    position=i,
                    hint='例如 行政复议 -应诉；要查找减号本身请加引号："-"',
                )
            tokens.append(Token("-", i, ch))
            i += 1
            continue
        if ch == '"':
            phrase, i_next = _read_phrase(text, i)
            node, i_next = _phrase_node(text, i, phrase, i_next)
            tokens.append(Token("node", i, text[i:i_next], node))
            i = i_next
            continue
        end = _word_end(text, i, stops)
        if ch in "“" + OPEN and not _closes_inside_word(text, i, end):
            if ch == "“":
                phrase, i_next = _read_phrase(text, i)
                node, i_next = _phrase_node(text, i, phrase, i_next)
                tokens.append(Token("node", i, text[i:i_next], node))
                i = i_next
            else:
                tokens.append(Token("(", i, ch))
                groups.append("(")
                i += 1
            continue
        if (m := _PROXIMITY.match(text, i)) and not _closes_inside_word(text, m.end() - 1, end):
            tokens.append(Token("prox", i, m[0]))
            groups.append(PROXIMITY[m[1]])
            i = m.end()
            continue
        word = text[i:end]
        if word in OPERATORS:
            tokens.append(Token(OPERATORS[word], i, word))
            i = end
            continue
        if (read := _read_field(text, i, end)) is not None:
            node, i_next = read
            tokens.append(Token("node", i, text[i:i_next], node))
            i = i_next
            continue
        tokens.append(Token("node", i, word, _forgiving_word(word)))
        i = end
    return tokens
