"""Occurrences: the query's matches counted one by one, not passages or reports.

On the sample beside 六盘水市民政局's 2022 report: the total of /api/search, the hits, the
report groups and the trends all agree with a count made straight from the stored texts.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from indexer.normalize import fold
from indexer.search.engine import SearchEngine
from indexer.search.occurrences import Marks, count, locate, located
from tests.helpers import nonempty


def stored_passages(engine: SearchEngine) -> list[tuple[str, int | None, str, str]]:
    """(report_id, year, province, text) of every stored passage."""
    out = []
    for record in engine.report_summaries():
        meta = record.metadata
        for p in engine.report(record.report_id).passages:
            out.append((record.report_id, meta.year, meta.province, p.text))
    return out


def test_total_occurrences_of_行政复议_are_every_occurrence_in_the_stored_texts(
    workbench: SearchEngine,
) -> None:
    truth = sum(t.count("行政复议") for _, _, _, t in stored_passages(workbench))
    result = workbench.search("行政复议")
    assert truth > result.total_passages  # several in one passage: passages undercount
    assert result.total_occurrences == truth


def test_api_search_and_each_hit_and_group_carry_their_counts(workbench_client) -> None:
    data = workbench_client.get("/api/search?q=行政复议&limit=1000").get_json()
    hits = nonempty(data["hits"])
    assert data["total_occurrences"] == sum(h["occurrences"] for h in hits)
    for hit in hits:
        assert hit["occurrences"] == hit["text"].count("行政复议")
        same_report = [h for h in hits if h["report_id"] == hit["report_id"]]
        assert hit["report_occurrences"] == sum(h["occurrences"] for h in same_report)


@pytest.mark.parametrize(
    "query",
    ["的", "法", "行政复议 OR 复议", "同句(行政复议 申请)", "NEAR(行政 复议, 3)", "law:行政复议法"],
)
def test_counting_many_passages_at_once_equals_locating_each(
    workbench: SearchEngine, query: str
) -> None:
    result = workbench.search(query)
    ordinals = np.sort(np.asarray(result.matched_ordinals()))
    assert len(nonempty(ordinals))
    counted = count(workbench.generation, ordinals, result.marks)
    found = located(workbench.generation, ordinals.tolist(), result.marks)
    assert counted.tolist() == [len(found[int(o)]) for o in ordinals]
    assert result.total_occurrences == int(counted.sum()) > 0


def test_plain_terms_count_as_an_expression_finds_them_longest_first(
    workbench: SearchEngine,
) -> None:
    result = workbench.search("复议 OR 行政复议 OR 的")
    expression = re.compile("行政复议|复议|的")
    truth = sum(len(expression.findall(fold(t))) for _, _, _, t in stored_passages(workbench))
    assert result.total_occurrences == truth


def test_overlapping_occurrences_are_counted_once_left_to_right() -> None:
    assert locate("啊啊啊", Marks(("啊啊",))) == [(0, 2)]
    assert locate("行政复议和复议", Marks(("复议", "行政复议"))) == [(0, 4), (5, 7)]
    assert locate("甲乙", Marks()) == []


def test_trends_count_occurrences_by_year_and_province(
    workbench_client, workbench: SearchEngine
) -> None:
    data = workbench_client.get("/api/trends?q=行政复议").get_json()
    assert data["total_occurrences"] == sum(e["occurrences"] for e in data["by_year"])
    assert data["total_occurrences"] == sum(e["occurrences"] for e in data["by_province"])
    years = {e["value"]: e for e in nonempty(data["by_year"])}
    assert {"2022", "2023"} <= set(years)
    truth = sum(t.count("行政复议") for _, y, _, t in stored_passages(workbench) if y == 2022)
    assert years["2022"]["occurrences"] == truth > 0
    # Normalised by the reports the index holds of each year: 2022 has one, 2023 seven.
    held = [r.metadata.year for r in workbench.report_summaries()]
    assert years["2022"]["index_reports"] == held.count(2022) == 1
    assert years["2023"]["index_reports"] == held.count(2023)
    assert years["2023"]["per_100_reports"] == round(
        100 * years["2023"]["reports"] / held.count(2023), 1
    )
