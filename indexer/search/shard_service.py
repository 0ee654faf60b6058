"""One shard of a sharded index, answering its coordinator in plain data.

A sharded index (`index/cluster.py`) is searched by fanning each query out to its shards
and merging their answers (`sharded.py`). What a shard answers is computed here, by the
ordinary search code over the shard's generation, opened with the whole index's
statistics (`global_stats.GlobalStatistics`), so its scores, filters and facet counts are
those one index would give for these reports. Every call names the cluster generation the
query started on, so a query never mixes generations: a shard opens its generation as
that manifest names it (and keeps the latest two open).

Everything in and out is plain data (strings, numbers, numpy arrays, the frozen result
dataclasses), so a `ShardService` can live in this process or in a Ray actor on another
machine (`distributed/`) with the same code. Passages and reports cross by their
whole-index ordinals (a shard finds its own by binary search in `global_passage` and
`global_report`), and the report records it gives carry them. Searches are kept by their
query in a cache bounded in bytes, and concordances sorted by context by the last few
asked: the coordinator's follow-up calls (a page of groups, the facets, the occurrences,
the next page of rows) find what its first computed.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from cachetools import LRUCache

from indexer.index.cluster import Manifest
from indexer.index.global_stats import GlobalStatistics
from indexer.index.store import ReportRecord
from indexer.models import Passage, Report
from indexer.search import collocations, suggest
from indexer.search.facets import Facets
from indexer.search.generation import Generation
from indexer.search.kwic import Concordance, KwicRow, SortKey
from indexer.search.newest import NewReport, newest_ranked
from indexer.search.ranking import SearchResult
from indexer.search.results import Hit, ReportGroup
from indexer.search.sorting import merge_keys
from indexer.search.trends import Tallies, tally

Filters = Mapping[str, Sequence[str]]
FiltersKey = tuple[tuple[str, tuple[str, ...]], ...]
ReportHits = tuple[np.ndarray, np.ndarray]  # (whole-index report ordinals, their passages)

# Searches kept per shard for the coordinator's follow-up calls, bounded in bytes.
RESULTS_BYTES = 128 * 1024 * 1024
GENERATIONS_KEPT = 2
CONCORDANCES_KEPT = 8  # sorted by context, for the pages and exports that follow


def filters_key(filters: Filters | None) -> FiltersKey:
    """Filters as a hashable, order-free key."""
    return tuple(sorted((k, tuple(v)) for k, v in (filters or {}).items() if v))


@dataclass(frozen=True)
class ShardSummary:
    """A shard's answer to a search: its totals and its first groups' merge keys.

    `keys` are the rows `sorting.merge_keys` gives, one per group in the shard's rank
    order (at most `upto` of them); `sizes` their matching passages.
    """

    total_passages: int
    total_reports: int
    groups: int  # every group the shard has, of which `keys` holds the first
    keys: np.ndarray
    sizes: np.ndarray
    # With the first search of a query (`extras`): what a results page and the API read
    # next, so they cost no further round trip.
    report_hits: ReportHits | None = None
    occurrences: int | None = None
    # The first hits of the shard's own order (groups by rank, best passages first), sent
    # ahead where a second round trip costs more than making them (`ShardSet.hits_ahead`):
    # the first page's hits are among them, every shard's order being a part of the merge.
    hits: tuple[Hit, ...] = ()


class ShardEngine(Protocol):
    """What a shard's service asks of the engine over its generation (`SearchEngine`)."""

    generation: Generation

    def search(
        self, query: str, *, filters: Filters | None = None, sort: str = "relevance"
    ) -> SearchResult: ...

    def count(self, query: str, filters: Filters | None = None) -> int: ...

    def report(self, report_id: str) -> Report: ...

    def passage_ordinals(self, report_id: str) -> list[int]: ...

    def report_highlights(
        self, report_id: str, query: str, filters: Filters | None = None
    ) -> dict[str, list[tuple[int, int]]]: ...

    def report_summaries(self) -> list[ReportRecord]: ...


