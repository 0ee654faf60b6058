"""A sharded index gives, for every feature, exactly what one index of the same files gives.

The workbench's files (the sample and a second year of one of its bodies, whose two
reports lie in different shards) are indexed once whole and once in three shards
(conftest), and every feature the web app and the CLI offer is asked of both: totals,
facets, pages of groups and hits, exports, trends, the concordance in every order and
page, collocations, newest reports, did you mean, reports and their highlights,
comparisons, counterparts, similar passages, cited laws. Each check first makes sure the
one index has something to compare (a feature answering nothing would agree).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from whoosh import index as whoosh_index

from indexer.errors import NotFoundError, QueryError
from indexer.index.cluster import shard_of
from indexer.index.global_stats import GlobalStatistics
from indexer.index.layout import IndexLayout
from indexer.index.literal import LiteralIndex, LiteralSegment
from indexer.index.schema import WORD_FIELDS
from indexer.index.word_index import read_word_stats
from indexer.search import kwic
from indexer.search.engine import SearchEngine
from indexer.search.interface import Engine
from indexer.search.shard_set import LocalShards
from indexer.search.sharded import ShardedEngine
from tests.conftest import LIUPANSHUI_2023, SHARDS, sharded
from tests.helpers import Pickling, SendingAhead, nonempty

LIUPANSHUI_2022 = "d158419d008893af"  # tests/data/workbench: the same body's 2022 report

QUERIES = [
    "行政复议",  # a word
    "法",  # one character, everywhere
    "2023年",  # across word boundaries, a number
    "法治 政府",  # AND
    "行政 OR 复议",  # OR
    "人民政府 -法治",  # NOT
    '"（一）"',  # punctuation, folded width
    "同句(行政 复议)",  # one sentence
    "NEAR(政府 法治, 5)",  # proximity
    "國務院",  # traditional characters
    "law:行政复议法",  # a cited law alone
    "浙民法〔2023〕45号",  # a document number
]
FILTERS: list[dict[str, list[str]] | None] = [None, {"year": ["2023"]}, {"region": ["浙江省"]}]

Pair = tuple[SearchEngine, ShardedEngine]


@pytest.fixture(scope="module")
def pair(workbench: SearchEngine, sharded_workbench_index: Path) -> Pair:
    return workbench, sharded(sharded_workbench_index)


def same(pair: Pair, read: Callable[[Engine], Any]) -> Any:
    """What `read` gives of the one index; the sharded one must give exactly that."""
    one, three = pair
    expected = read(one)
    assert read(three) == expected
    return expected


def test_the_sharded_index_spreads_its_reports_over_every_shard(pair: Pair) -> None:
    one, three = pair
    ids = [r.report_id for r in nonempty(one.report_summaries())]
    assert {shard_of(i, SHARDS) for i in ids} == set(range(SHARDS))
    assert three.about()["reports"] == len(ids) == same(pair, lambda e: e.overview()["reports"])
    same(pair, lambda e: e.report_summaries())  # whole-index ordinals included


@pytest.mark.parametrize("query", QUERIES)
def test_results_and_exports_equal_one_index(pair: Pair, query: str) -> None:
    def answer(engine: Engine, filters: dict[str, list[str]] | None, sort: str) -> object:
        result = engine.search(query, filters=filters, sort=sort)
        groups = result.groups(0, 10)
        return (
            (result.total_reports, result.total_passages, result.total_occurrences),
            result.all_facets,
            [(g.report_id, g.passage_count, g.occurrences, g.hits) for g in groups],
            result.hits(7, 25),
            engine.disjunctive_facets(query, filters, result.all_facets),
        )

    totals = same(pair, lambda e: answer(e, None, "relevance"))[0]
    assert totals[1] > 0, "the query finds something in the one index"
    for filters in FILTERS[1:]:
        for sort in ("relevance", "year", "passages"):
            same(pair, lambda e, f=filters, s=sort: answer(e, f, s))
    # Exports: every hit, every report, streamed in pieces.
    same(pair, lambda e: list(e.search(query).iter_hits(batch=7)))
    same(pair, lambda e: e.search(query).groups(passages_per_group=0))


@pytest.mark.parametrize("query", QUERIES)
def test_trends_collocations_and_newest_equal_one_index(pair: Pair, query: str) -> None:
    for filters in FILTERS:
        same(pair, lambda e, f=filters: e.search(query, filters=f).trends())
    trends = same(pair, lambda e: e.search(query).trends())
    assert trends["by_year"] and trends["total_occurrences"] > 0
    same(pair, lambda e: e.search(query).collocations())
    same(pair, lambda e: e.search(query).collocations(15, 40))  # fewer passages than match
    # Each index was built once, at its own time: one build's reports, in rank order.
    newest = same(pair, lambda e: [built_apart(n) for n in e.search(query).newest(20)])
    assert newest


def built_apart(report: Any) -> tuple[object, ...]:
    """A newest report without when its index was built (each index has its own build)."""
    return report.record, report.first, report.passages


def test_collocations_are_found_beside_a_word(pair: Pair) -> None:
    found = same(pair, lambda e: e.search("行政复议").collocations())
    assert found["sentences"] > 0 and nonempty(found["collocates"])


def rows(concordance: Any, offset: int, limit: int) -> list[dict[str, Any]]:
    return [asdict(row) for row in concordance.rows(offset, limit)]


@pytest.mark.parametrize("sort", list(kwic.KWIC_SORTS))
@pytest.mark.parametrize("query", ["行政复议", "法", "同句(行政 复议)", "國務院"])
def test_concordance_rows_equal_one_index_in_every_order_and_page(
    pair: Pair, query: str, sort: str
) -> None:
    def page(engine: Engine, offset: int, limit: int) -> object:
        found = engine.search(query).concordance(width=12, sort=sort)
        return found.total, rows(found, offset, limit)

    total, first = same(pair, lambda e: page(e, 0, 20))
    assert total > 0 and first
    for offset, limit in ((13, 40), (total // 2, 75), (max(total - 9, 0), 20)):
        same(pair, lambda e, o=offset, n=limit: page(e, o, n))
    # Report order follows the result's order of reports, whichever it is.
    same(pair, lambda e: rows(e.search(query, sort="year").concordance(sort=sort), 5, 60))


def test_a_whole_concordance_sorted_by_context_equals_one_index(pair: Pair) -> None:
    whole = same(
        pair,
        lambda e: [asdict(r) for r in e.search("法").concordance(sort="left").iter_rows()],
    )
    assert len(whole) == pair[0].search("法").total_occurrences > 500  # batches of 500


def test_the_context_sort_cap_counts_the_whole_index(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cap each shard stays under, that the whole index passes, refuses as one index does."""
    total = pair[0].search("行政复议").total_occurrences
    monkeypatch.setattr(kwic, "MAX_SORTED", total - 1)
    for engine in pair:
        with pytest.raises(QueryError, match=f"共 {total} 处，按上下文排序最多 {total - 1} 处"):
            engine.search("行政复议").concordance(sort="right")


