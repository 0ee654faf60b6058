"""Rank, group and count the passages a query matched.

Passages are scored by BM25F over the words of the query's positive terms (`word_index`),
then grouped under their reports: a report scores its best passage plus half of the rest
plus a little per matching passage, so a report about a subject outranks one that
mentions it once. Ties break by report and passage order, so results are deterministic.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from indexer.query.proximity import highlight_spans
from indexer.search import collocations as collocating
from indexer.search import sorting
from indexer.search import trends as trending
from indexer.search.answered import Answered
from indexer.search.facets import PUBLIC_FACETS, Facets
from indexer.search.kwic import DEFAULT_WIDTH, Concordance
from indexer.search.laws import citation_spans
from indexer.search.newest import NewReport, newest_reports
from indexer.search.occurrences import Marks, Occurrences, count
from indexer.search.results import Hit, ReportGroup
from indexer.spans import concatenated_ranges, merge_spans

if TYPE_CHECKING:
    from indexer.search.generation import Generation

FACET_FIELDS = PUBLIC_FACETS
# A passage that matches literally but shares no word with the query still ranks above
# nothing; each further matching passage adds to its report's score.
_REST_WEIGHT = 0.5
_PER_PASSAGE = 0.05


class SearchResult:
    """Every match of a query, ranked and grouped; hits are read from the store lazily."""

    def __init__(
        self,
        *,
        generation: Generation,
        query: str,
        interpretation: str,
        terms: list[str],
        laws: tuple[str, ...] = (),
        ordinals: np.ndarray,
        passage_scores: np.ndarray,
        sort: str,
    ) -> None:
        self.generation = generation
        self.query = query
        self.interpretation = interpretation
        self.terms = terms
        self.laws = laws  # law: alone marks where the law is cited (`query.cited_laws`)
        self.took_ms = 0.0
        self.shards = Answered()  # one index: one shard, always answering
        self.total_passages = len(ordinals)
        if generation.reports_in_ordinal_order:
            # Per report, how many matches fall in its ordinal range: a binary search
            # per report, where a gather and count over a million matches took 10 ms.
            counts = np.diff(np.searchsorted(ordinals, generation.report_bounds))
            reports_of = None
        else:
            reports_of = generation.passage_report[ordinals]
            counts = np.bincount(reports_of, minlength=len(generation.report_table.records))
        self._report_counts = counts
        self.total_reports = int(np.count_nonzero(counts))
        self._order_passages(ordinals, reports_of, counts, passage_scores, sort)
        self._facets: Facets | None = None

    def _order_passages(
        self,
        ordinals: np.ndarray,
        reports_of: np.ndarray | None,
        counts: np.ndarray,
        scores: np.ndarray,
        sort: str,
    ) -> None:
        # A report's passages have consecutive ordinals, so sorted ordinals come grouped
        # by report, in report order (`reports_in_ordinal_order`): the groups are the
        # reports with a count, and group scores need no sort of the matches, only of the
        # groups. Passages are ordered within a group only when a page shows that group.
        if self.generation.reports_in_ordinal_order:
            group_reports = np.flatnonzero(counts)
            sizes = counts[group_reports]
            ends = np.cumsum(sizes)
            starts = ends - sizes
        else:
            assert reports_of is not None
            order = np.argsort(reports_of, kind="stable")
            ordinals, reports_of, scores = ordinals[order], reports_of[order], scores[order]
            starts = (
                np.flatnonzero(np.r_[True, reports_of[1:] != reports_of[:-1]])
                if len(ordinals)
                else np.empty(0, np.int64)
            )
            ends = np.r_[starts[1:], len(ordinals)].astype(np.int64)
            group_reports = reports_of[starts]
        best = np.maximum.reduceat(scores, starts) if len(starts) else np.empty(0)
        totals = np.add.reduceat(scores, starts) if len(starts) else np.empty(0)
        sizes = ends - starts
        group_scores = best + _REST_WEIGHT * (totals - best) + _PER_PASSAGE * sizes
        years = self.generation.report_table.years[group_reports]
        group_order = sorting.group_order(sort, group_reports, group_scores, sizes, years)
        self._ordinals = ordinals
        self._scores = scores
        self._group_starts = starts[group_order]
        self._group_ends = ends[group_order]
        self._group_reports = group_reports[group_order]
        self._group_scores = group_scores[group_order]
        # Where each group (in rank order) begins in the flat order of hits.
        self._flat_starts = np.r_[0, np.cumsum(self._group_ends - self._group_starts)]

    @property
    def marks(self) -> Marks:
        """What the query marks in a passage: what its occurrences are (`occurrences`)."""
        return Marks.of(self.terms, self.laws)

    @functools.cached_property
    def occurrences(self) -> Occurrences:
        """The query's occurrences in every matching passage, counted on first use."""
        generation = self.generation
        counts = count(generation, self._ordinals, self.marks)
        reports = len(generation.report_table.records)
        return Occurrences(self._ordinals, counts, generation.passage_report, reports)

    @property
    def total_occurrences(self) -> int:
        return self.occurrences.total

    def matched_ordinals(self) -> np.ndarray:
        """Every matching passage's ordinal, ascending."""
        return np.sort(self._ordinals)

    def reading_order(self) -> np.ndarray:
        """Every matching passage's ordinal: reports in rank order, each read in text order.

        A group's slice of the matches is ascending already (sorted matches, or a stable
        sort by report), and a report's passages have ascending ordinals in text order.
        """
        lengths = self._group_ends - self._group_starts
        return self._ordinals[concatenated_ranges(self._group_starts, lengths)]

    def report_passage_counts(self) -> np.ndarray:
        """Matching passages per report ordinal (0 for reports without a match)."""
        return self._report_counts

    def group_sizes(self) -> np.ndarray:
        """Each group's matching passages, in rank order."""
        return self._group_ends - self._group_starts

    def group_occurrences(self, upto: int) -> np.ndarray:
        """The first `upto` groups' occurrences, in rank order."""
        return self.occurrences.per_report[self._group_reports[:upto]]

    def passages_in_groups(self, slices: Sequence[tuple[int, int, int]]) -> list[int]:
        """The ordinals of (group rank, first, end) slices of groups' passages in text
        order: pieces of the reading order."""
        picked: list[int] = []
        for group, first, end in slices:
            start, stop = int(self._group_starts[group]), int(self._group_ends[group])
            picked += self._ordinals[start + first : min(start + end, stop)].tolist()
        return picked

    def first_passages(self) -> list[tuple[int, int]]:
        """(report ordinal, its first matching passage's ordinal in text order), by rank."""
        firsts = self._ordinals[self._group_starts] if len(self._group_starts) else []
        return list(zip(self._group_reports.tolist(), list(map(int, firsts)), strict=True))

    @property
    def nbytes(self) -> int:
        """The memory its arrays hold (what a cache of results weighs it by)."""
        arrays = (
            self._report_counts,
            self._ordinals,
            self._scores,
            self._group_starts,
            self._group_ends,
            self._group_reports,
            self._group_scores,
            self._flat_starts,
        )
        # Room for its occurrences (`occurrences`), counted on first use: ordinals and
        # counts per passage, a count per report.
        later = 16 * len(self._ordinals) + 8 * len(self._report_counts)
        return sum(int(array.nbytes) for array in arrays) + later

    def _members(self, group: int) -> np.ndarray:
        """A group's passage ordinals, best first, ties by position in the report."""
        start, end = int(self._group_starts[group]), int(self._group_ends[group])
        ordinals, scores = self._ordinals[start:end], self._scores[start:end]
        return ordinals[np.lexsort((ordinals, -scores))]

    def _flat(self, offset: int, end: int | None) -> list[int]:
        """Ordinals of hits offset…end in the flat order: groups by rank, best first."""
        end = self.total_passages if end is None else min(end, self.total_passages)
        if offset >= end:
            return []
        first = int(np.searchsorted(self._flat_starts, offset, side="right")) - 1
        picked: list[int] = []
        group = first
        while group < len(self._group_starts) and self._flat_starts[group] < end:
            members = self._members(group)
            base = int(self._flat_starts[group])
            picked.extend(members[max(0, offset - base) : end - base].tolist())
            group += 1
        return picked

    # hits ------------------------------------------------------------------------

    def _hits_for(self, passage_ordinals: Sequence[int]) -> list[Hit]:
        generation = self.generation
        records = generation.store.passages(list(passage_ordinals))
        hits = []
        for ordinal in passage_ordinals:
            record = records[int(ordinal)]
            report = generation.report_table.records[record.report_ordinal]
            passage = record.passage
            spans = highlight_spans(generation.literal.folded_passage(int(ordinal)), self.terms)
            if self.laws:
                spans = merge_spans([*spans, *citation_spans(passage.text, self.laws)])
            hits.append(
                Hit(
                    report_id=report.report_id,
                    passage_id=passage.passage_id,
                    metadata=report.metadata,
                    section=passage.section_path,
                    text=passage.text,
                    highlights=[[start, end] for start, end in spans],
                    source=report.source,
                    occurrences=self.occurrences.in_passage(int(ordinal)),
                    report_occurrences=self.occurrences.in_report(record.report_ordinal),
                )
            )
        return hits

    def hits_of(self, ordinals: Sequence[int]) -> list[Hit]:
        """Return the hits of the given matching passages, in that order."""
        return self._hits_for(ordinals)

    def hits(self, offset: int = 0, limit: int | None = None) -> list[Hit]:
        """Return hits in grouped rank order: a report's passages together, best first."""
        end = None if limit is None else offset + limit
        return self._hits_for(self._flat(offset, end))

    def iter_hits(self, batch: int = 500) -> Iterator[Hit]:
        """Yield every hit, reading the store in batches (for exports of any size)."""
        for start in range(0, self.total_passages, batch):
            yield from self.hits(start, batch)

    def groups(
        self, offset: int = 0, limit: int | None = None, passages_per_group: int | None = 3
    ) -> list[ReportGroup]:
        """Return ranked reports with their best passages (all of them if None)."""
        end = self.group_count if limit is None else min(offset + limit, self.group_count)
        return self.groups_at(range(offset, end), passages_per_group)

    @property
    def group_count(self) -> int:
        return len(self._group_starts)

    def groups_at(
        self, ranks: Sequence[int], passages_per_group: int | None = 3
    ) -> list[ReportGroup]:
        """Return the groups at the given ranks, with their best passages (None: all)."""
        picked = []
        for group in ranks:
            members = self._members(group)
            chosen = members if passages_per_group is None else members[:passages_per_group]
            picked.append((int(self._group_reports[group]), len(members), chosen))
        hits = self._hits_for([int(o) for _, _, chosen in picked for o in chosen])
        groups, cursor = [], 0
        for report_ordinal, passages, chosen in picked:
            record = self.generation.report_table.records[report_ordinal]
            groups.append(
                ReportGroup(
                    report_id=record.report_id,
                    metadata=record.metadata,
                    source=record.source,
                    passage_count=passages,
                    hits=hits[cursor : cursor + len(chosen)],
                    occurrences=self.occurrences.in_report(report_ordinal),
                )
            )
            cursor += len(chosen)
        return groups

    def hits_in_groups(self, slices: Sequence[tuple[int, int, int]]) -> list[Hit]:
        """The hits of (group rank, first, end) slices of groups' passages, best first."""
        picked = [o for g, first, end in slices for o in self._members(g)[first:end].tolist()]
        return self._hits_for(picked)

    def group_keys(self, upto: int) -> tuple[np.ndarray, np.ndarray]:
        """The first `upto` groups' (report ordinal, score, year) rows and sizes: what
        ranks them (`sorting.merge_keys` makes of them a sharded index's merge keys)."""
        reports = self._group_reports[:upto]
        years = self.generation.report_table.years[reports]
        rows = np.column_stack(
            [reports.astype(np.float64), self._group_scores[:upto], years.astype(np.float64)]
        )
        return rows, (self._group_ends - self._group_starts)[:upto]

    # facets ----------------------------------------------------------------------

    @property
    def facets(self) -> dict[str, list[dict[str, object]]]:
        """Count matching reports and passages by province, department, year and law.

        Reports stating no province, department or year count under 未识别 (`facets.UNKNOWN`).
        """
        return {name: self.all_facets[name] for name in FACET_FIELDS}

    @property
    def all_facets(self) -> Facets:
        """The facets, with `city` and `county` (each naming its province, city) added."""
        if self._facets is None:
            self._facets = self._count_facets()
        return self._facets

    def _count_facets(self) -> Facets:
        return self.generation.report_table.facet_counter.count(self._report_counts)

    # the workbench's views of a result -------------------------------------------------

    def trends(self) -> dict[str, Any]:
        """The hits by year and by province (`trends.trends`)."""
        generation = self.generation
        counter = generation.report_table.facet_counter
        tallies = trending.tally(counter, self.occurrences.per_report)
        return trending.trends(self, tallies, generation.facets_of_everything())

    def concordance(self, *, width: int = DEFAULT_WIDTH, sort: str = "report") -> Concordance:
        """Every occurrence in its context, in one order (`kwic.Concordance`)."""
        return Concordance(self, width=width, sort=sort)

    def collocations(
        self, limit: int = collocating.DEFAULT_LIMIT, max_passages: int = collocating.MAX_PASSAGES
    ) -> dict[str, Any]:
        """The words beside the query in its sentences, strongest first (`collocations`)."""
        ordinals = self.reading_order()[:max_passages].tolist()
        found = collocating.sentence_words(self.generation, self.marks, ordinals)
        scorer = self.generation.scorer
        frequency = collocating.word_frequencies(scorer, collocating.candidates(found))
        corpus = collocating.corpus_words(scorer)
        return collocating.collocations(self.query, found, corpus, frequency, limit)

    def newest(self, limit: int) -> list[NewReport]:
        """Up to `limit` matching reports, those added by the latest build first."""
        return newest_reports(self, limit)
