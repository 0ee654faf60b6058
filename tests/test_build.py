"""Building an index from real inputs: mixed folders, bad files, rebuilds."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from docx import Document

from indexer.build import build_index
from indexer.errors import SourceError
from indexer.index.layout import IndexLayout
from indexer.index.store import ReportStore
from indexer.search.engine import SearchEngine
from tests.helpers import nonempty


def passage_ids(index_dir: Path) -> list[tuple[str, str]]:
    layout = IndexLayout.current(index_dir)
    assert layout is not None
    store = ReportStore(layout.store)
    return [
        (record.report_id, p.passage_id)
        for record in store.report_records()
        for p in store.report(record.report_id).passages
    ]


def test_ids_are_identical_across_two_builds(
    sample_index: Path, sample_file: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    build_index([sample_file], again)
    assert passage_ids(again) == passage_ids(sample_index)


def test_a_folder_with_an_unreadable_file_loads_everything_else(
    sample_file: Path, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(sample_file, corpus / "sample.txt")
    (corpus / "broken.docx").write_bytes(b"PK\x03\x04 this is not a real docx")
    (corpus / "table.xlsx").write_bytes(b"not supported")
    report = Document()
    report.add_paragraph("某县司法局2023年法治政府建设工作报告")
    report.add_paragraph("2023年,我局坚持依法行政,全面推进法治政府建设。")
    report.add_paragraph("一、主要工作")
    report.add_paragraph("(一)加强行政复议工作。全年办理行政复议案件12件。")
    report.save(corpus / "report.docx")

    summary = build_index([corpus], tmp_path / "index")

    assert summary.files_read == 2
    assert summary.reports == 9
    skipped = {path.name: reason for path, reason in ((s.path, s.reason) for s in summary.skipped)}
    assert set(skipped) == {"broken.docx", "table.xlsx"}
    assert all(reason for reason in skipped.values())
    engine = SearchEngine.open(tmp_path / "index")
    assert engine.search("行政复议案件12件").total_reports == 1
    assert engine.search("行政复议").total_reports == 6


def test_the_same_report_in_two_files_is_stored_once(sample_file: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(sample_file, corpus / "a.txt")
    shutil.copy(sample_file, corpus / "b.txt")
    summary = build_index([corpus], tmp_path / "index")
    assert summary.reports == 8
    assert len(summary.duplicates) == 8


def test_nothing_readable_is_an_error_and_keeps_the_old_index(
    sample_index: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(sample_index, index_dir)
    before = passage_ids(index_dir)
    (tmp_path / "junk.bin").write_bytes(b"\x00\x01")
    with pytest.raises(SourceError):
        build_index([tmp_path / "junk.bin"], index_dir)
    assert passage_ids(index_dir) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".index.")]


def test_rebuilding_replaces_the_index_and_the_engine_reloads(
    sample_file: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    first = tmp_path / "first.txt"
    first.write_text("一、总体情况\n本县推进紫色萝卜专项整治。", encoding="utf-8")
    build_index([first], index_dir)
    assert SearchEngine.open(index_dir).search("紫色萝卜").total_passages == 1
    build_index([sample_file], index_dir)
    assert SearchEngine.open(index_dir).search("紫色萝卜").total_passages == 0
    assert SearchEngine.open(index_dir).search("行政复议").total_reports == 5


def test_one_worker_or_two_build_the_same_index(tmp_path: Path) -> None:
    from tests.corpora import CONGRESS

    alone = SearchEngine.open(build_index([CONGRESS], tmp_path / "one", workers=1).index_dir)
    paired = SearchEngine.open(build_index([CONGRESS], tmp_path / "two", workers=2).index_dir)
    records = nonempty(alone.report_summaries(), "reports")
    assert [(r.ordinal, r.report_id) for r in paired.report_summaries()] == [
        (r.ordinal, r.report_id) for r in records
    ]
    for query in ("中国共产党", "同志", "革命 AND 农民", "的"):
        expected = nonempty(
            [(h.passage_id, h.highlights) for h in alone.search(query).iter_hits()], query
        )
        assert [(h.passage_id, h.highlights) for h in paired.search(query).iter_hits()] == expected


def test_scoring_only_the_matches_skips_blocks_but_not_scores(tmp_path: Path) -> None:
    # 年 occurs in every passage (many posting blocks); 2023年 in a few of them.
    lines = ["一、总体情况"] + [
        f"第{i}项工作按年计划推进。" + ("2023年完成验收。" if i % 397 == 0 else "")
        for i in range(1, 1600)
    ]
    corpus = tmp_path / "many.txt"
    corpus.write_text("\n".join(lines), encoding="utf-8")
    engine = SearchEngine.open(build_index([corpus], tmp_path / "index").index_dir)
    searcher = engine.generation.scorer.searcher()
    words = engine.generation.segmenter.words("2023年")
    matched = np.flatnonzero(["2023年" in line for line in lines])
    assert len(matched) == 4
    engine.generation.scorer.CACHE_SHARE = 2.0  # no word counts as frequent: nothing is cached
    engine.generation.scorer._prescored = {}  # nor scored by the build (年 is in every passage)
    full = engine.generation.scorer.scores(searcher, words)
    restricted = engine.generation.scorer.scores(searcher, words, matched)
    assert np.allclose(restricted[matched], full[matched])
    assert np.count_nonzero(restricted) < np.count_nonzero(full)  # blocks were skipped
    engine.generation.scorer.CACHE_SHARE = 0.0  # every word is frequent: scored whole, then cached
    cached = engine.generation.scorer.scores(searcher, words, matched)
    assert np.allclose(cached[matched], full[matched], rtol=1e-6)
    assert np.array_equal(
        engine.generation.scorer.scores_at(searcher, words, matched), cached[matched]
    )  # the engine's form: aligned with the matches


def test_a_folder_that_is_not_an_index_is_never_replaced(sample_file: Path, tmp_path: Path) -> None:
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "notes.txt").write_text("我的笔记", encoding="utf-8")
    with pytest.raises(SourceError, match="不会覆盖"):
        build_index([sample_file], documents)
    assert (documents / "notes.txt").read_text(encoding="utf-8") == "我的笔记"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["documents"]