@pytest.mark.parametrize(
    "query", ["行政复仪", "行政复议办公会议室", "行政复议 天安门 故宫", "依法治国 2035年"]
)
def test_did_you_mean_equals_one_index(pair: Pair, query: str) -> None:
    assert nonempty(same(pair, lambda e: e.suggest(query)))
    same(pair, lambda e: e.suggest(query, {"region": ["贵州"]}))


def test_reports_highlights_and_similar_passages_equal_one_index(pair: Pair) -> None:
    ids = [r.report_id for r in nonempty(pair[0].report_summaries())]
    crossing = 0
    for report_id in ids:
        same(pair, lambda e, i=report_id: e.report(i))
        same(pair, lambda e, i=report_id: e.report_highlights(i, "行政复议 OR 法治"))
        same(pair, lambda e, i=report_id: e.passage_ordinals(i))
        similar = same(pair, lambda e, i=report_id: e.similar_passages().in_report(i))
        crossing += sum(
            shard_of(other.report_id, SHARDS) != shard_of(report_id, SHARDS)
            for others in similar.values()
            for other in others
        )
        same(pair, lambda e, i=report_id: e.counterparts(i))
        same(pair, lambda e, i=report_id: e.law_links().cited_by(i))
    assert crossing > 0, "some similar passages lie in another shard"
    pairs = same(pair, lambda e: e.similar_passages().report_pairs(2000))
    assert nonempty(pairs)
    same(pair, lambda e: e.similar_passages().report_pair_count)
    same(pair, lambda e: e.law_links().report_of_law)


