"""Two reports compared passage by passage: shared, only in one, changed, with the changes.

- **shared**: a passage of A whose text, folded and without whitespace (what similar
  passages compare, `similar_sign.folded`), is a passage of B's; copies pair in order.
- **changed**: a passage of A and one of B that are near-duplicates but not the same: the
  pairs the similar-passage tables hold (MinHash, Jaccard ≥ 0.8 of 5-character shingles,
  passages of 30 characters or more), then, among what is left of two reports of at most
  `MAX_LEFT_PAIRS` passage pairs, those difflib finds at least `MIN_RATIO` alike (short
  headings, paragraphs rewritten more). Each passage is in one pair at most, best first.
  `similarity` is difflib's ratio of the two texts as written (2 × matching characters /
  both lengths), and the changes are the characters each side has that the other has not
  (difflib's opcodes, `[start, end)` spans of each text).
- **only_a**, **only_b**: the rest of each report.

Lists keep each report's reading order (shared and changed in A's).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from indexer.errors import QueryError
from indexer.index.similar_sign import folded

if TYPE_CHECKING:
    from indexer.index.store import ReportRecord
    from indexer.models import Passage, Report

MIN_RATIO = 0.6
MAX_LEFT_PAIRS = 40_000
Span = tuple[int, int]


@dataclass(frozen=True)
class Change:
    """A passage of A and its changed version in B."""

    a: Passage
    b: Passage
    similarity: float
    a_changes: list[Span]  # what A has that B has not
    b_changes: list[Span]  # what B has that A has not


@dataclass(frozen=True)
class Comparison:
    a: Report
    b: Report
    shared: list[tuple[Passage, Passage]]
    changed: list[Change]
    only_a: list[Passage]
    only_b: list[Passage]


def differences(a: str, b: str) -> tuple[float, list[Span], list[Span]]:
    """Return difflib's ratio of two texts and the spans each has that the other has not."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    in_a: list[Span] = []
    in_b: list[Span] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op in ("replace", "delete"):
            in_a.append((a1, a2))
        if op in ("replace", "insert"):
            in_b.append((b1, b2))
    return round(matcher.ratio(), 3), in_a, in_b


class NearCopies(Protocol):
    """The similar-passage tables (`similar.SimilarPassages`, or a sharded index's)."""

    def of_passages(self, ordinals: np.ndarray) -> dict[int, list[tuple[int, float]]]: ...


class Comparable(Protocol):
    """What comparing reads of an engine (`SearchEngine`, or a sharded index's)."""

    @property
    def similar(self) -> NearCopies: ...

    def report(self, report_id: str) -> Report: ...

    def passage_ordinals(self, report_id: str) -> list[int]: ...

    def report_summaries(self) -> list[ReportRecord]: ...


def compare(engine: Comparable, a_id: str, b_id: str) -> Comparison:
    """Compare report `a_id` with `b_id` (NotFoundError for one the index does not hold)."""
    if a_id == b_id:
        raise QueryError("两份报告相同，请选另一份报告来对比", hint="换一个报告编号 b")
    a, b = engine.report(a_id), engine.report(b_id)
    waiting: dict[str, list[int]] = {}
    for j, passage in enumerate(b.passages):
        waiting.setdefault(folded(passage.text), []).append(j)
    shared: list[tuple[int, int]] = []
    left_a: list[int] = []
    for i, passage in enumerate(a.passages):
        copies = waiting.get(folded(passage.text))
        if copies:
            shared.append((i, copies.pop(0)))
        else:
            left_a.append(i)
    taken_b = {j for _, j in shared}
    left_b = [j for j in range(len(b.passages)) if j not in taken_b]
    pairs = _near_copies(engine, a, b, left_a, left_b)
    pairs.update(_alike(a, b, [i for i in left_a if i not in pairs], left_b, set(pairs.values())))
    changed = []
    for i in sorted(pairs):
        pa, pb = a.passages[i], b.passages[pairs[i]]
        ratio, in_a, in_b = differences(pa.text, pb.text)
        changed.append(Change(pa, pb, ratio, in_a, in_b))
    paired_b = set(pairs.values())
    return Comparison(
        a=a,
        b=b,
        shared=[(a.passages[i], b.passages[j]) for i, j in shared],
        changed=changed,
        only_a=[a.passages[i] for i in left_a if i not in pairs],
        only_b=[b.passages[j] for j in left_b if j not in paired_b],
    )


def _near_copies(
    engine: Comparable, a: Report, b: Report, left_a: list[int], left_b: list[int]
) -> dict[int, int]:
    """Pairs (index in A → index in B) the similar-passage tables know, best first."""
    ordinals_a = engine.passage_ordinals(a.report_id)
    ordinals_b = engine.passage_ordinals(b.report_id)
    index_of_b = {ordinals_b[j]: j for j in left_b}
    found = engine.similar.of_passages(np.asarray([ordinals_a[i] for i in left_a]))
    index_of_a = {ordinals_a[i]: i for i in left_a}
    candidates = [
        (similarity, index_of_a[source], index_of_b[target])
        for source, targets in found.items()
        for target, similarity in targets
        if target in index_of_b
    ]
    return _greedy(candidates)


def _alike(
    a: Report, b: Report, left_a: list[int], left_b: list[int], taken: set[int]
) -> dict[int, int]:
    """Pairs difflib finds alike among what is left (bounded: `MAX_LEFT_PAIRS`)."""
    free_b = [j for j in left_b if j not in taken]
    if not left_a or not free_b or len(left_a) * len(free_b) > MAX_LEFT_PAIRS:
        return {}
    candidates = []
    for i in left_a:
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(a.passages[i].text)
        for j in free_b:
            matcher.set_seq1(b.passages[j].text)
            if matcher.real_quick_ratio() >= MIN_RATIO and matcher.quick_ratio() >= MIN_RATIO:
                ratio = matcher.ratio()
                if ratio >= MIN_RATIO:
                    candidates.append((ratio, i, j))
    return _greedy(candidates)


def _greedy(candidates: list[tuple[float, int, int]]) -> dict[int, int]:
    """Pair the most similar first; each passage of either side once."""
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for _, i, j in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if i not in pairs and j not in used:
            pairs[i] = j
            used.add(j)
    return pairs


def counterparts(engine: Comparable, report_id: str) -> list[ReportRecord]:
    """The other reports of the same issuer (canonical name), by year, newest first."""
    records = engine.report_summaries()
    own = next((r for r in records if r.report_id == report_id), None)
    if own is None or not own.metadata.issuer:
        return []
    same = [
        r for r in records if r.metadata.issuer == own.metadata.issuer and r.report_id != report_id
    ]
    return sorted(same, key=lambda r: (-(r.metadata.year or 0), r.metadata.label))
