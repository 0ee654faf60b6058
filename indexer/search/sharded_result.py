"""A query's result over every shard: totals summed, facets counted, groups merged in one
index's order, and the workbench's views of it (trends, concordance, collocations, newest).

Each shard ranks its own groups with the whole index's statistics and breaks ties by
whole-index report ordinals, so merging the shards' group keys (`sorting.merge_keys`)
gives one index's order. A page at `offset` asks each shard for its first
`offset + limit` groups' keys (doubled until enough), then the winners' passages from the
shards holding them, as (group rank, first, end) slices of each group's passages: best
first for hits, in text order for the collocations' reading, by occurrence for the
concordance. Where a round trip costs (Ray), each shard's first answer also brings as
many of its first hits as the caller said it reads (`ShardedEngine.search`'s
`first_hits`): the first page of hits then needs no second call.
Everything summed (tallies of occurrences, the sentences' words, word frequencies) is
summed over shards holding disjoint reports, so it is one index's count.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from indexer.query import cited_laws, explain_query
from indexer.query.proximity import highlight_terms
from indexer.search import collocations as collocating
from indexer.search import trends as trending
from indexer.search.answered import Answered
from indexer.search.facets import PUBLIC_FACETS, Facets
from indexer.search.filters import with_filters
from indexer.search.kwic import DEFAULT_WIDTH, KwicRow, check_order, check_sortable
from indexer.search.newest import NewReport
from indexer.search.results import Hit, ReportGroup
from indexer.search.shard_service import ShardService, ShardSummary
from indexer.search.shard_set import Coordinator
from indexer.search.sorting import merged_order

Filters = Mapping[str, Sequence[str]]
Piece = tuple[int, int, int, int]  # (shard, group rank in the shard, first, end)

# Groups' keys asked of each shard for a page of passages, doubled until enough.
FIRST_KEYS = 64


@dataclass(frozen=True)
class Merged:
    """Every shard's first `upto` groups, merged: the first of them in one index's order.

    Made whole and never changed, so threads reading a result (a page, an export) each
    hold one consistent merge while another asks for more groups.
    """

    upto: int
    summaries: dict[int, ShardSummary]
    shard_of: np.ndarray  # per merged group, its shard
    rank_of: np.ndarray  # and its rank in that shard
    sizes: np.ndarray  # and its matching passages
    flat_starts: np.ndarray  # where its passages start among all, in this order

    @classmethod
    def of(cls, upto: int, summaries: dict[int, ShardSummary]) -> Merged:
        keyed = [(k, s) for k, s in sorted(summaries.items()) if len(s.keys)]
        stacked = np.concatenate([s.keys for _, s in keyed]) if keyed else np.empty((0, 3))
        empty = [np.empty(0, np.int64)]
        shard_of = np.concatenate([np.full(len(s.keys), k, np.int64) for k, s in keyed] or empty)
        rank_of = np.concatenate([np.arange(len(s.keys)) for _, s in keyed] or empty)
        sizes = np.concatenate([s.sizes for _, s in keyed] or empty)
        # The first `upto` merged groups are exact: every shard gave its first `upto`.
        order = merged_order(stacked)[:upto]
        sizes = sizes[order]
        flat_starts = np.r_[0, np.cumsum(sizes)].astype(np.int64)
        return cls(upto, summaries, shard_of[order], rank_of[order], sizes, flat_starts)

    @property
    def group_count(self) -> int:
        """Every group of every shard (answering), of which the first `upto` are here."""
        return sum(s.groups for s in self.summaries.values())

    @property
    def complete(self) -> bool:
        return len(self.shard_of) >= self.group_count

    def pieces(self, offset: int, end: int, starts: np.ndarray) -> list[Piece]:
        """The (shard, rank, first, end) slices of the merged groups that hold the items
        offset…end, where group g's items start at `starts[g]` (passages, occurrences)."""
        pieces: list[Piece] = []
        group = int(np.searchsorted(starts, offset, side="right")) - 1
        while group < len(starts) - 1 and starts[group] < end:
            base = int(starts[group])
            first, stop = max(0, offset - base), min(end, int(starts[group + 1])) - base
            if first < stop:
                pieces.append((int(self.shard_of[group]), int(self.rank_of[group]), first, stop))
            group += 1
        return pieces