def test_an_unknown_report_is_not_found_in_either(pair: Pair) -> None:
    for engine in pair:
        with pytest.raises(NotFoundError):
            engine.report("0123456789abcdef")
        with pytest.raises(NotFoundError):
            engine.similar_passages().in_report("0123456789abcdef")


def test_comparing_reports_of_different_shards_equals_one_index(pair: Pair) -> None:
    workbench, three = pair
    assert shard_of(LIUPANSHUI_2023, SHARDS) != shard_of(LIUPANSHUI_2022, SHARDS)
    expected = workbench.compare(LIUPANSHUI_2023, LIUPANSHUI_2022)
    assert expected.shared and expected.changed and expected.only_b
    assert three.compare(LIUPANSHUI_2023, LIUPANSHUI_2022) == expected
    assert three.counterparts(LIUPANSHUI_2023) == workbench.counterparts(LIUPANSHUI_2023)
    ids = [r.report_id for r in workbench.report_summaries()]
    for a, b in itertools.pairwise(nonempty(ids)):
        assert three.compare(a, b) == workbench.compare(a, b)


def test_every_call_and_answer_of_a_shard_is_plain_data(pair: Pair) -> None:
    """What a shard is asked and answers crosses a pickle unchanged (to a Ray actor)."""
    one, three = pair
    shards = Pickling(LocalShards(three.index_dir, SHARDS, SearchEngine))
    remote = ShardedEngine(three.index_dir, three.name, shards)
    for engine in (one, remote):
        result = engine.search("行政复议", filters={"year": ["2023"]})
        assert result.hits(0, 5) and result.groups(0, 3)
    same_as_one = (one, remote)
    same(same_as_one, lambda e: e.search("法治").trends())
    same(same_as_one, lambda e: rows(e.search("法治").concordance(sort="right"), 3, 30))
    same(same_as_one, lambda e: rows(e.search("法治").concordance(), 40, 30))
    same(same_as_one, lambda e: e.search("法治").collocations())
    same(same_as_one, lambda e: [built_apart(n) for n in e.search("法治").newest(5)])
    same(same_as_one, lambda e: e.suggest("行政复仪"))
    same(same_as_one, lambda e: e.compare(LIUPANSHUI_2023, LIUPANSHUI_2022))
    same(same_as_one, lambda e: e.similar_passages().report_pairs())
    same(same_as_one, lambda e: e.report_summaries())