class ShardService:
    """Shard `shard` of the sharded index in `index_dir`, opened per cluster generation
    by `make_engine` (`SearchEngine`, which the search family's front door passes)."""

    def __init__(
        self, index_dir: str | Path, shard: int, make_engine: Callable[[Generation], ShardEngine]
    ) -> None:
        self.index_dir = Path(index_dir).resolve()
        self.shard = shard
        self._make_engine = make_engine
        self._engines: dict[str, ShardEngine] = {}
        self._lock = threading.Lock()
        self._results: LRUCache[tuple[Any, ...], SearchResult] = LRUCache(
            maxsize=RESULTS_BYTES, getsizeof=lambda result: result.nbytes + 4096
        )
        self._concordances: LRUCache[tuple[Any, ...], Concordance] = LRUCache(CONCORDANCES_KEPT)

    def engine(self, generation: str) -> ShardEngine:
        """The engine of this shard as cluster generation `generation` names it."""
        with self._lock:
            found = self._engines.get(generation)
            if found is not None:
                return found
            cluster = self.index_dir / generation
            path = Manifest.read(cluster).shards[self.shard]
            whole = GlobalStatistics(cluster, self.shard)
            found = self._make_engine(Generation(self.index_dir, path, whole))
            self._engines[generation] = found
            for old in list(self._engines)[:-GENERATIONS_KEPT]:
                self._engines.pop(old)  # closed when its last query lets go of it
            return found

    def result(
        self, generation: str, query: str, filters: Filters | None, sort: str
    ) -> SearchResult:
        key = (generation, query, filters_key(filters), sort)
        with self._lock:
            found = self._results.get(key)
        if found is None:
            found = self.engine(generation).search(query, filters=filters, sort=sort)
            with self._lock:
                self._results[key] = found
        return found

    def concordance(
        self,
        generation: str,
        query: str,
        filters: Filters | None,
        sort: str,
        width: int,
        order: str,
    ) -> Concordance:
        """The shard's concordance, in `order`, of its result of a query in `sort`."""
        key = (generation, query, filters_key(filters), sort, width, order)
        with self._lock:
            found = self._concordances.get(key)
        if found is None:
            result = self.result(generation, query, filters, sort)
            found = Concordance(result, width=width, sort=order)
            with self._lock:
                self._concordances[key] = found
        return found

    def generation(self, generation: str) -> Generation:
        return self.engine(generation).generation

    def _held(self, generation: str, ordinals: Sequence[int]) -> list[tuple[int, int]]:
        """(whole-index ordinal, this shard's) of the given live passages this shard holds."""
        generation_ = self.generation(generation)
        mine = generation_.global_passage
        wanted = np.asarray(ordinals, dtype=np.int64)
        at = np.minimum(np.searchsorted(mine, wanted), max(len(mine) - 1, 0))
        held = (mine[at] == wanted) if len(mine) else np.zeros(len(wanted), bool)
        held[held] &= generation_.live[at[held]]
        return list(zip(wanted[held].tolist(), at[held].tolist(), strict=True))

    def _whole(self, generation: str, record: ReportRecord) -> ReportRecord:
        """A report's record with its ordinal in the whole index (what one index gives)."""
        global_report = self.generation(generation).global_report
        return dataclasses.replace(record, ordinal=int(global_report[record.ordinal]))

    # the calls ------------------------------------------------------------------------

    def search(
        self,
        generation: str,
        query: str,
        filters: Filters | None,
        sort: str,
        upto: int,
        extras: bool = False,
        hits_ahead: int = 0,
    ) -> ShardSummary:
        """Totals and the first `upto` groups' keys; with `extras` the facets and the
        occurrences too; the first `hits_ahead` hits."""
        result = self.result(generation, query, filters, sort)
        keys, sizes = result.group_keys(upto)
        return ShardSummary(
            total_passages=result.total_passages,
            total_reports=result.total_reports,
            groups=result.group_count,
            keys=merge_keys(sort, keys, result.generation.global_report, sizes),
            sizes=sizes,
            report_hits=self._report_hits(result) if extras else None,
            occurrences=result.total_occurrences if extras else None,
            hits=tuple(result.hits(0, hits_ahead)) if hits_ahead else (),
        )

    def report_hits(
        self, generation: str, query: str, filters: Filters | None, sort: str
    ) -> ReportHits:
        return self._report_hits(self.result(generation, query, filters, sort))

    @staticmethod
    def _report_hits(result: SearchResult) -> ReportHits:
        """The reports with matches (whole-index ordinals) and their matching passages:
        what the coordinator counts facets of, once, as one index counts them."""
        counts = result.report_passage_counts()
        hit = np.flatnonzero(counts)
        return result.generation.global_report[hit].astype(np.int64), counts[hit]

    def occurrences(self, generation: str, query: str, filters: Filters | None, sort: str) -> int:
        return self.result(generation, query, filters, sort).total_occurrences

    def groups(
        self,
        generation: str,
        query: str,
        filters: Filters | None,
        sort: str,
        ranks: Sequence[int],
        per_group: int | None,
    ) -> list[ReportGroup]:
        """The shard's groups at `ranks` (its own rank order), with their best passages."""
        result = self.result(generation, query, filters, sort)
        return result.groups_at(ranks, per_group)

    def hits(
        self,
        generation: str,
        query: str,
        filters: Filters | None,
        sort: str,
        slices: Sequence[tuple[int, int, int]],
    ) -> list[Hit]:
        """The hits of (group rank, first, end) slices of groups' passages, best first."""
        return self.result(generation, query, filters, sort).hits_in_groups(slices)

    def count(self, generation: str, query: str, filters: Filters | None) -> int:
        return self.engine(generation).count(query, filters)

    def facets_of_everything(self, generation: str) -> Facets:
        return self.engine(generation).generation.facets_of_everything()

    def report(self, generation: str, report_id: str) -> Report:
        return self.engine(generation).report(report_id)

    def report_highlights(
        self, generation: str, report_id: str, query: str, filters: Filters | None
    ) -> dict[str, list[tuple[int, int]]]:
        return self.engine(generation).report_highlights(report_id, query, filters)

    def report_summaries(self, generation: str) -> list[ReportRecord]:
        """Every live report, its ordinal the whole index's."""
        return [self._whole(generation, r) for r in self.engine(generation).report_summaries()]

    def counts(self, generation: str) -> dict[str, int]:
        """Reports, passages and folded characters held (what `stats` says)."""
        generation_ = self.engine(generation).generation
        reports, passages = generation_.store.counts()
        characters = len(generation_.literal.folded_text)
        return {"reports": reports, "passages": passages, "characters": characters}

    # the workbench ------------------------------------------------------------------

    def trend_tallies(
        self, generation: str, query: str, filters: Filters | None, sort: str
    ) -> Tallies:
        result = self.result(generation, query, filters, sort)
        counter = result.generation.report_table.facet_counter
        return tally(counter, result.occurrences.per_report)

    def group_occurrences(
        self, generation: str, query: str, filters: Filters | None, sort: str, upto: int
    ) -> np.ndarray:
        return self.result(generation, query, filters, sort).group_occurrences(upto)

    def kwic_rows(
        self,
        generation: str,
        query: str,
        filters: Filters | None,
        sort: str,
        width: int,
        slices: Sequence[tuple[int, int, int]],
    ) -> list[KwicRow]:
        """The concordance's rows of (group rank, first, end) slices of groups' rows."""
        found = self.concordance(generation, query, filters, sort, width, "report")
        return found.rows_in_groups(slices)

    def kwic_keys(
        self,
        generation: str,
        query: str,
        filters: Filters | None,
        sort: str,
        width: int,
        order: str,
    ) -> list[SortKey]:
        """Every row's key in a context order, in that order."""
        return self.concordance(generation, query, filters, sort, width, order).sorted_keys()

    def kwic_sorted_rows(
        self,
        generation: str,
        query: str,
        filters: Filters | None,
        sort: str,
        width: int,
        order: str,
        positions: Sequence[int],
    ) -> list[KwicRow]:
        found = self.concordance(generation, query, filters, sort, width, order)
        return found.rows_at(positions)

    def sentence_words(
        self,
        generation: str,
        query: str,
        filters: Filters | None,
        sort: str,
        slices: Sequence[tuple[int, int, int]],
    ) -> collocations.SentenceWords:
        """The collocations' words of (group rank, first, end) slices of the reading order."""
        result = self.result(generation, query, filters, sort)
        ordinals = result.passages_in_groups(slices)
        return collocations.sentence_words(result.generation, result.marks, ordinals)

    def word_frequencies(
        self, generation: str, words: Sequence[str]
    ) -> tuple[float, dict[str, int]]:
        """The whole index's words of text, and these words' counts in this shard's."""
        scorer = self.generation(generation).scorer
        return collocations.corpus_words(scorer), collocations.word_frequencies(scorer, words)

    def newest(
        self, generation: str, query: str, filters: Filters | None, sort: str, limit: int
    ) -> list[tuple[tuple[float, ...], NewReport]]:
        """The shard's newest matching reports, each with its group's merge key."""
        result = self.result(generation, query, filters, sort)
        rows, sizes = result.group_keys(result.group_count)
        keys = merge_keys(sort, rows, result.generation.global_report, sizes)
        return [
            (
                tuple(float(v) for v in keys[rank]),
                dataclasses.replace(report, record=self._whole(generation, report.record)),
            )
            for rank, report in newest_ranked(result, limit)
        ]

    # similar passages and reports by whole-index ordinals ----------------------------

    def passage_ordinals(self, generation: str, report_id: str) -> list[int]:
        """The report's live passages' whole-index ordinals, in reading order."""
        engine = self.engine(generation)
        local = engine.passage_ordinals(report_id)
        return engine.generation.global_passage[local].tolist()

    def passages_at(
        self, generation: str, ordinals: Sequence[int]
    ) -> dict[int, tuple[ReportRecord, Passage]]:
        """Those of the given passages this shard holds: each with its report's record."""
        held = self._held(generation, ordinals)
        generation_ = self.generation(generation)
        stored = generation_.store.passages([local for _, local in held])
        records = generation_.report_table.records
        return {
            whole: (
                self._whole(generation, records[stored[local].report_ordinal]),
                stored[local].passage,
            )
            for whole, local in held
            if local in stored
        }

    def reports_of_passages(self, generation: str, ordinals: Sequence[int]) -> dict[int, int]:
        """Those of the given passages this shard holds: each one's report, whole-index."""
        generation_ = self.generation(generation)
        report_of, global_report = generation_.passage_report, generation_.global_report
        return {
            whole: int(global_report[report_of[local]])
            for whole, local in self._held(generation, ordinals)
        }

    def reports_at(self, generation: str, ordinals: Sequence[int]) -> dict[int, ReportRecord]:
        """Those of the given reports (whole-index ordinals) this shard holds."""
        generation_ = self.generation(generation)
        mine = generation_.global_report
        records = generation_.report_table.records
        found = {}
        for ordinal in ordinals:
            at = int(np.searchsorted(mine, ordinal))
            if at < len(mine) and mine[at] == ordinal and records[at].report_id:
                found[int(ordinal)] = self._whole(generation, records[at])
        return found

    # did you mean (`suggest.Corpus`, by whole-index ordinals) ------------------------

    def occurs(self, generation: str, text: str) -> bool:
        return suggest.occurs(self.generation(generation), text)

    def word_ends(self, generation: str, text: str) -> list[int]:
        return suggest.word_ends(self.generation(generation), text)

    def replacement_places(
        self, generation: str, before: str, after: str, replaced: str
    ) -> suggest.Matches:
        generation_ = self.generation(generation)
        whole = generation_.global_passage
        found = suggest.replacement_places(generation_, before, after, replaced)
        return [(int(whole[ordinal]), matches) for ordinal, matches in found]

    def characters_at(
        self, generation: str, places: Sequence[suggest.Place]
    ) -> dict[suggest.Place, str]:
        """Those of the given places this shard holds: the character as written there."""
        local = dict(self._held(generation, [ordinal for ordinal, _ in places]))
        mine = [(ordinal, offset) for ordinal, offset in places if ordinal in local]
        found = suggest.characters_at(
            self.generation(generation), [(local[o], offset) for o, offset in mine]
        )
        return dict(zip(mine, found, strict=True))
