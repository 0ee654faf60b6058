"""The query language's vocabulary: its fields and the tree a query parses into."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "region": "报告所属的省、市或县，如 region:贵州",
        "dept": "报告所属的部门，如 dept:司法局",
        "year": "报告年份，如 year:2023、year:2021-2023、year:>=2021",
        "issuer": "发布报告的机关，如 issuer:南湖区人民政府",
        "law": "报告引用的法律法规，如 law:行政复议法",
        "docno": "报告的发文字号，如 文号:东政〔2023〕5号（括号写法不限）",
        "section": "段落所在章节的标题，如 section:行政复议",
        "date": "报告的成文日期（可到年、月或日），如 date:2022-12..2023-06、date:>=2023-01",
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
    "docno": ("文号", "发文字号"),
    "section": ("章节",),
    "date": ("成文日期", "日期"),
}

FIELD_ALIASES: Mapping[str, str] = MappingProxyType(
    {name: name for name in FIELDS}
    | {alias: name for name, aliases in FIELD_NAMES_ZH.items() for alias in aliases}
)
"""Every accepted field name (ASCII names are matched case-insensitively) → canonical name."""

LABELS = {name: aliases[0] for name, aliases in FIELD_NAMES_ZH.items()}

YEAR_MIN, YEAR_MAX = 1000, 9999


MAX_DEPTH = 32
"""How deeply brackets and proximity operators may nest; deeper is a QueryError."""

SENTENCE_ENDS = "。！？!?"
"""What ends a sentence, for 同句: a sentence ends after each of these and at the passage end."""


def crosses_sentences(term: str) -> bool:
    """Whether a term holds a sentence end before its last character (so spans two)."""
    return any(end in term[:-1] for end in SENTENCE_ENDS)


NEAR_MAX = 1000
"""The largest distance NEAR(…, n) accepts, in characters."""


# --- The tree ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A literal string to find.

    `note` says how forgiving input was read (复议* as 复议); it never affects equality.
    """

    text: str
    note: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class Near:
    """Passages where the terms occur close together (`proximity` defines it exactly).

    `window` None: all terms in one sentence (同句); n: one occurrence of each term,
    the first start to the last end spanning at most n + the terms' lengths (NEAR).
    """

    terms: tuple[str, ...]
    window: int | None = None
    note: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        # One term in one sentence asks more than the term only when the term itself
        # crosses a sentence end (用。在): it is then never in one sentence.
        alone = len(self.terms) == 1 and self.window is None and crosses_sentences(self.terms[0])
        if (len(self.terms) < 2 and not alone) or not all(self.terms):
            raise ValueError(f"Near needs two or more non-empty terms: {self.terms!r}")
        if self.window is not None and not 0 <= self.window <= NEAR_MAX:
            raise ValueError(f"NEAR distance out of range: {self.window}")


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


Node = Term | Near | Field | YearFilter | And | Or | Not


def and_(items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, And) else (item,))
    unique = list(dict.fromkeys(flat))
    return unique[0] if len(unique) == 1 else And(tuple(unique))


def or_(items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, Or) else (item,))
    unique = list(dict.fromkeys(flat))
    return unique[0] if len(unique) == 1 else Or(tuple(unique))


def not_(item: Node) -> Node:
    return item.item if isinstance(item, Not) else Not(item)


def finds_something(node: Node) -> bool:
    """Say whether `node` selects passages by itself rather than only excluding them."""
    if isinstance(node, Not):
        return node.item == YearFilter(YEAR_MIN, None)  # year:未识别 selects the undated
    if isinstance(node, And):
        return any(finds_something(item) for item in node.items)
    if isinstance(node, Or):
        return all(finds_something(item) for item in node.items)
    return True