def test_a_shard_keeps_the_answers_one_index_keeps(pair: Pair) -> None:
    """A literal index keeps a long string's passages from `CACHE_FROM_CANDIDATES` found;
    a shard holds a share of the passages, so it keeps from that share of the count, or
    every shard would confirm 第一条 passage by passage on every query, as one index does
    not."""
    one, three = pair
    services = three.shards.services  # type: ignore[attr-defined]
    shares = [s.generation(three.name).literal.cache_from for s in services]
    assert len(shares) == SHARDS and all(
        0 < share < one.generation.literal.cache_from for share in shares
    )
    assert abs(sum(shares) - one.generation.literal.cache_from) <= SHARDS  # each rounded
    texts = [f"第{i}段：第一条规定" for i in range(LiteralIndex.CACHE_FROM_CANDIDATES // 2)]
    segment = LiteralSegment.build(texts, np.arange(len(texts)))
    live = np.ones(len(texts), dtype=bool)
    whole, third = LiteralIndex([segment], live), LiteralIndex([segment], live, share=1 / 3)
    for index, kept in ((whole, False), (third, True)):
        found = index.passages_containing("第一条")
        assert len(found) == len(texts)
        assert (index.passages_containing("第一条") is found) == kept


def test_corpus_wide_statistics_equal_one_index(pair: Pair) -> None:
    """What the reduce sums over the shards is what one index counts: every word's
    document frequency in every word field (a section heading path held by several
    shards counts once, as one index holds it once) and each field's documents and total
    length."""
    one, three = pair
    layout = IndexLayout(one.generation.root)
    whole = GlobalStatistics(IndexLayout.current(three.index_dir).root, 0)
    one_stats = read_word_stats(layout)
    with whoosh_index.open_dir(str(layout.whoosh)).reader() as reader:
        for field in WORD_FIELDS:
            words = [w.decode("utf-8") for w in reader.lexicon(field)]
            assert nonempty(words)
            expected = [reader.doc_frequency(field, w) for w in words]
            assert [whole.doc_frequency(field, w) for w in words] == expected
            for figure in ("documents", "total_length"):
                assert whole.stats[field][figure] == pytest.approx(one_stats[field][figure])
    services = three.shards.services  # type: ignore[attr-defined]
    held = sum(len(s.generation(three.name).sections) for s in services)
    assert held > whole.stats["section"]["documents"]  # some paths are in several shards


@pytest.mark.parametrize("query", ["法", "政府", "的 -法治"])
def test_the_first_page_of_hits_comes_with_the_first_answer(pair: Pair, query: str) -> None:
    """Where shards send hits ahead, the API's first page costs one round trip, and every
    page (within what was sent or past it) is one index's."""
    one, three = pair
    shards = SendingAhead(LocalShards(three.index_dir, SHARDS, SearchEngine))
    remote = ShardedEngine(three.index_dir, three.name, shards)
    expected = one.search(query)
    assert expected.total_passages > SendingAhead.hits_ahead
    result = remote.search(query)
    for offset, limit in ((0, 10), (0, SendingAhead.hits_ahead), (5, 10)):
        assert result.hits(offset, limit) == nonempty(expected.hits(offset, limit))
    assert shards.calls == ["search"]
    past = (SendingAhead.hits_ahead - 5, 30)
    assert result.hits(*past) == nonempty(expected.hits(*past))
    assert shards.calls == ["search", "hits"]


@pytest.mark.parametrize(("first_hits", "sent"), [(10, 10), (None, 20), (0, 0), (21, 0)])
def test_shards_send_as_many_first_hits_as_the_caller_reads(
    pair: Pair, first_hits: int | None, sent: int
) -> None:
    """A caller saying how many first hits it reads has that many sent ahead, a page's
    worth when it does not say, none when it reads none or more than a page's worth (a
    second call would follow anyway); every page is one index's all the same."""
    one, three = pair
    shards = SendingAhead(LocalShards(three.index_dir, SHARDS, SearchEngine))
    remote = ShardedEngine(three.index_dir, three.name, shards)
    expected = one.search("法")
    result = remote.search("法", first_hits=first_hits)
    assert shards.sent == [sent] * SHARDS  # every shard holds more than 20 matches
    if sent:
        assert result.hits(0, sent) == nonempty(expected.hits(0, sent))
        assert shards.calls == ["search"]
    assert result.hits(0, sent + 1) == nonempty(expected.hits(0, sent + 1))
    assert shards.calls == ["search", "hits"]
