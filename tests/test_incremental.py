"""Index generations and incremental builds: add, change, delete, remove, merge, kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from indexer.build import BATCH_CHARACTERS, build_index, optimize_index, remove_sources
from indexer.errors import IndexMissingError
from indexer.index import generations
from indexer.index.generations import BuildLockedError
from indexer.index.layout import IndexLayout
from indexer.index.literal import LiteralIndex, LiteralSegment, merge_segments, read_segment_list
from indexer.index.store import ReportStore
from indexer.search.engine import SearchEngine
from tests.helpers import report_text, write_reports

ROOT = Path(__file__).resolve().parent.parent


def ids_by_source(index_dir: Path) -> dict[str, tuple[int, str, list[str]]]:
    layout = IndexLayout.current(index_dir)
    assert layout is not None
    store = ReportStore(layout.store)
    found = {}
    for record in store.report_records():
        passages = [p.passage_id for p in store.report(record.report_id).passages]
        found[Path(record.source).stem] = (record.ordinal, record.report_id, passages)
    store.close()
    return found


def leftovers(index_dir: Path) -> list[str]:
    current = generations.read_current(index_dir)
    expected = {current, generations.CURRENT, generations.LOCK, generations.BUILD_ID}
    return sorted(p.name for p in index_dir.iterdir() if p.name not in expected)


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    return write_reports(tmp_path / "corpus", {"紫菜": 1, "海带": 2, "裙带菜": 3})


def test_adding_a_file_keeps_the_ids_of_every_other_report(corpus: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    before = ids_by_source(index_dir)
    write_reports(corpus, {"石花菜": 4})
    summary = build_index([corpus], index_dir)
    assert (summary.files_read, summary.files_unchanged, summary.reports_added) == (1, 3, 1)
    after = ids_by_source(index_dir)
    assert {k: after[k] for k in before} == before
    engine = SearchEngine.open(index_dir)
    assert engine.search("石花菜").total_reports == 1
    assert engine.search("专项整治").total_reports == 4
    assert engine.generation.store.counts() == (4, summary.passages)


def test_a_changed_file_is_read_again_and_its_report_replaced(corpus: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    before = ids_by_source(index_dir)
    (corpus / "海带.txt").write_text(report_text("海带", 2) + "海带丰收。\n", encoding="utf-8")
    summary = build_index([corpus], index_dir)
    assert (summary.files_read, summary.reports_added, summary.reports_removed) == (1, 1, 1)
    after = ids_by_source(index_dir)
    assert after["紫菜"] == before["紫菜"] and after["裙带菜"] == before["裙带菜"]
    assert after["海带"][1] != before["海带"][1]
    engine = SearchEngine.open(index_dir)
    assert engine.search("海带丰收").total_passages == 1
    assert engine.search("海带").total_reports == 1
    assert engine.search("专项整治").total_passages == 3  # the old passages are gone


def test_a_deleted_file_disappears_and_remove_removes_explicitly(corpus: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    before = ids_by_source(index_dir)
    (corpus / "紫菜.txt").unlink()
    summary = build_index([corpus], index_dir)
    assert (summary.files_removed, summary.reports_removed, summary.reports) == (1, 1, 2)
    engine = SearchEngine.open(index_dir)
    assert engine.search("紫菜").total_passages == 0
    assert engine.search("工作 -紫菜").total_reports == 2  # removed passages never come back
    summary = remove_sources([corpus / "海带.txt"], index_dir)
    assert (summary.reports_removed, summary.reports) == (1, 1)
    engine = SearchEngine.open(index_dir)
    assert engine.search("海带").total_passages == 0
    assert engine.search("专项整治").total_reports == 1
    assert [r.report_id for r in engine.report_summaries()] == [before["裙带菜"][1]]
    assert ids_by_source(index_dir) == {"裙带菜": before["裙带菜"]}


def test_an_unchanged_rebuild_changes_nothing_but_the_generation(corpus: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    first = build_index([corpus], index_dir)
    second = build_index([corpus], index_dir)
    assert (second.files_read, second.files_unchanged, second.reports_added) == (0, 3, 0)
    assert second.generation != first.generation
    assert ids_by_source(index_dir) == ids_by_source(index_dir)
    assert leftovers(index_dir) == []


def test_an_engine_opened_before_an_update_keeps_answering(corpus: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    old = SearchEngine.open(index_dir)
    (corpus / "紫菜.txt").unlink()
    write_reports(corpus, {"石花菜": 4})
    build_index([corpus], index_dir)
    new = SearchEngine.open(index_dir)
    assert new is not old and new.build_id != old.build_id
    # The old generation is still held by `old`, so the build kept it.
    assert (index_dir / old.generation.name).is_dir()
    for _ in range(2):
        assert old.search("紫菜").total_reports == 1
        assert old.search("石花菜").total_reports == 0
        assert [h.passage_id for h in old.search("专项整治").hits()]
        assert new.search("紫菜").total_reports == 0
        assert new.search("石花菜").total_reports == 1
    assert SearchEngine.open(index_dir) is new
    old_generation = old.generation.name
    del old  # the last user is done: its files close and the next build removes it
    build_index([corpus], index_dir)
    assert not (index_dir / old_generation).exists()
    assert leftovers(index_dir) == [new.generation.name]  # still in use


def test_an_old_engine_closes_its_files_once_replaced(corpus: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)

    def deleted_files() -> int:
        fd_dir = Path("/proc/self/fd")
        links = []
        for fd in fd_dir.iterdir():
            try:
                links.append(os.readlink(fd))
            except OSError:
                continue
        return sum(1 for link in links if link.endswith("(deleted)") and str(index_dir) in link)

    for _ in range(4):
        SearchEngine.open(index_dir).search("专项整治").hits()
        build_index([corpus], index_dir, incremental=False)
    SearchEngine.open(index_dir).search("专项整治").hits()
    assert deleted_files() == 0
    assert len(leftovers(index_dir)) <= 1  # the one replaced last waits for the next build


def test_literal_segments_merge_and_keep_every_match(tmp_path: Path):
    texts = [f"第{i}条 行政复议{i % 7}号 依法治校" for i in range(60)]
    parts = [
        LiteralSegment.build(texts[0:20], np.arange(0, 20)),
        LiteralSegment.build(texts[20:45], np.arange(20, 45)),
        LiteralSegment.build(texts[45:60], np.arange(45, 60)),
    ]
    live = np.ones(60, dtype=bool)
    live[[3, 21, 50]] = False
    segmented = LiteralIndex(parts, live)
    merged = merge_segments(parts, live)
    assert len(merged) == 57
    single = LiteralIndex([merged], live)
    for needle in ("行", "复议", "行政复议3号", "依法治校", "第2", "条 行", "9"):
        expected = [i for i, t in enumerate(texts) if needle in t and live[i]]
        assert segmented.passages_containing(needle).tolist() == expected
        assert single.passages_containing(needle).tolist() == expected
    for ordinal in (0, 22, 59):
        assert single.folded_passage(ordinal) == segmented.folded_passage(ordinal)


def test_small_segments_are_merged_by_the_build_and_by_optimize(tmp_path: Path):
    corpus = tmp_path / "corpus"
    index_dir = tmp_path / "index"
    for number in range(1, 7):  # one small literal segment per update
        write_reports(corpus, {f"菜{number}": number})
        build_index([corpus], index_dir)
    layout = IndexLayout.current(index_dir)
    assert layout is not None
    assert len(read_segment_list(layout.literal)) < 6
    (corpus / "菜2.txt").unlink()
    build_index([corpus], index_dir)
    optimize_index(index_dir)
    layout = IndexLayout.current(index_dir)
    assert layout is not None
    assert len(read_segment_list(layout.literal)) == 1
    engine = SearchEngine.open(index_dir)
    assert engine.search("专项整治").total_reports == 5
    assert engine.search("菜2").total_passages == 0
    assert engine.search("菜6").total_reports == 1
    assert BATCH_CHARACTERS > 1000


def test_a_symlinked_index_stays_a_symlink(corpus: Path, tmp_path: Path):
    target = tmp_path / "real-index"
    link = tmp_path / "index"
    link.symlink_to(target, target_is_directory=True)
    target.mkdir()
    build_index([corpus], link)
    build_index([corpus], link, incremental=False)
    assert link.is_symlink()
    assert SearchEngine.open(link).search("紫菜").total_reports == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "index", "real-index"]


def test_a_second_build_is_refused_while_one_runs(corpus: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    refused = pytest.raises(BuildLockedError, match=rf"另一个构建正在进行 \(pid {os.getpid()}\)")
    with generations.build_lock(index_dir), refused:
        build_index([corpus], index_dir)
    build_index([corpus], index_dir)  # the lock went with its holder


def _build_in_subprocess(corpus: Path, index_dir: Path, fault: str, *extra: str):
    env = dict(os.environ, **{generations.FAULT_ENV: fault})
    code = (
        "import sys; from indexer.build import build_index;"
        "build_index([sys.argv[1]], sys.argv[2], workers=int(sys.argv[3]))"
    )
    workers = extra[0] if extra else "1"
    return subprocess.Popen(
        [sys.executable, "-c", code, str(corpus), str(index_dir), workers],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    "point",
    # during the write, just before the pointer swap, just after it, after the clean-up
    ["after-read", "before-pointer", "after-pointer", "after-cleanup"],
)
def test_a_build_killed_at_any_point_leaves_a_searchable_index(
    corpus: Path, tmp_path: Path, point: str
):
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    write_reports(corpus, {"石花菜": 4})
    process = _build_in_subprocess(corpus, index_dir, point)
    assert process.wait(timeout=120) == -signal.SIGKILL
    SearchEngine._cache.clear()
    engine = SearchEngine.open(index_dir)
    assert engine.search("紫菜").total_reports == 1
    assert engine.search("石花菜").total_reports in (0, 1)  # before or after the swap
    del engine
    SearchEngine._cache.clear()
    build_index([corpus], index_dir)
    assert leftovers(index_dir) == []
    assert SearchEngine.open(index_dir).search("石花菜").total_reports == 1


def test_a_concurrent_build_from_another_process_is_refused(corpus: Path, tmp_path: Path):
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    process = _build_in_subprocess(corpus, index_dir, "locked:30")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            holder = (index_dir / generations.LOCK).read_text().strip()
            if holder == str(process.pid):
                break
            time.sleep(0.05)
        with pytest.raises(BuildLockedError, match=f"pid {process.pid}"):
            build_index([corpus], index_dir)
    finally:
        process.kill()
        process.wait()
    build_index([corpus], index_dir)  # a killed build's lock is taken over


def test_worker_processes_die_with_a_killed_build(tmp_path: Path, corpus: Path):
    index_dir = tmp_path / "index"
    process = _build_in_subprocess(corpus, index_dir, "reading:30", "2")
    try:
        deadline = time.monotonic() + 60
        children: list[str] = []
        while time.monotonic() < deadline and not children:
            time.sleep(0.2)
            path = Path(f"/proc/{process.pid}/task/{process.pid}/children")
            children = path.read_text().split() if path.exists() else []
        assert children, "the build started no worker process"
    finally:
        process.kill()
        process.wait()
    time.sleep(0.5)
    assert not [
        pid
        for pid in children
        if Path(f"/proc/{pid}").exists()
        and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]
    ]
    build_index([corpus], index_dir)
    assert leftovers(index_dir) == []


def test_a_removed_report_takes_its_title_out_of_the_word_index(corpus: Path, tmp_path: Path):
    # A title is indexed once per report: removing the report must delete that document,
    # or its words would keep their weight in every other report's scores.
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    assert SearchEngine.open(index_dir).generation.scorer.stats["title"]["documents"] == 3
    remove_sources([corpus / "紫菜.txt"], index_dir)
    engine = SearchEngine.open(index_dir)
    searcher = engine.generation.scorer.searcher()
    assert engine.generation.scorer.stats["title"]["documents"] == 2
    live_titles = {
        int(engine.generation.scorer.docnum_id[d])
        for w in engine.generation.segmenter.words("某县法治政府建设工作报告")
        for d in searcher.reader().postings("title", w).all_ids()
        if not searcher.reader().is_deleted(d)
    }
    assert len(live_titles) == 2
    assert engine.search("紫菜").total_passages == 0


def test_an_index_of_an_older_format_is_refused_with_a_reason_and_rebuilt_whole(
    corpus: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    layout = IndexLayout.current(index_dir)
    assert layout is not None
    layout.meta.write_text('{"format": 4}', encoding="utf-8")  # as a build before this one
    SearchEngine._cache.clear()
    with pytest.raises(IndexMissingError, match="旧版本建的（格式 4，现在是"):
        SearchEngine.open(index_dir)
    again = build_index([corpus], index_dir)
    assert again.files_unchanged == 0 and again.files_read == 3  # nothing reused: rebuilt
    assert SearchEngine.open(index_dir).search("紫菜").total_reports == 1


def test_a_file_whose_size_and_time_are_as_recorded_is_not_hashed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from indexer.build import steps

    corpus = write_reports(tmp_path / "corpus", {"林业": 1, "教育": 2, "交通": 3})
    old = time.time() - 60  # written long before: no write can hide in the same moment
    for path in corpus.iterdir():
        os.utime(path, (old, old))
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    hashed: list[Path] = []
    digest = steps._digest
    monkeypatch.setattr(steps, "_digest", lambda path: hashed.append(path) or digest(path))
    second = build_index([corpus], index_dir)
    assert second.files_unchanged == 3 and hashed == []
    # A change shows in the size or the time: that file, and only it, is hashed and read.
    changed = corpus / "教育.txt"
    changed.write_text(report_text("教育", 2).replace("差距", "不小的差距"), encoding="utf-8")
    third = build_index([corpus], index_dir)
    assert hashed == [changed] and third.files_read == 1 and third.reports_added == 1
    # Written in the same moment as the scan that recorded it: hashed again, to be sure.
    hashed.clear()
    fourth = build_index([corpus], index_dir)
    assert hashed == [changed] and fourth.files_read == 0
