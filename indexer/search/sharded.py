"""A sharded index searched as one: each query fanned out to the shards, answers merged.

Every report lives in one shard (`index/cluster.py`), so what a shard counts of its
reports is exact, and the whole index's counts are sums: totals, occurrences,
suggestions' counts. A result's facets are counted here, once, over the reports each
shard matched (`count_facets`: one index's count, never a truncated top list); the whole
index's facets (no query) are the shards' complete counts summed.
Ranked groups are merged by their keys (`sharded_result.py`); a report, its highlights
and its passages' whole-index ordinals are asked of the one shard holding it; similar
passages are read from the tables computed over all shards (`sharded_similar.py`).

`ShardedEngine` answers what `SearchEngine` answers to the web app and the CLI; the
shards are reached through a `ShardSet` (this process, or a Ray cluster). A shard that
does not answer makes the call fail with `ShardsUnavailableError`, or, when the caller
accepts a partial answer (`partial`, or an `Answered` that does), the answer is made of
the shards that answered and `answered` says which are missing.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from indexer.errors import QueryError
from indexer.index.cluster import Manifest, global_folder, read_build_record, shard_of
from indexer.index.generations import ReaderLock
from indexer.index.layout import IndexLayout
from indexer.index.store import ReportRecord
from indexer.models import Report
from indexer.search.answered import Answered
from indexer.search.compare import Comparison, compare, counterparts
from indexer.search.facets import FACET_FILTERS, FacetCounter, Facets, merge_facets, overview
from indexer.search.laws import LawLinks
from indexer.search.shard_service import ReportHits, ShardService
from indexer.search.shard_set import ShardSet
from indexer.search.sharded_result import ShardedResult
from indexer.search.sharded_similar import ShardedSimilar, SimilarTables
from indexer.search.suggest import PASSAGES_READ, Matches, Place, suggest
from indexer.settings import SORTS

Filters = Mapping[str, Sequence[str]]


class ShardedEngine:
    """The cluster generation `name` of the sharded index in `index_dir`, searched through
    `shards`. Holds the generation (a reader lock) until closed or collected.

    Every call takes `answered`, the record of which shards answered the calls of one
    request (`answering`); without it a call fails on a missing shard.
    """

    def __init__(self, index_dir: Path, name: str, shards: ShardSet) -> None:
        layout = IndexLayout(index_dir / name)
        self._lock = ReaderLock(layout.root)
        if not layout.is_complete():
            self._lock.release()
            raise FileNotFoundError(layout.root)
        self.index_dir, self.name, self.shards = index_dir, name, shards
        self.manifest = Manifest.read(layout.root)
        self.build_id = layout.build_id.read_text(encoding="utf-8").strip()
        self.layout = layout
        self._laws: LawLinks | None = None
        self._facet_counter: tuple[FacetCounter, np.ndarray] | None = None
        self._records: list[ReportRecord] | None = None
        # Let go of the generation when collected, as a `Generation` does (the callback
        # holds the lock, not the engine). The shard set may outlive it (a Ray cluster's
        # actors serve every generation): whoever made it closes it.
        self._finalizer = weakref.finalize(self, self._lock.release)

    @property
    def total(self) -> int:
        return len(self.manifest.shards)

    @property
    def shard_count(self) -> int:
        return self.total

    @property
    def hits_ahead(self) -> int:
        return self.shards.hits_ahead

    def close(self) -> None:
        """Release the generation now (the engine must not be used afterwards)."""
        self._finalizer()

    def answering(self, partial: bool = False) -> Answered:
        """A record of which shards answer a request's calls (`answered.Answered`)."""
        return Answered(self.total, partial)

    def ask(
        self,
        method: Callable[..., Any],
        args: tuple[Any, ...],
        answered: Answered,
        shards: Sequence[int] | None = None,
    ) -> dict[int, Any]:
        """Ask the shards (all by default) the `ShardService` call `method` (its name
        travels) for this generation; note in `answered` which answered."""
        asked = list(range(self.total)) if shards is None else list(shards)
        answers = self.shards.ask(method.__name__, (self.name, *args), asked)
        return answered.check(answers, asked)

    def ask_each(
        self, method: Callable[..., Any], args: dict[int, tuple[Any, ...]], answered: Answered
    ) -> dict[int, Any]:
        """`ask` with each shard's own arguments, in one round trip."""
        sent = {shard: (self.name, *arguments) for shard, arguments in args.items()}
        answers = self.shards.ask_each(method.__name__, sent)
        return answered.check(answers, list(args))

    def _ask_one(
        self, method: Callable[..., Any], args: tuple[Any, ...], answered: Answered
    ) -> Any:
        """Ask the first shard that answers a question every shard answers alike."""
        for shard in range(self.total):
            answers = self.ask(method, args, answered, [shard])
            if shard in answers:
                return answers[shard]
        return answered.require({}, 0)

    def _tracked(self, answered: Answered | None, partial: bool = False) -> Answered:
        return answered if answered is not None else self.answering(partial)

    # searching -------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        filters: Filters | None = None,
        sort: str = "relevance",
        partial: bool = False,
        answered: Answered | None = None,
        first_hits: int | None = None,
    ) -> ShardedResult:
        """What `SearchEngine.search` answers, over every shard (see the module).

        Where a round trip costs (`ShardSet.hits_ahead` > 0), each shard sends its first
        `first_hits` hits with its first answer, so that a caller reading that many (a
        page from the start) makes no second call; None sends `hits_ahead`. More than
        `hits_ahead`, or 0, sends none: hits made ahead cost every shard, and a page read
        past them, or a caller reading report groups or counts only, would waste them.
        """
        if sort not in SORTS:
            known = "、".join(f"{name}（{label}）" for name, label in SORTS.items())
            raise QueryError(f"未知排序方式 {sort}", hint=f"可用：{known}")
        most = self.hits_ahead
        ahead = most if first_hits is None else (first_hits if 0 < first_hits <= most else 0)
        tracked = self._tracked(answered, partial)
        return ShardedResult(self, query, filters, sort, tracked, ahead)

    def count(
        self,
        query: str,
        filters: Filters | None = None,
        *,
        partial: bool = False,
        answered: Answered | None = None,
    ) -> int:
        answers = self.ask(ShardService.count, (query, filters), self._tracked(answered, partial))
        return sum(answers.values())

    def facets_of_everything(self, answered: Answered | None = None) -> Facets:
        found = self.ask(ShardService.facets_of_everything, (), self._tracked(answered))
        return merge_facets(list(found.values()))

    def count_facets(self, report_hits: Sequence[ReportHits], answered: Answered) -> Facets:
        """Facets of the matching reports (each shard's `report_hits`), counted here by one
        counter over every live report, as one index counts them: cheaper than summing
        the shards' lists (a thousand cited laws each), and the same by construction."""
        counter, ordinals = self._facet_counting(answered)
        counts = np.zeros(len(ordinals), np.int64)
        for reports, passages in report_hits if len(ordinals) else ():
            places = np.minimum(np.searchsorted(ordinals, reports), len(ordinals) - 1)
            known = ordinals[places] == reports  # not: its shard gave no reports (partial)
            counts[places[known]] = passages[known]  # shards hold disjoint reports
        return counter.count(counts)

    def _facet_counting(self, answered: Answered) -> tuple[FacetCounter, np.ndarray]:
        """A facet counter over every live report, and their ordinals in its order: kept
        once every shard has answered (as `law_links`)."""
        if self._facet_counter is not None:
            return self._facet_counter
        records, complete = self._summaries(answered)
        ordinals = np.fromiter((r.ordinal for r in records), np.int64, len(records))
        found = FacetCounter.of_records(records), ordinals
        if complete:
            self._facet_counter = found
        return found

    def disjunctive_facets(
        self,
        query: str,
        filters: Filters | None,
        counted: Facets,
        *,
        answered: Answered | None = None,
    ) -> Facets:
        """`SearchEngine.disjunctive_facets`, over every shard."""
        out = dict(counted)
        active = {key for key, values in (filters or {}).items() if values}
        for key in sorted(active & set(FACET_FILTERS.values())):
            rest = {k: list(v) for k, v in (filters or {}).items() if k != key and v}
            if not query.strip() and not rest:
                other = self.facets_of_everything(answered)
            else:
                other = self.search(query, filters=rest or None, answered=answered).all_facets
            for name, filter_key in FACET_FILTERS.items():
                if filter_key == key:
                    out[name] = other[name]
        return out

    def overview(self, *, laws: int = 10, answered: Answered | None = None) -> dict[str, Any]:
        """`SearchEngine.overview`: from the facets of every shard."""
        return overview(self.facets_of_everything(answered), laws=laws)

    def suggest(
        self,
        query: str,
        filters: Filters | None = None,
        limit: int = 5,
        *,
        answered: Answered | None = None,
    ) -> list[tuple[str, int]]:
        """`SearchEngine.suggest`: the shards' passages and counts taken together."""
        return suggest(ShardedCorpus(self, self._tracked(answered)), query, filters, limit)

    # reading ---------------------------------------------------------------------

    def shard_holding(self, report_id: str) -> int:
        return shard_of(report_id, self.total)

    def _of_report(
        self,
        method: Callable[..., Any],
        report_id: str,
        args: tuple[Any, ...],
        answered: Answered | None,
    ) -> Any:
        shard = self.shard_holding(report_id)
        tracked = self._tracked(answered)
        return tracked.require(self.ask(method, (report_id, *args), tracked, [shard]), shard)

    def report(self, report_id: str, *, answered: Answered | None = None) -> Report:
        found: Report = self._of_report(ShardService.report, report_id, (), answered)
        return found

    def report_highlights(
        self,
        report_id: str,
        query: str,
        filters: Filters | None = None,
        *,
        answered: Answered | None = None,
    ) -> dict[str, list[tuple[int, int]]]:
        args = (query, filters)
        found: dict[str, list[tuple[int, int]]] = self._of_report(
            ShardService.report_highlights, report_id, args, answered
        )
        return found

    def passage_ordinals(self, report_id: str, *, answered: Answered | None = None) -> list[int]:
        """The report's passages' whole-index ordinals, in reading order."""
        found: list[int] = self._of_report(ShardService.passage_ordinals, report_id, (), answered)
        return found

    def report_summaries(self, *, answered: Answered | None = None) -> list[ReportRecord]:
        """Every live report, in the whole index's order (ordinals the whole index's)."""
        return self._summaries(self._tracked(answered))[0]

    def _summaries(self, answered: Answered) -> tuple[list[ReportRecord], bool]:
        """`report_summaries`, and whether every shard gave its reports: asked once, kept
        once every shard has answered (a generation never changes), for the laws, the
        facet counter and the listings alike."""
        if self._records is not None:
            return list(self._records), True
        answers = self.ask(ShardService.report_summaries, (), answered)
        rows = [record for found in answers.values() for record in found]
        records = sorted(rows, key=lambda record: record.ordinal)
        complete = len(answers) == self.total
        if complete:
            self._records = records
        return records, complete

    @functools.cached_property
    def _similar_tables(self) -> SimilarTables:
        return SimilarTables(global_folder(self.layout.root))

    def similar_passages(self, answered: Answered | None = None) -> ShardedSimilar:
        """Near-duplicate passages across reports, over every shard (`sharded_similar`)."""
        return ShardedSimilar(self, self._similar_tables, self._tracked(answered))

    @property
    def similar(self) -> ShardedSimilar:
        return self.similar_passages()

    def law_links(self, answered: Answered | None = None) -> LawLinks:
        """Cited laws the corpus holds, and who cites them (`laws.py`), over every
        report: kept once every shard has answered."""
        if self._laws is not None:
            return self._laws
        records, complete = self._summaries(self._tracked(answered))
        found = LawLinks(records)
        if complete:
            self._laws = found
        return found

    @property
    def laws(self) -> LawLinks:
        return self.law_links()

    def compare(self, a_id: str, b_id: str, *, answered: Answered | None = None) -> Comparison:
        """`SearchEngine.compare`: the two reports may live in different shards."""
        return compare(_Bound(self, self._tracked(answered)), a_id, b_id)

    def counterparts(
        self, report_id: str, *, answered: Answered | None = None
    ) -> list[ReportRecord]:
        return counterparts(_Bound(self, self._tracked(answered)), report_id)

    @property
    def built_at(self) -> str:
        return str(self._build.get("built_at", ""))

    @functools.cached_property
    def _build(self) -> dict[str, Any]:
        return read_build_record(self.layout)

    def about(self, *, answered: Answered | None = None) -> dict[str, Any]:
        """What `stats` says: every shard's counts summed; when and how it was built."""
        totals: dict[str, Any] = {}
        for found in self.ask(ShardService.counts, (), self._tracked(answered)).values():
            for key, value in found.items():
                totals[key] = totals.get(key, 0) + value
        return {
            "built_at": self.built_at,
            **totals,
            "build": self._build.get("summary"),
            "shards": self.total,
        }


