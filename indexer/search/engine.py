"""The search library's front door: open an index, search it, read its reports.

`SearchEngine.open` resolves the index folder's current generation and keeps one engine
per folder, replaced when a build publishes a newer generation. The engine is a thin
facade: what a generation holds is `generation.Generation`, which passages match is
`matching.Matcher`, ranking and grouping are `ranking.SearchResult`, the JSON shapes
`results`.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from indexer.errors import IndexMissingError, NotFoundError, QueryError
from indexer.index import generations
from indexer.index.cluster import Manifest
from indexer.index.layout import IndexLayout
from indexer.index.store import ReportRecord
from indexer.models import Report
from indexer.normalize import fold
from indexer.query import cited_laws, explain_query, positive_terms
from indexer.query.proximity import highlight_spans, highlight_terms
from indexer.search.answered import Answered
from indexer.search.compare import Comparison, compare, counterparts
from indexer.search.facets import FACET_FILTERS, Facets, overview
from indexer.search.filters import with_filters
from indexer.search.generation import Generation
from indexer.search.laws import citation_spans
from indexer.search.matching import Matcher
from indexer.search.ranking import SearchResult
from indexer.search.suggest import GenerationCorpus, suggest
from indexer.settings import SORTS
from indexer.spans import merge_spans

if TYPE_CHECKING:
    from indexer.search.laws import LawLinks
    from indexer.search.shard_set import ShardSetFactory
    from indexer.search.sharded import ShardedEngine
    from indexer.search.similar import SimilarPassages

Filters = Mapping[str, Sequence[str]]


class SearchEngine:
    """An opened generation of an index: get it with `SearchEngine.open`, share freely.

    `build_id` (unique per generation) names what it reads, for caches to key on. Its
    files are closed when it is garbage-collected (once `open` has handed out a newer
    generation and the last request using it is done) or by `close()`; until then the
    generation folder is held, so a build never deletes it.

    It answers what a sharded index's engine answers (`sharded.ShardedEngine`), so the
    shells use either; `partial` and `answered` (which shards answered) are accepted for
    that: one index is one shard, always answering.
    """

    shard_count = 1

    # One engine per index folder and way of reaching its shards (None: this process).
    _cache: dict[tuple[Path, ShardSetFactory | None], SearchEngine | ShardedEngine] = {}  # noqa: RUF012
    _cache_lock = threading.Lock()

    def __init__(self, generation: Generation) -> None:
        self.generation = generation
        self.matcher = Matcher(generation)

    @classmethod
    def open(cls, index_dir: str | Path) -> SearchEngine:
        """Return the engine of the (unsharded) index's current generation, loading it
        only if new; `open_index` opens a sharded index too."""
        engine = open_index(index_dir)
        if not isinstance(engine, SearchEngine):
            raise IndexMissingError(
                f"{index_dir} 是分片索引，这里只能打开未分片的索引",
                hint="在程序里用 indexer.search.engine.open_index 打开",
            )
        return engine

    @classmethod
    def open_any(
        cls, index_dir: str | Path, shards: ShardSetFactory | None = None
    ) -> SearchEngine | ShardedEngine:
        """Return the engine of the index's current generation, loading it only if new.

        Costs one small file read when the generation is already loaded. A sharded
        index's engine searches its shards (`sharded.py`) through what `shards` makes of
        the folder and the shard count (a Ray cluster's actors, `distributed/`), or in
        this process.
        """
        index_dir = Path(index_dir).resolve()
        key = (index_dir, shards)
        for attempt in range(5):
            name = current_generation(index_dir)
            with cls._cache_lock:
                cached = cls._cache.get(key)
                if cached is not None and cached.name == name:
                    return cached
                try:
                    engine = _open_generation(index_dir, name, shards)
                except FileNotFoundError:
                    # A newer build published and removed this generation meanwhile.
                    if attempt == 4:
                        raise
                    continue
                cls._cache[key] = engine
                return engine
        raise AssertionError("unreachable")

    @property
    def name(self) -> str:
        """The generation's folder name."""
        return self.generation.name

    @property
    def build_id(self) -> str:
        return self.generation.build_id

    @property
    def index_dir(self) -> Path:
        return self.generation.index_dir

    def close(self) -> None:
        """Close the generation's files now (the engine must not be used afterwards)."""
        self.generation.close()

    @functools.cached_property
    def similar(self) -> SimilarPassages:
        """Near-duplicate passages across reports (`similar.py`), read on first use."""
        from indexer.search.similar import SimilarPassages

        return SimilarPassages(self.generation)

    @functools.cached_property
    def laws(self) -> LawLinks:
        """Cited laws the corpus holds, and who cites them (`laws.py`)."""
        from indexer.search.laws import LawLinks

        return LawLinks(self.generation.report_table.live_records)

    def similar_passages(self, answered: Answered | None = None) -> SimilarPassages:
        return self.similar

    def law_links(self, answered: Answered | None = None) -> LawLinks:
        return self.laws

    def answering(self, partial: bool = False) -> Answered:
        """A record of which shards answer a request's calls (`answered.Answered`)."""
        return Answered(self.shard_count, partial)

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
    ) -> SearchResult:
        """Find every passage matching `query` and `filters`; rank and group them.

        `filters` maps a field name (region, dept, year, issuer, law, docno, section) to
        values: values of one field are alternatives, fields must all hold. `first_hits`
        (how many first hits the caller reads at once) matters to shards far away
        (`ShardedEngine.search`); here a hit is made when it is read.
        """
        started = time.perf_counter()
        if sort not in SORTS:
            known = "、".join(f"{name}（{label}）" for name, label in SORTS.items())
            raise QueryError(f"未知排序方式 {sort}", hint=f"可用：{known}")
        tree = with_filters(query, filters or {})
        ordinals = self.matcher.matching(tree)
        generation = self.generation
        words = [w for term in positive_terms(tree) for w in generation.segmenter.words(term)]
        scorer = generation.scorer
        passage_scores = (
            scorer.scores_at(scorer.searcher(), words, ordinals)
            if words
            else np.zeros(len(ordinals))
        )
        result = SearchResult(
            generation=generation,
            query=query,
            interpretation=explain_query(tree),
            terms=highlight_terms(tree),
            laws=tuple(cited_laws(tree)),
            ordinals=ordinals,
            passage_scores=passage_scores,
            sort=sort,
        )
        result.took_ms = round((time.perf_counter() - started) * 1000, 2)
        return result

    def count(
        self,
        query: str,
        filters: Filters | None = None,
        *,
        partial: bool = False,
        answered: Answered | None = None,
    ) -> int:
        """How many passages match `query` and `filters`, without ranking them."""
        return self.matcher.count(with_filters(query, filters or {}))

    def disjunctive_facets(
        self,
        query: str,
        filters: Filters | None,
        counted: Facets,
        *,
        answered: Answered | None = None,
    ) -> Facets:
        """Return facets where each filtered facet is counted without its own filter.

        Values of one filter combine with OR, so a facet whose filter is active shows what
        each further value would add: its counts come from the search without that filter
        (and the other filters kept). `counted` is the facets of the search with every
        filter.
        """
        out = dict(counted)
        active = {key for key, values in (filters or {}).items() if values}
        for key in sorted(active & set(FACET_FILTERS.values())):
            rest = {k: list(v) for k, v in (filters or {}).items() if k != key and v}
            if not query.strip() and not rest:
                other = self.generation.facets_of_everything()
            else:
                other = self.search(query, filters=rest or None).all_facets
            for name, filter_key in FACET_FILTERS.items():
                if filter_key == key:
                    out[name] = other[name]
        return out

    def overview(self, *, laws: int = 10, answered: Answered | None = None) -> dict[str, Any]:
        """Return what the index holds: counts, years covered, provinces and most-cited laws."""
        return overview(self.generation.facets_of_everything(), laws=laws)

    def suggest(
        self,
        query: str,
        filters: Filters | None = None,
        limit: int = 5,
        *,
        answered: Answered | None = None,
    ) -> list[tuple[str, int]]:
        """Did you mean: up to `limit` (query, passages) near `query` that find something."""
        return suggest(GenerationCorpus(self.generation, self.count), query, filters, limit)

    # reading ---------------------------------------------------------------------

    def report(self, report_id: str, *, answered: Answered | None = None) -> Report:
        return self.generation.store.report(report_id)

    def passage_ordinals(self, report_id: str, *, answered: Answered | None = None) -> list[int]:
        """The report's passages' ordinals, in reading order (what similar passages use)."""
        record = self.generation.store.report_record(report_id)
        if record is None:
            raise NotFoundError(f"没有编号为 {report_id} 的报告")
        found = np.flatnonzero(np.asarray(self.generation.passage_report) == record.ordinal)
        return [int(o) for o in found]

    def compare(self, a_id: str, b_id: str, *, answered: Answered | None = None) -> Comparison:
        """Report `a_id` compared with `b_id` passage by passage (`compare.py`)."""
        return compare(self, a_id, b_id)

    def counterparts(
        self, report_id: str, *, answered: Answered | None = None
    ) -> list[ReportRecord]:
        """The same issuer's other reports, newest first (`compare.counterparts`)."""
        return counterparts(self, report_id)

    def report_highlights(
        self,
        report_id: str,
        query: str,
        filters: Filters | None = None,
        *,
        answered: Answered | None = None,
    ) -> dict[str, list[tuple[int, int]]]:
        """Return, per passage id, the spans of the query's terms in that report.

        With only a law: (in the query or the filters), the spans are its citations.
        """
        report = self.report(report_id)
        tree = with_filters(query, filters or {})
        terms = highlight_terms(tree)
        laws = cited_laws(tree)
        spans = {}
        for passage in report.passages:
            found = highlight_spans(fold(passage.text), terms)
            if laws:
                found = merge_spans([*found, *citation_spans(passage.text, laws)])
            if found:
                spans[passage.passage_id] = found
        return spans

    def report_summaries(self, *, answered: Answered | None = None) -> list[ReportRecord]:
        return list(self.generation.report_table.live_records)

    @property
    def built_at(self) -> str:
        """When the generation was built (ISO 8601, UTC)."""
        return str(self.generation.store.meta("built_at", ""))

    def about(self, *, answered: Answered | None = None) -> dict[str, Any]:
        """What `stats` says: counts, characters, when and how the index was built."""
        generation = self.generation
        reports, passages = generation.store.counts()
        return {
            "built_at": self.built_at,
            "reports": reports,
            "passages": passages,
            "characters": len(generation.literal.folded_text),
            "build": generation.store.meta("summary"),
            "shards": 1,
        }