@dataclass(frozen=True)
class Ahead:
    """A shard's first hits, sent with its first answer (`ShardSummary.hits`), and where
    each of its groups' passages start in its own order."""

    starts: np.ndarray
    first: tuple[Hit, ...]

    @classmethod
    def of(cls, summary: ShardSummary) -> Ahead:
        return cls(np.r_[0, np.cumsum(summary.sizes)].astype(np.int64), summary.hits)

    def hits(self, rank: int, first: int, stop: int) -> list[Hit] | None:
        """The hits of passages first…stop of the shard's group `rank`, if sent."""
        if rank + 1 >= len(self.starts) or self.starts[rank] + stop > len(self.first):
            return None
        base = int(self.starts[rank])
        return list(self.first[base + first : base + stop])


class ShardedResult:
    """Every match of a query over every shard: totals summed, facets counted, groups merged.

    Made with the shards' totals and first groups' keys, and each shard's first
    `hits_ahead` hits; the rest is asked when used. `shards` says which shards answered
    every call it made.
    """

    def __init__(
        self,
        engine: Coordinator,
        query: str,
        filters: Filters | None,
        sort: str,
        answered: Answered,
        hits_ahead: int,
    ) -> None:
        started = time.perf_counter()
        self.engine, self.query, self.filters, self.sort = engine, query, filters, sort
        self.shards = answered
        tree = with_filters(query, filters or {})
        self.interpretation = explain_query(tree)
        self.terms = highlight_terms(tree)
        self.laws = tuple(cited_laws(tree))
        self._lock = threading.Lock()
        # The first call brings what a page and the API read next: one round trip.
        summaries = self.ask(ShardService.search, FIRST_KEYS, True, hits_ahead)
        self._merged = Merged.of(FIRST_KEYS, summaries)
        self._ahead = {k: Ahead.of(s) for k, s in summaries.items() if s.hits}
        self.total_passages = sum(s.total_passages for s in summaries.values())
        self.total_reports = sum(s.total_reports for s in summaries.values())
        self._report_hits = [s.report_hits for s in summaries.values() if s.report_hits]
        self._facets: Facets | None = None
        self._occurrences: int | None = sum(s.occurrences or 0 for s in summaries.values())
        self._occurrence_starts: tuple[Merged, np.ndarray] | None = None
        self.took_ms = round((time.perf_counter() - started) * 1000, 2)

    def ask(self, method: Any, *args: Any, shards: Sequence[int] | None = None) -> dict[int, Any]:
        """Ask the shards a `ShardService` call about this query (query, filters, sort
        first)."""
        call = (self.query, self.filters, self.sort, *args)
        return self.engine.ask(method, call, self.shards, shards)

    # the merged order of groups -----------------------------------------------------

    def merged(self, upto: int) -> Merged:
        """A merge of every shard's first `upto` groups or more (asked only when more)."""
        with self._lock:
            if upto > self._merged.upto:
                self._merged = Merged.of(upto, self.ask(ShardService.search, upto))
            return self._merged

    @property
    def group_count(self) -> int:
        return self._merged.group_count

    def _covering(self, passages: int) -> Merged:
        """A merge of the groups that hold the first `passages` passages."""
        merged = self.merged(FIRST_KEYS)
        upto = merged.upto
        while merged.flat_starts[-1] < min(passages, self.total_passages) and not merged.complete:
            upto *= 2
            merged = self.merged(upto)
        return merged

    def merged_positions(self) -> dict[tuple[int, int], int]:
        """Every group's place in the merged order, by (shard, its rank in the shard)."""
        merged = self.merged(max(self.group_count, 1))
        pairs = zip(merged.shard_of.tolist(), merged.rank_of.tolist(), strict=True)
        return {pair: position for position, pair in enumerate(pairs)}

    def gathered(self, method: Any, pieces: Sequence[Piece], *args: Any) -> list[Any]:
        """Ask each shard `method(*args, slices)` for its pieces; return the items in the
        pieces' order (a shard that did not answer, accepted as partial, gives none)."""
        by_shard: dict[int, list[tuple[int, int, int]]] = {}
        for shard, rank, first, stop in pieces:
            by_shard.setdefault(shard, []).append((rank, first, stop))
        sent = {shard: (*args, slices) for shard, slices in by_shard.items()}
        found = self.engine.ask_each(method, sent, self.shards)
        answers = {shard: iter(items) for shard, items in found.items()}
        out: list[Any] = []
        for shard, _rank, first, stop in pieces:
            if shard in answers:
                out.extend(itertools.islice(answers[shard], stop - first))
        return out

    def occurrence_starts(self, rows: int) -> tuple[Merged, np.ndarray]:
        """A merge covering the first `rows` occurrences, and where each of its groups'
        occurrences start."""
        merged = self.merged(FIRST_KEYS)
        while True:
            known = self._occurrence_starts
            if known is not None and known[0] is merged:
                starts = known[1]
            else:
                answers = self.ask(ShardService.group_occurrences, merged.upto)
                pairs = zip(merged.shard_of.tolist(), merged.rank_of.tolist(), strict=True)
                found = [int(answers[k][rank]) if k in answers else 0 for k, rank in pairs]
                starts = np.r_[0, np.cumsum(found, dtype=np.int64)].astype(np.int64)
                self._occurrence_starts = (merged, starts)
            if starts[-1] >= min(rows, self.total_occurrences) or merged.complete:
                return merged, starts
            merged = self.merged(merged.upto * 2)

    # groups and hits -------------------------------------------------------------------

    def groups(
        self, offset: int = 0, limit: int | None = None, passages_per_group: int | None = 3
    ) -> list[ReportGroup]:
        end = self.group_count if limit is None else min(offset + limit, self.group_count)
        if offset >= end:
            return []
        merged = self.merged(end)
        wanted = merged.shard_of[offset:end].tolist()
        by_shard: dict[int, list[int]] = {}
        for shard, rank in zip(wanted, merged.rank_of[offset:end].tolist(), strict=True):
            by_shard.setdefault(shard, []).append(rank)
        call = (self.query, self.filters, self.sort)
        sent = {shard: (*call, ranks, passages_per_group) for shard, ranks in by_shard.items()}
        found = self.engine.ask_each(ShardService.groups, sent, self.shards)
        answers = {shard: iter(groups) for shard, groups in found.items()}
        return [next(answers[shard]) for shard in wanted if shard in answers]

    def hits(self, offset: int = 0, limit: int | None = None) -> list[Hit]:
        """Hits in grouped rank order, as `SearchResult.hits` gives them."""
        end = self.total_passages if limit is None else min(offset + limit, self.total_passages)
        if offset >= end:
            return []
        merged = self._covering(end)
        pieces = merged.pieces(offset, end, merged.flat_starts)
        ahead = [self._ahead[p[0]].hits(*p[1:]) if p[0] in self._ahead else None for p in pieces]
        if all(found is not None for found in ahead):  # the shards sent them: no round trip
            return [hit for found in ahead for hit in found or ()]
        call = (self.query, self.filters, self.sort)
        asked: list[Hit] = self.gathered(ShardService.hits, pieces, *call)
        return asked

    def iter_hits(self, batch: int = 500) -> Iterator[Hit]:
        for start in range(0, self.total_passages, batch):
            yield from self.hits(start, batch)

    # counts ------------------------------------------------------------------------

    @property
    def all_facets(self) -> Facets:
        if self._facets is None:
            # Counted here, once, over every shard's matching reports: one index's count.
            self._facets = self.engine.count_facets(self._report_hits, self.shards)
        return self._facets

    @property
    def facets(self) -> dict[str, list[dict[str, object]]]:
        return {name: self.all_facets[name] for name in PUBLIC_FACETS}

    @property
    def total_occurrences(self) -> int:
        if self._occurrences is None:
            self._occurrences = sum(self.ask(ShardService.occurrences).values())
        return self._occurrences

    @property
    def nbytes(self) -> int:
        ahead = sum(len(hit.text) * 4 for shard in self._ahead.values() for hit in shard.first)
        return int(self._merged.sizes.nbytes * 4) + ahead + 4096

    # the workbench's views of a result -------------------------------------------------

    def trends(self) -> dict[str, Any]:
        """`SearchResult.trends`: the shards' tallies summed, then the figures."""
        tallies = trending.add_tallies(list(self.ask(ShardService.trend_tallies).values()))
        everything = self.engine.facets_of_everything(self.shards)
        return trending.trends(self, tallies, everything)

    def concordance(
        self, *, width: int = DEFAULT_WIDTH, sort: str = "report"
    ) -> ShardedConcordance:
        """`SearchResult.concordance`, over every shard."""
        return ShardedConcordance(self, width=width, sort=sort)

    def collocations(
        self, limit: int = collocating.DEFAULT_LIMIT, max_passages: int = collocating.MAX_PASSAGES
    ) -> dict[str, Any]:
        """`SearchResult.collocations`: the first `max_passages` passages of the merged
        reading order, their words counted by their shards, scored against the whole
        index's word frequencies."""
        end = min(max_passages, self.total_passages)
        merged = self._covering(end)
        by_shard: dict[int, list[tuple[int, int, int]]] = {}
        for shard, rank, first, stop in merged.pieces(0, end, merged.flat_starts):
            by_shard.setdefault(shard, []).append((rank, first, stop))
        parts: list[collocating.SentenceWords] = []
        for shard, slices in by_shard.items():
            found = self.ask(ShardService.sentence_words, slices, shards=[shard])
            parts.extend(found.values())
        counted = collocating.SentenceWords.added(parts)
        words = collocating.candidates(counted)
        answers = self.engine.ask(ShardService.word_frequencies, (words,), self.shards)
        corpus = next(iter(answers.values()))[0] if answers else 0.0
        frequency: dict[str, int] = {}
        for _, counts in answers.values():
            for word, count in counts.items():
                frequency[word] = frequency.get(word, 0) + count
        return collocating.collocations(self.query, counted, corpus, frequency, limit)

    def newest(self, limit: int) -> list[NewReport]:
        """`SearchResult.newest`: each shard's newest, merged by build, then by the
        merged rank."""
        found = [pair for part in self.ask(ShardService.newest, limit).values() for pair in part]
        found.sort(key=lambda pair: pair[0])  # the merged rank
        found.sort(key=lambda pair: pair[1].built, reverse=True)  # stable: rank kept
        return [report for _, report in found[:limit]]