@dataclass(frozen=True)
class _Bound:
    """A sharded engine as `compare` reads it, its calls noted in one `Answered`."""

    engine: ShardedEngine
    answered: Answered

    @property
    def similar(self) -> ShardedSimilar:
        return self.engine.similar_passages(self.answered)

    def report(self, report_id: str) -> Report:
        return self.engine.report(report_id, answered=self.answered)

    def passage_ordinals(self, report_id: str) -> list[int]:
        return self.engine.passage_ordinals(report_id, answered=self.answered)

    def report_summaries(self) -> list[ReportRecord]:
        return self.engine.report_summaries(answered=self.answered)


class ShardedCorpus:
    """A sharded index as suggestions read it (`suggest.Corpus`): passages by whole-index
    ordinals, the first ones of every shard merged, counts summed."""

    def __init__(self, engine: ShardedEngine, answered: Answered) -> None:
        self.engine, self.answered = engine, answered

    def count(self, query: str, filters: Filters) -> int:
        return self.engine.count(query, filters, answered=self.answered)

    def occurs(self, text: str) -> bool:
        return any(self.engine.ask(ShardService.occurs, (text,), self.answered).values())

    def word_ends(self, text: str) -> list[int]:
        found: list[int] = self.engine._ask_one(ShardService.word_ends, (text,), self.answered)
        return found

    def replacement_places(self, before: str, after: str, replaced: str) -> Matches:
        args = (before, after, replaced)
        answers = self.engine.ask(ShardService.replacement_places, args, self.answered)
        merged = sorted((found for part in answers.values() for found in part), key=lambda f: f[0])
        return merged[:PASSAGES_READ]

    def characters_at(self, places: Sequence[Place]) -> list[str]:
        answers = self.engine.ask(ShardService.characters_at, (list(places),), self.answered)
        found: dict[Place, str] = {}
        for part in answers.values():
            found.update(part)
        return [found.get(place, "") for place in places]  # "": its shard did not answer
