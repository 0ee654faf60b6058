"""Occurrences: every place in a passage that a query matched, located and counted exactly.

An occurrence is one stretch of a matching passage that the query marks: an occurrence of
a positive term (行政复议), of a term of a 同句/NEAR group inside a sentence or window where
the group matches (`proximity.group_occurrences`), or, for `law:` alone, a citation of
the law. Where such stretches overlap (复议 inside 行政复议 when both are searched; 啊啊
twice in 啊啊啊) they are taken left to right, the longest first at one place, so each
character belongs to at most one occurrence: what the regular expression `行政复议|复议`
finds, and what a concordance lists one line each. Only the query's matching passages
count.

Counting one term over many passages (的 in 258,154 of the laws corpus's 362,378) scans a
literal segment's folded UTF-8 once with numpy and gives each hit to its passage
(`LiteralSegment.counts_of`; the generation's `LiteralIndex.counts_in` keeps the counts
per term); fewer passages, or several terms, are counted passage by passage with one
compiled expression over the memory-mapped bytes. Both give exactly `_resolve`'s
answer, which is what `locate` returns for one passage (a test compares them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from indexer.query.proximity import Group, group_occurrences, occurrences
from indexer.search.laws import citation_spans

if TYPE_CHECKING:
    from indexer.search.generation import Generation

Span = tuple[int, int]
# A segment is scanned whole when at least this share of its passages is counted: the scan
# costs ~6 ms a segment, a passage read alone ~1.5 µs (break-even near 1/8), but a scan's
# counts are kept for the next query of the term, and a frequent term recurs.
_DENSE_SHARE = 1 / 32
_STORE_BATCH = 500


@dataclass(frozen=True)
class Marks:
    """What a query marks in a passage: plain terms, proximity groups, cited laws (folded)."""

    terms: tuple[str, ...] = ()
    groups: tuple[Group, ...] = ()
    laws: tuple[str, ...] = ()

    @classmethod
    def of(cls, terms: Sequence[str], laws: Sequence[str] = ()) -> Marks:
        """From `proximity.highlight_terms` (its list and `groups`) and `query.cited_laws`."""
        return cls(tuple(terms), tuple(getattr(terms, "groups", ())), tuple(laws))

    @property
    def all_terms(self) -> tuple[str, ...]:
        """The plain terms and the groups' terms, each once."""
        grouped = (term for group in self.groups for term in group.terms)
        return tuple(dict.fromkeys([*self.terms, *grouped]))

    @property
    def plain(self) -> bool:
        """Only plain terms: occurrences are found in the folded text alone."""
        return not self.groups and not self.laws

    def __bool__(self) -> bool:
        return bool(self.terms or self.groups or self.laws)


def _resolve(candidates: list[Span]) -> list[Span]:
    """Left to right, the longest first at one start, none overlapping one already taken."""
    taken: list[Span] = []
    end = 0
    for start, stop in sorted(candidates, key=lambda span: (span[0], -span[1])):
        if start >= end:
            taken.append((start, stop))
            end = stop
    return taken


def locate(folded: str, marks: Marks, text: str = "") -> list[Span]:
    """Return a passage's occurrences, in order; `text` (as written) is needed for laws."""
    candidates: list[Span] = []
    for term in marks.terms:
        candidates.extend((s, s + len(term)) for s in occurrences(folded, term))
    for group in marks.groups:
        candidates.extend(group_occurrences(folded, group))
    if marks.laws:
        candidates.extend(citation_spans(text, marks.laws))
    return _resolve(candidates)


def _expression(terms: Sequence[str]) -> re.Pattern[bytes]:
    """The terms as one expression over UTF-8, longest first (so longest at one place)."""
    ordered = sorted(dict.fromkeys(terms), key=len, reverse=True)
    return re.compile(b"|".join(re.escape(term.encode("utf-8")) for term in ordered))


def _overlaps_itself(term: str) -> bool:
    """Whether two occurrences of `term` can overlap (啊啊, 1.1.1): a border of itself."""
    return any(term[:k] == term[-k:] for k in range(1, len(term)))


def count(generation: Generation, ordinals: np.ndarray, marks: Marks) -> np.ndarray:
    """Return the occurrences in each passage of sorted `ordinals` (int64, aligned)."""
    ordinals = np.asarray(ordinals, dtype=np.int64)
    counts = np.zeros(len(ordinals), dtype=np.int64)
    if not len(ordinals) or not marks:
        return counts
    if not marks.plain:
        for start in range(0, len(ordinals), _STORE_BATCH):
            chunk = ordinals[start : start + _STORE_BATCH]
            found = located(generation, chunk.tolist(), marks)
            counts[start : start + len(chunk)] = [len(found[int(o)]) for o in chunk]
        return counts
    literal = generation.literal
    segment_of = literal.segment_of[ordinals]
    local_of = literal.local_of[ordinals]
    expression = _expression(marks.terms)
    only = marks.terms[0] if len(marks.terms) == 1 else None
    for number in np.unique(segment_of).tolist():
        rows = np.flatnonzero(segment_of == number)
        segment = literal.segments[number]
        locals_ = local_of[rows]
        if (
            only is not None
            and not _overlaps_itself(only)
            and (len(rows) >= _DENSE_SHARE * len(segment))
        ):
            counts[rows] = literal.counts_in(number, only)[locals_]
            continue
        folded, starts = segment.folded, segment.byte_starts
        begin, end = starts[locals_].tolist(), starts[locals_ + 1].tolist()
        counts[rows] = [
            len(expression.findall(folded, b, e)) for b, e in zip(begin, end, strict=True)
        ]
    return counts


def located(generation: Generation, ordinals: Sequence[int], marks: Marks) -> dict[int, list[Span]]:
    """Return each passage's occurrences (character spans), by ordinal."""
    texts: dict[int, str] = {}
    if marks.laws:
        records = generation.store.passages(list(ordinals))
        texts = {o: record.passage.text for o, record in records.items()}
    literal = generation.literal
    return {
        int(o): locate(literal.folded_passage(int(o)), marks, texts.get(int(o), ""))
        for o in ordinals
    }


class Occurrences:
    """A result's occurrences: per matching passage, per report, and in all."""

    def __init__(
        self, ordinals: np.ndarray, counts: np.ndarray, passage_report: np.ndarray, reports: int
    ) -> None:
        order = np.argsort(ordinals, kind="stable")
        self._ordinals = np.asarray(ordinals, dtype=np.int64)[order]
        self._counts = np.asarray(counts, dtype=np.int64)[order]
        self.total = int(self._counts.sum())
        owners = passage_report[self._ordinals].astype(np.int64)
        self.per_report = np.bincount(owners, weights=self._counts, minlength=reports).astype(
            np.int64
        )

    @property
    def nbytes(self) -> int:
        return int(self._ordinals.nbytes + self._counts.nbytes + self.per_report.nbytes)

    def in_passage(self, ordinal: int) -> int:
        place = int(np.searchsorted(self._ordinals, ordinal))
        if place < len(self._ordinals) and self._ordinals[place] == ordinal:
            return int(self._counts[place])
        return 0

    def in_report(self, report_ordinal: int) -> int:
        if 0 <= report_ordinal < len(self.per_report):
            return int(self.per_report[report_ordinal])
        return 0

    def cumulative(self, ordinals: np.ndarray) -> np.ndarray:
        """The counts of `ordinals` (any order) summed in that order, starting at 0."""
        places = np.searchsorted(self._ordinals, ordinals)
        return np.r_[0, np.cumsum(self._counts[places])]
