"""Search on the sample: literal recall, boolean logic, filters, ranking, highlights."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.build import build_index
from indexer.cli import cli_link
from indexer.errors import QueryError
from indexer.models import UNKNOWN
from indexer.normalize import fold
from indexer.search.engine import SearchEngine
from indexer.search.results import result_to_json
from tests.helpers import nonempty


def literal_matches(passages: list[tuple[str, str]], needle: str) -> tuple[int, int]:
    """Count (passages, reports) containing `needle`: plain Python `in`, the reference."""
    hits = [(report, text) for report, text in passages if fold(needle) in fold(text)]
    return len(hits), len({report for report, _ in hits})


@pytest.mark.parametrize(
    ("query", "reports"),
    [
        ("行政复议", 5),
        ("法治政府建设", 8),
        ("双随机", 3),
        ("一证通办", 2),
        ("三项制度", 3),
        ("民法典", 4),
        ("放管服", 3),
        ("法律顾问", 6),
        ("〔2023〕", 4),
    ],
)
def test_report_counts_match_plain_substring_search(
    engine: SearchEngine, sample_passages: list[tuple[str, str]], query: str, reports: int
) -> None:
    result = engine.search(query)
    assert (result.total_passages, result.total_reports) == literal_matches(sample_passages, query)
    assert result.total_reports == reports


def test_quoted_phrase_finds_every_paragraph_with_行政复议(engine: SearchEngine) -> None:
    quoted, bare = engine.search('"行政复议"'), engine.search("行政复议")
    assert quoted.total_passages == bare.total_passages > 0
    assert [h.passage_id for h in quoted.hits()] == [h.passage_id for h in bare.hits()]


def test_single_character_法_is_found_in_all_eight_reports(engine: SearchEngine) -> None:
    assert engine.search("法").total_reports == 8


@pytest.mark.parametrize(
    "needle", ["法治", "2023年", "45号", "浙民法〔2023〕45号", "5", "全县 1300"]
)
def test_strings_across_word_boundaries_and_numbers_are_found(
    engine: SearchEngine, sample_passages: list[tuple[str, str]], needle: str
) -> None:
    query = f'"{needle}"' if " " in needle else needle
    result = engine.search(query)
    assert result.total_passages == literal_matches(sample_passages, needle)[0] > 0


def test_width_and_case_are_folded(engine: SearchEngine) -> None:
    assert engine.search("２０２３年").total_passages == engine.search("2023年").total_passages > 0


def test_a_string_no_report_contains_finds_nothing(engine: SearchEngine) -> None:
    result = engine.search("量子纠缠")
    assert (result.total_passages, result.total_reports, result.hits()) == (0, 0, [])


@pytest.fixture(scope="module")
def passage_ids(engine: SearchEngine) -> list[str]:
    """Passage ids in the order of the `sample_passages` fixture."""
    return [
        p.passage_id
        for record in engine.report_summaries()
        for p in engine.report(record.report_id).passages
    ]


@settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_substring_of_the_sample_finds_exactly_the_passages_containing_it(
    engine: SearchEngine,
    sample_passages: list[tuple[str, str]],
    passage_ids: list[str],
    data: st.DataObject,
) -> None:
    _, text = data.draw(st.sampled_from(sample_passages))
    start = data.draw(st.integers(0, len(text) - 1))
    length = data.draw(st.integers(1, 12))
    needle = text[start : start + length].strip()
    if not needle or '"' in needle:
        return
    expected = {i for i, (_, t) in enumerate(sample_passages) if fold(needle) in fold(t)}
    result = engine.search(f'"{needle}"')
    ids = {h.passage_id for h in result.iter_hits()}
    assert ids == {passage_ids[i] for i in expected}


def test_highlights_cover_exactly_the_query(engine: SearchEngine) -> None:
    hits = engine.search("行政复议").hits()
    assert hits
    for hit in hits:
        assert hit.highlights
        assert all(hit.text[start:end] == "行政复议" for start, end in hit.highlights)
        assert len(hit.highlights) == hit.text.count("行政复议")


def test_highlights_offsets_index_the_original_text_after_folding(engine: SearchEngine) -> None:
    hits = engine.search('"（一）"').hits(0, 5)  # full-width in the query, ASCII in the text
    assert hits
    for hit in hits:
        assert hit.highlights
        assert all(fold(hit.text[s:e]) == "(一)" for s, e in hit.highlights)


def test_and_requires_both_terms(engine: SearchEngine, sample_passages) -> None:
    result = engine.search("行政复议 应诉")
    expected = [t for _, t in sample_passages if "行政复议" in t and "应诉" in t]
    assert result.total_passages == len(expected) > 0
    assert all(
        "行政复议" in h.text and "应诉" in h.text for h in nonempty(list(result.iter_hits()))
    )


def test_or_takes_either_term(engine: SearchEngine, sample_passages) -> None:
    result = engine.search("一证通办 OR 放管服")
    expected = [t for _, t in sample_passages if "一证通办" in t or "放管服" in t]
    assert result.total_passages == len(expected)
    # The sample has passages with only one of the two, so AND or one term alone would differ.
    assert any("放管服" not in t for t in expected)
    assert any("一证通办" not in t for t in expected)


@pytest.mark.parametrize("query", ["行政复议 -应诉", "行政复议 NOT 应诉"])
def test_not_excludes_a_term(engine: SearchEngine, sample_passages, query: str) -> None:
    result = engine.search(query)
    expected = [t for _, t in sample_passages if "行政复议" in t and "应诉" not in t]
    assert result.total_passages == len(expected) > 0
    assert not any("应诉" in h.text for h in result.iter_hits())


def test_parentheses_group_an_or_inside_an_and(engine: SearchEngine, sample_passages) -> None:
    result = engine.search("(一证通办 OR 放管服) 改革")
    expected = [t for _, t in sample_passages if ("一证通办" in t or "放管服" in t) and "改革" in t]
    assert result.total_passages == len(expected) > 0


def test_region_filter_matches_province_city_or_county(engine: SearchEngine) -> None:
    guizhou = engine.search("行政复议 region:贵州")
    assert guizhou.total_reports >= 1
    assert {h.province for h in guizhou.iter_hits()} == {"贵州省"}
    assert {h.county for h in engine.search("法 region:南湖区").iter_hits()} == {"南湖区"}
    assert {h.city for h in engine.search("法 地区:六盘水").iter_hits()} == {"六盘水市"}


def test_filters_argument_is_the_same_as_a_field_in_the_query(engine: SearchEngine) -> None:
    by_query = engine.search("行政复议 region:贵州")
    by_filter = engine.search("行政复议", filters={"region": ["贵州"]})
    assert by_query.total_passages > 0
    assert [h.passage_id for h in by_query.hits()] == [h.passage_id for h in by_filter.hits()]


def test_filter_values_of_one_field_are_alternatives(engine: SearchEngine) -> None:
    both = engine.search("法", filters={"region": ["贵州", "河南"]})
    assert {h.province for h in both.iter_hits()} == {"贵州省", "河南省"}


def test_dept_year_issuer_law_and_section_filters_keep_only_matching_passages(
    engine: SearchEngine,
) -> None:
    assert {h.department for h in engine.search("法 dept:民政").iter_hits()} == {"民政"}
    assert {h.department for h in engine.search("法 dept:民政局").iter_hits()} == {"民政"}
    # A department type is one value: 教育 is not 教育体育 (叙永县教育和体育局), as its facet says.
    assert {h.department for h in engine.search("法 dept:教育").iter_hits()} == {"教育"}
    for spelling in ("教育体育", "教体局", "教育和体育局"):
        found = engine.search(f"法 dept:{spelling}").iter_hits()
        assert {h.department for h in found} == {"教育体育"}, spelling
    # Seven sample reports state 2023; 开江's states no year of its own.
    assert engine.search("法 year:2023").total_reports == 7
    assert engine.search("法 year:2020-2022").total_reports == 0
    assert engine.search("法 year:>=2023").total_reports == 7
    assert {h.issuer for h in engine.search("法 issuer:西平县").iter_hits()} == {"西平县人民政府"}
    with_law = engine.search("法 law:行政复议法")
    assert with_law.total_reports >= 1
    for group in nonempty(with_law.groups()):
        assert "行政复议法" in engine.report(group.report_id).metadata.laws
    in_section = engine.search("法 section:行政复议")
    assert in_section.total_passages > 0
    assert all("行政复议" in h.section for h in nonempty(list(in_section.iter_hits())))


@pytest.mark.parametrize(
    "query", ['"行政复议', "(行政复议", "行政复议 OR", "foo:bar", "", "-行政复议", "year:abc"]
)
def test_malformed_queries_raise_a_clear_query_error(engine: SearchEngine, query: str) -> None:
    with pytest.raises(QueryError) as caught:
        engine.search(query)
    assert caught.value.message
    assert caught.value.status == 400


def test_unknown_sort_or_filter_is_a_query_error(engine: SearchEngine) -> None:
    with pytest.raises(QueryError):
        engine.search("法", sort="random")
    with pytest.raises(QueryError):
        engine.search("法", filters={"colour": ["red"]})


def test_results_group_passages_under_their_report(engine: SearchEngine) -> None:
    result = engine.search("行政复议")
    seen: list[str] = []
    for hit in nonempty(list(result.iter_hits())):
        if not seen or seen[-1] != hit.report_id:
            assert hit.report_id not in seen, "a report's passages must be contiguous"
            seen.append(hit.report_id)
    assert seen == [g.report_id for g in result.groups()]
    assert sum(g.passage_count for g in result.groups()) == result.total_passages


def test_a_report_about_the_term_outranks_one_that_mentions_it_once(engine: SearchEngine) -> None:
    groups = engine.search("行政复议").groups(passages_per_group=None)
    counts = [g.passage_count for g in groups]
    assert counts[0] == max(counts) and counts[0] > 1
    assert counts[-1] == 1


def test_passages_within_a_report_are_best_first(engine: SearchEngine) -> None:
    (group, *_) = engine.search("行政复议").groups(passages_per_group=None)
    densities = [h.text.count("行政复议") / len(h.text) for h in group.hits]
    assert densities[0] == max(densities)


def test_a_second_build_searched_in_another_process_ranks_every_hit_the_same(
    engine: SearchEngine, sample_dir: Path, tmp_path: Path
) -> None:
    # SearchEngine.open caches per folder, so a real second engine needs another build;
    # another process with its own hash seed also catches order taken from set or dict hashing.
    again = tmp_path / "index"
    build_index([sample_dir], again)
    for query in ("法", "法治 OR 行政复议"):  # 法: every report, many equal scores to break
        ours = [
            (h.report_id, h.passage_id, [tuple(s) for s in h.highlights])
            for h in engine.search(query).iter_hits()
        ]
        command = ["search", query, "--all", "--json", "--index", str(again)]
        found = subprocess.run(
            [sys.executable, "-m", "indexer", *command],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
            env={**os.environ, "PYTHONHASHSEED": "2026"},
        )
        theirs = [
            (h["report_id"], h["passage_id"], [tuple(s) for s in h["highlights"]])
            for h in json.loads(found.stdout)["hits"]
        ]
        assert len(ours) > 50
        assert theirs == ours, query


def test_sort_by_year_keeps_every_hit(engine: SearchEngine) -> None:
    by_year = engine.search("行政复议", sort="year")
    assert by_year.total_passages == engine.search("行政复议").total_passages
    years = [g.year or 0 for g in by_year.groups()]
    assert years == sorted(years, reverse=True)


def test_facets_count_matching_reports(engine: SearchEngine) -> None:
    result = engine.search("行政复议")
    provinces = {f["value"]: f["reports"] for f in result.facets["province"]}
    reports_by_province: dict[str, int] = {}
    for group in nonempty(result.groups()):
        reports_by_province[group.province] = reports_by_province.get(group.province, 0) + 1
    assert provinces == reports_by_province
    undated = sum(len(g.hits) for g in result.groups(passages_per_group=None) if not g.year)
    assert undated, "the sample has a report stating no year"
    year_counts = {f["value"]: f["passages"] for f in result.facets["year"]}
    # Reports stating no year count as 未识别, so the facet adds up to the total.
    assert year_counts["未识别"] == undated
    assert sum(year_counts.values()) == result.total_passages
    assert {"province", "department", "year", "law", "issuer"} == set(result.facets)
    assert any(f["value"] == "行政复议法" for f in result.facets["law"])


def _facets_one_report_at_a_time(records, report_counts) -> dict:
    """The facet counts as first written: a Python tally per report (the reference)."""
    tallies: dict[str, dict[tuple, list[int]]] = {}
    for ordinal in np.flatnonzero(report_counts).tolist():
        meta, passages = records[ordinal].metadata, int(report_counts[ordinal])
        keys = {
            "province": [(meta.province or UNKNOWN,)],
            "department": [(meta.department or UNKNOWN,)],
            "year": [(str(meta.year) if meta.year else UNKNOWN,)],
            "law": [(law,) for law in dict.fromkeys(meta.laws) if law],
            "issuer": [(meta.issuer or UNKNOWN,)],
            "city": [(meta.province, meta.city or UNKNOWN)] if meta.province else [],
            "county": ([(meta.province, meta.city, meta.county or UNKNOWN)] if meta.city else []),
        }
        for name, found in keys.items():
            for key in found:
                counts = tallies.setdefault(name, {}).setdefault(key, [0, 0])
                counts[0] += 1
                counts[1] += passages
    return {
        name: [
            (key, reports, passages)
            for key, (reports, passages) in sorted(
                tally.items(), key=lambda i: (i[0][-1] == UNKNOWN, -i[1][0], -i[1][1], i[0])
            )
        ]
        for name, tally in tallies.items()
    }


@pytest.mark.parametrize("query", ["法", "的", "行政复议", "2023年", "人民政府 -国务院"])
def test_vectorised_facets_equal_a_tally_report_by_report(engine: SearchEngine, query: str) -> None:
    result = engine.search(query)
    expected = _facets_one_report_at_a_time(
        engine.generation.report_table.records, result._report_counts
    )
    got = {
        name: [
            (
                (*(e[k] for k in ("province", "city") if k in e), e["value"]),
                e["reports"],
                e["passages"],
            )
            for e in entries
        ]
        for name, entries in result.all_facets.items()
    }
    assert {name: entries for name, entries in got.items() if entries} == expected


def test_search_json_has_the_documented_keys_in_order(engine: SearchEngine) -> None:
    data = result_to_json(engine.search("行政复议"), cli_link, 0, 3)
    assert list(data) == [
        "query", "total_passages", "total_reports", "total_occurrences", "took_ms", "facets",
        "hits",
    ]  # fmt: skip
    assert len(data["hits"]) == 3
    hit = data["hits"][0]
    assert list(hit) == [
        "report_id", "passage_id", "title", "issuer", "province", "city", "county",
        "department", "year", "label", "section", "text", "highlights", "occurrences",
        "report_occurrences", "source", "url", "citation", "citation_gbt7714",
    ]  # fmt: skip
    assert hit["url"] == f"/reports/{hit['report_id']}#p-{hit['passage_id']}"


def test_report_highlights_mark_the_query_in_the_whole_report(engine: SearchEngine) -> None:
    (group, *_) = engine.search("行政复议").groups()
    report = engine.report(group.report_id)
    spans = engine.report_highlights(group.report_id, "行政复议")
    texts = {p.passage_id: p.text for p in report.passages}
    assert sum(len(s) for s in spans.values()) == sum(t.count("行政复议") for t in texts.values())
    for passage_id, found in spans.items():
        assert all(texts[passage_id][a:b] == "行政复议" for a, b in found)


def test_filters_alone_browse_every_passage_they_allow(engine: SearchEngine) -> None:
    result = engine.search("", filters={"region": ["贵州"]})
    assert result.total_reports == 2
    assert result.total_passages == sum(
        r.passage_count for r in engine.report_summaries() if r.metadata.province == "贵州省"
    )
    with pytest.raises(QueryError):
        engine.search("   ")


def test_scores_are_whooshs_bm25f_over_text_headings_and_titles(engine: SearchEngine) -> None:
    # A passage's score sums Whoosh's BM25 formula over its own words, its section's
    # heading path and its report's title, each indexed once as a document of its own
    # kind and scored with that kind's document count and average length.
    from whoosh.scoring import bm25

    from indexer.index.schema import FIELD_KINDS, PASSAGE, REPORT, WORD_FIELDS

    scorer = engine.generation.scorer
    titles = [r.metadata.title for r in engine.report_summaries() if r.metadata.title]
    query = " ".join(["行政复议 法律顾问 2023年", *titles[:1]])
    words = list(dict.fromkeys(engine.generation.segmenter.words(query)))
    searcher = scorer.searcher()
    reader = searcher.reader()
    ours = scorer.scores(searcher, words)
    expected = np.zeros(engine.generation.passage_count)
    live = np.flatnonzero(engine.generation.live)
    scored_fields = set()
    for field in WORD_FIELDS:
        kind, stats = FIELD_KINDS[field], scorer.stats[field]
        for word in words:
            if (field, word) not in reader:
                continue
            idf = np.log(stats["documents"] / (reader.doc_frequency(field, word) + 1)) + 1
            per_id: dict[int, float] = {}
            for docnum, weight in reader.postings(field, word).items_as("weight"):
                number = int(scorer.docnum_id[docnum])
                length = float(scorer.lengths[field][number])
                per_id[number] = bm25(idf, weight, length, stats["average_length"], 0.75, 1.2)
            owners = {PASSAGE: live, REPORT: engine.generation.passage_report[live]}.get(
                kind, engine.generation.section_of[live]
            )
            expected[live] += [per_id.get(int(owner), 0.0) for owner in owners]
            scored_fields.add(field)
    assert scored_fields == ({"content", "section", "title"} if titles else {"content", "section"})
    assert np.count_nonzero(expected[live]) > 10
    assert np.allclose(ours[live], expected[live], rtol=1e-5)


def test_the_build_prescores_frequent_words_exactly_as_queries_would(
    engine: SearchEngine,
) -> None:
    scorer = engine.generation.scorer
    assert "的" in scorer._prescored  # in far more than an eighth of the sample's passages
    first = [(h.passage_id, h.highlights) for h in engine.search("的 依法").hits(0, 50)]
    saved, scorer._prescored = scorer._prescored, {}
    try:
        scorer._cache.clear()
        again = [(h.passage_id, h.highlights) for h in engine.search("的 依法").hits(0, 50)]
    finally:
        scorer._prescored = saved
        scorer._cache.clear()
    assert first == again and len(first) == 50


def test_grouping_needs_no_sort_when_ordinals_follow_reports(engine: SearchEngine) -> None:
    # Builds keep each report's passages consecutive, so grouping reads groups off the
    # per-report counts; the general path (sort the matches by report) must agree.
    assert engine.generation.reports_in_ordinal_order
    for query in ("行政复议", "的", "法治 -行政复议"):
        fast = engine.search(query)
        engine.generation.reports_in_ordinal_order = False
        try:
            general = engine.search(query)
        finally:
            engine.generation.reports_in_ordinal_order = True
        assert fast.total_reports == general.total_reports > 0
        assert [(h.report_id, h.passage_id) for h in fast.iter_hits()] == [
            (h.report_id, h.passage_id) for h in general.iter_hits()
        ]


def test_opening_a_generation_pauses_the_collector_and_gives_it_back(sample_index) -> None:
    import gc

    from indexer.index.layout import IndexLayout
    from indexer.search.generation import Generation

    current = IndexLayout.current(sample_index)
    assert current is not None and gc.isenabled()
    Generation(sample_index, current.root.name).close()
    assert gc.isenabled()
    with pytest.raises(FileNotFoundError):
        Generation(sample_index, "gen-999999")  # gone: the collector runs again all the same
    assert gc.isenabled()
    gc.disable()  # a caller that paused it keeps it paused
    try:
        Generation(sample_index, current.root.name).close()
        assert not gc.isenabled()
    finally:
        gc.enable()
