"""Proximity: terms in one sentence (同句) or within n characters (NEAR), exactly.

Definitions, on a passage's folded text (`normalize.fold`; offsets are the original's):

- A **sentence** ends after each 。 ！ ？ ! or ? and at the end of the passage. An occurrence
  of a term lies in a sentence when it starts and ends inside it (its last character may
  be the sentence's end mark). 同句(A B …) matches a passage when one sentence holds an
  occurrence of every term.
- NEAR(A B …, n) matches when the passage holds one occurrence of each term such that
  the span from the start of the earliest to the end of the latest is at most
  n + len(A) + len(B) + … characters. For two terms that do not overlap: at most n
  characters between them, in either order. Occurrences may overlap.

Matching takes the passages that contain every term (the literal index's AND) and
confirms each on its folded text. Highlights mark only the occurrences that take part in
a match: those inside a matching sentence, or inside a matching NEAR window.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from indexer.normalize import fold
from indexer.query.parse import And, Near, Node, Not, Or, Term, parse_query  # noqa: F401 (doctests)
from indexer.query.tree import SENTENCE_ENDS
from indexer.spans import find_spans, merge_spans

_SENTENCE_END = re.compile(f"[{SENTENCE_ENDS}]")


@dataclass(frozen=True)
class Group:
    """A proximity requirement on folded terms: `window` None means one sentence."""

    terms: tuple[str, ...]
    window: int | None

    @classmethod
    def of(cls, node: Near) -> Group:
        return cls(tuple(dict.fromkeys(fold(t) for t in node.terms)), node.window)


def sentences(text: str) -> list[tuple[int, int]]:
    """Return the [start, end) of each sentence; end marks belong to their sentence.

    >>> sentences("甲。乙！丙")
    [(0, 2), (2, 4), (4, 5)]
    """
    cuts = [m.end() for m in _SENTENCE_END.finditer(text)]
    starts = [0, *cuts]
    ends = [*cuts, len(text)]
    return [(s, e) for s, e in zip(starts, ends, strict=True) if s < e]


def occurrences(text: str, term: str) -> list[int]:
    """Return the start of every occurrence of `term` in `text`, overlapping ones included."""
    found = []
    start = text.find(term)
    while start != -1:
        found.append(start)
        start = text.find(term, start + 1)
    return found


def _windows(text: str, group: Group) -> list[tuple[int, int]]:
    """Return the [start, end) ranges within which every occurrence takes part in a match."""
    terms = group.terms
    if group.window is None:
        return [(s, e) for s, e in sentences(text) if all(t in text[s:e] for t in terms)]
    starts = [occurrences(text, t) for t in terms]
    if not all(starts):
        return []
    limit = group.window + sum(len(t) for t in terms)
    windows: list[tuple[int, int]] = []
    # The best match whose earliest occurrence starts at `anchor` takes, of each term, its
    # first occurrence at or after the anchor; anything else only ends later.
    for anchor in sorted({s for found in starts for s in found}):
        latest = anchor
        for term, found in zip(terms, starts, strict=True):
            k = bisect_left(found, anchor)
            if k == len(found):
                return windows  # a later anchor lacks this term too
            latest = max(latest, found[k] + len(term))
        if latest - anchor <= limit:
            windows.append((anchor, anchor + limit))
    return windows


def matches(folded_text: str, group: Group) -> bool:
    """Say whether a passage's folded text satisfies the group."""
    pattern, exact = _pattern(group)
    if pattern is not None:
        if pattern.search(folded_text) is not None:
            return True
        if exact:
            return False
    return bool(_windows(folded_text, group))


def _can_overlap(a: str, b: str) -> bool:
    """Say whether occurrences of `a` and `b` can share characters."""
    return (
        a in b
        or b in a
        or any(a.endswith(b[:k]) or b.endswith(a[:k]) for k in range(1, min(len(a), len(b))))
    )


@functools.lru_cache(maxsize=256)
def _pattern(group: Group) -> tuple[re.Pattern[str] | None, bool]:
    """Return a regex that finds matches in C, and whether its failing proves there is none.

    Same sentence: at a sentence start, look ahead within the sentence for each term
    (exact; a term with an end mark before its last character is never in one sentence).
    NEAR of two terms: one, at most n characters, the other (misses only overlaps).
    """
    terms = group.terms
    if group.window is None:
        if any(_SENTENCE_END.search(t[:-1]) for t in terms):
            return re.compile(r"(?!)"), True
        ahead = "".join(f"(?=[^{SENTENCE_ENDS}]*{re.escape(t)})" for t in terms)
        return re.compile(f"(?:^|[{SENTENCE_ENDS}]){ahead}"), True
    if len(terms) == 2:
        a, b = map(re.escape, terms)
        gap = f"[\\s\\S]{{0,{group.window}}}"
        return re.compile(f"{a}{gap}{b}|{b}{gap}{a}"), not _can_overlap(*terms)
    return None, False


def group_occurrences(folded_text: str, group: Group) -> list[tuple[int, int]]:
    """Return each occurrence of the group's terms that takes part in a match, unmerged.

    Sorted and each once, overlapping ones included: what a count of occurrences resolves.
    """
    spans: set[tuple[int, int]] = set()
    for start, end in _windows(folded_text, group):
        piece = folded_text[start:end]
        for term in group.terms:
            spans.update((start + s, start + s + len(term)) for s in occurrences(piece, term))
    return sorted(spans)


def group_spans(folded_text: str, group: Group) -> list[tuple[int, int]]:
    """Return the occurrences of the group's terms that take part in a match, merged."""
    return merge_spans(group_occurrences(folded_text, group))


class HighlightTerms(list[str]):
    """Folded terms to mark wherever they occur, and proximity groups to mark where they match.

    A list (of the plain terms) so that code expecting a list of terms keeps working.
    """

    def __init__(self, plain: Iterable[str], groups: Iterable[Group] = ()) -> None:
        super().__init__(plain)
        self.groups = tuple(groups)


def highlight_terms(node: Node) -> HighlightTerms:
    """Return what to mark for a query: its positive terms, proximity groups apart.

    >>> marks = highlight_terms(parse_query("复议 同句(行政复议 应诉) -NEAR(a b, 2)"))
    >>> list(marks), marks.groups
    (['复议'], (Group(terms=('行政复议', '应诉'), window=None),))
    """
    plain: dict[str, None] = {}
    groups: dict[Group, None] = {}

    def walk(n: Node, negated: bool) -> None:
        if negated:
            if isinstance(n, Not):
                walk(n.item, False)
            elif isinstance(n, And | Or):
                for item in n.items:
                    walk(item, True)
        elif isinstance(n, Term):
            plain.setdefault(fold(n.text))
        elif isinstance(n, Near):
            groups.setdefault(Group.of(n))
        elif isinstance(n, Not):
            walk(n.item, True)
        elif isinstance(n, And | Or):
            for item in n.items:
                walk(item, False)

    walk(node, False)
    return HighlightTerms([t for t in plain if t], groups)


def highlight_spans(folded_text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Return the spans to mark in a passage: plain terms everywhere, groups where they match."""
    spans = find_spans(folded_text, terms)
    for group in getattr(terms, "groups", ()):
        spans.extend(group_spans(folded_text, group))
    return merge_spans(spans)