def open_index(
    index_dir: str | Path, shards: ShardSetFactory | None = None
) -> SearchEngine | ShardedEngine:
    """The engine of the index in `index_dir`, sharded or not (`SearchEngine.open_any`)."""
    return SearchEngine.open_any(index_dir, shards)


def _open_generation(
    index_dir: Path, name: str, shards: ShardSetFactory | None
) -> SearchEngine | ShardedEngine:
    """The engine of generation `name`: of its shards when sharded, reached through what
    `shards` makes (None: in this process)."""
    layout = IndexLayout(index_dir / name)
    if layout.is_cluster:
        from indexer.search.shard_set import LocalShards
        from indexer.search.sharded import ShardedEngine

        count = len(Manifest.read(layout.root).shards)
        reached = (
            shards(index_dir, count) if shards else LocalShards(index_dir, count, SearchEngine)
        )
        return ShardedEngine(index_dir, name, reached)
    return SearchEngine(Generation(index_dir, name))


def current_generation(index_dir: Path) -> str:
    """The name of the index folder's current generation; IndexMissingError if none."""
    name = generations.read_current(index_dir)
    if name is None:
        legacy = (index_dir / "store.sqlite").exists()
        raise IndexMissingError(
            f"{index_dir} 里没有索引" + ("（旧格式）" if legacy else ""),
            hint="先运行 python -m indexer build SOURCE… --index DIR",
        )
    return name
