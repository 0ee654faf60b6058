"""Which passages match a parsed query: boolean masks over passage ordinals.

Terms come from the literal index (every occurrence, exactly Python's `in` on folded
text), proximity groups from `near_mask` below, fields from `filters.FilterMasks`; the
query's operators combine them. Ranking, grouping and facets are `ranking.SearchResult`'s.
"""

from __future__ import annotations

import numpy as np

from indexer.index.literal import LiteralIndex
from indexer.query import And, Field, Near, Node, Not, Or, Term, YearFilter, cited_laws
from indexer.query.proximity import Group, matches
from indexer.search.filters import FilterMasks
from indexer.search.generation import Generation


class Matcher:
    """Evaluates query trees over one generation's passages."""

    def __init__(self, generation: Generation) -> None:
        self.generation = generation
        self.filters = FilterMasks(generation)

    def matching(self, tree: Node) -> np.ndarray:
        """Return the sorted ordinals of the live passages matching a parsed query."""
        if isinstance(tree, Term):
            # One string, the commonest query: the literal answer is already sorted and
            # live, and a mask over every passage would cost more than the lookup.
            return self.generation.literal.passages_containing(tree.text)
        return np.flatnonzero(self.mask(tree))

    def count(self, tree: Node) -> int:
        """How many live passages match a parsed query."""
        if isinstance(tree, Term):
            return len(self.generation.literal.passages_containing(tree.text))
        return int(np.count_nonzero(self.mask(tree)))

    def mask(self, tree: Node) -> np.ndarray:
        """The live passages matching a parsed query, as a mask over every ordinal."""
        mask = self._mask(tree, cite=bool(cited_laws(tree)))
        mask &= self.generation.live  # removed passages (a NOT would bring them back)
        return mask

    def _mask(self, node: Node, *, cite: bool) -> np.ndarray:
        generation = self.generation
        if isinstance(node, Term):
            mask = np.zeros(generation.passage_count, dtype=bool)
            mask[generation.literal.passages_containing(node.text)] = True
            return mask
        if isinstance(node, Near):
            return near_mask(generation.literal, generation.passage_count, node)
        if isinstance(node, Field):
            return self.filters.field(node.name, node.value, cite=cite)
        if isinstance(node, YearFilter):
            return self.filters.years(node.low, node.high)
        if isinstance(node, Not):
            return ~self._mask(node.item, cite=False)  # a NOT of law: excludes its reports
        if isinstance(node, And | Or):
            mask = self._mask(node.items[0], cite=cite)
            for item in node.items[1:]:
                if isinstance(node, And):
                    mask &= self._mask(item, cite=cite)
                else:
                    mask |= self._mask(item, cite=cite)
            return mask
        raise TypeError(f"unexpected query node {node!r}")


def near_mask(literal: LiteralIndex, passage_count: int, node: Near) -> np.ndarray:
    """Return a boolean mask of the passages that satisfy `node`."""
    group = Group.of(node)
    lists = sorted((literal.passages_containing(t) for t in group.terms), key=len)
    candidates = lists[0]
    for other in lists[1:]:
        candidates = np.intersect1d(candidates, other, assume_unique=True)
    mask = np.zeros(passage_count, dtype=bool)
    keep = [o for o in candidates.tolist() if matches(literal.folded_passage(o), group)]
    mask[keep] = True
    return mask
