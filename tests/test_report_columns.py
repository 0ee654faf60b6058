"""The report table a generation opens with: saved field by field, read back as records."""

from __future__ import annotations

import pickle
from pathlib import Path

from indexer.build import build_index
from indexer.index.layout import IndexLayout
from indexer.index.report_columns import REPORTS_FILE, ReportColumns, load_report_columns
from indexer.index.store import ReportStore
from indexer.models import METADATA_FIELDS
from indexer.normalize import fold
from indexer.search.engine import SearchEngine
from indexer.search.report_table import ReportTable
from tests.helpers import nonempty, write_reports


def stored_records(index_dir: Path):
    store = ReportStore(IndexLayout.current(index_dir).store)
    try:
        return store.report_records()
    finally:
        store.close()


def test_the_table_reads_back_every_report_as_the_store_holds_it(sample_index: Path) -> None:
    table = ReportTable(load_report_columns(IndexLayout.current(sample_index).ranking))
    stored = nonempty(stored_records(sample_index), "reports")
    assert table.live_records == stored
    assert [table.records[r.ordinal] for r in stored] == stored
    assert table.years.tolist() == [r.metadata.year or 0 for r in stored]
    for name in METADATA_FIELDS:
        assert table.column(name) == [getattr(r.metadata, name) for r in stored], name


def test_equal_strings_are_saved_once_and_read_back_as_one_object(sample_index: Path) -> None:
    columns = load_report_columns(IndexLayout.current(sample_index).ranking)
    sources = nonempty(columns.sources, "sources")
    assert len(sources) > len(set(sources)), "the sample has several reports in one file"
    assert len({id(s) for s in sources}) == len(set(sources))


def test_a_removed_reports_ordinal_reads_as_an_empty_placeholder(tmp_path: Path) -> None:
    corpus = write_reports(tmp_path / "corpus", {"紫菜": 1, "海带": 2, "裙带菜": 3})
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    (corpus / "海带.txt").unlink()
    build_index([corpus], index_dir)
    table = SearchEngine.open(index_dir).generation.report_table
    stored = stored_records(index_dir)
    live = {r.ordinal for r in stored}
    holes = nonempty([o for o in range(len(table.records)) if o not in live], "holes")
    assert table.live_records == stored
    for ordinal in holes:
        record = table.records[ordinal]
        assert (record.ordinal, record.report_id, record.passage_count) == (ordinal, "", 0)
        assert table.years[ordinal] == 0
        assert table.column("province")[ordinal] == "" and table.column("laws")[ordinal] == []
    for name in METADATA_FIELDS:
        expected = [getattr(r.metadata, name) for r in table.records]
        assert table.column(name) == expected, name
    assert table.region == [
        fold(" ".join((r.metadata.province, r.metadata.city, r.metadata.county)))
        for r in table.records
    ]


def test_a_table_saved_as_rows_by_an_earlier_version_still_opens(tmp_path: Path) -> None:
    corpus = write_reports(tmp_path / "corpus", {"紫菜": 1, "海带": 2})
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    ranking = IndexLayout.current(index_dir).ranking
    store = ReportStore(IndexLayout.current(index_dir).store)
    rows = store.report_rows()
    store.close()
    with open(ranking / REPORTS_FILE, "wb") as handle:
        pickle.dump(rows, handle)  # what the build saved before the table was columnar
    assert load_report_columns(ranking) == ReportColumns.of_rows(rows)
    engine = SearchEngine.open(index_dir)
    assert engine.generation.report_table.live_records == stored_records(index_dir)
    assert engine.search("海带").total_reports == 1