class ShardedConcordance:
    """`kwic.Concordance` over every shard, row for row what one index gives.

    In report order, the merged groups' occurrences say which groups hold a page's rows,
    and their shards give those rows. In a context order, every shard sorts its rows
    (at most `kwic.MAX_SORTED` in all) and gives their keys; ties between shards break by
    the merged group order, as one index breaks them by its report order, and the sorted
    streams are merged once; a page's rows are then asked of the shards holding them.
    """

    def __init__(self, result: ShardedResult, *, width: int = DEFAULT_WIDTH, sort: str = "report"):
        check_order(width, sort)
        self.result, self.width, self.sort = result, width, sort
        self.total = result.total_occurrences
        self._order: list[tuple[int, int]] = []  # context order: (shard, its position)
        if sort != "report":
            check_sortable(self.total, sort)
            self._order = self._merge_sorted()

    def _ask(self, method: Any, *args: Any, shards: Sequence[int] | None = None) -> dict[int, Any]:
        result = self.result
        call = (result.query, result.filters, result.sort, self.width, *args)
        return result.engine.ask(method, call, result.shards, shards)

    def _merge_sorted(self) -> list[tuple[int, int]]:
        answers = self._ask(ShardService.kwic_keys, self.sort)
        position = self.result.merged_positions()
        streams = [
            [
                ((context, match, position[shard, group], rank), shard, at)
                for at, (context, match, group, rank) in enumerate(keys)
            ]
            for shard, keys in sorted(answers.items())
        ]
        return [(shard, at) for _, shard, at in heapq.merge(*streams)]

    def rows(self, offset: int = 0, limit: int | None = None) -> list[KwicRow]:
        """Return rows offset … offset + limit (all after offset when None)."""
        end = self.total if limit is None else min(self.total, offset + limit)
        if offset >= end:
            return []
        if self.sort == "report":
            result = self.result
            merged, starts = result.occurrence_starts(end)
            pieces = merged.pieces(offset, end, starts)
            call = (result.query, result.filters, result.sort, self.width)
            found: list[KwicRow] = result.gathered(ShardService.kwic_rows, pieces, *call)
            return found
        wanted = self._order[offset:end]
        by_shard: dict[int, list[int]] = {}
        for shard, at in wanted:
            by_shard.setdefault(shard, []).append(at)
        answers: dict[int, Iterator[KwicRow]] = {}
        for shard, positions in by_shard.items():
            got = self._ask(ShardService.kwic_sorted_rows, self.sort, positions, shards=[shard])
            if shard in got:
                answers[shard] = iter(got[shard])
        return [next(answers[shard]) for shard, _ in wanted if shard in answers]

    def iter_rows(self) -> Iterator[KwicRow]:
        """Yield every row in order, a batch at a time (for exports)."""
        step = 500
        for start in range(0, self.total, step):
            yield from self.rows(start, step)
