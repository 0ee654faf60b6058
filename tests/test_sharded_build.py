"""Building a sharded index: updates write only the shards whose reports changed, remove
and optimize work, a change of the number of shards rebuilds and says so, and a build
killed on one shard leaves the previous generation served. After each, the sharded index
answers what one index built the same way answers."""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.build import build_index, optimize_index, remove_sources
from indexer.cli import main
from indexer.index import generations
from indexer.index.cluster import Manifest, shard_of
from indexer.index.layout import IndexLayout
from indexer.index.literal import read_segment_list
from indexer.ingest import parse_source
from indexer.ingest.s1_read import read_source
from indexer.search.engine import SearchEngine, open_index
from indexer.search.interface import Engine
from indexer.search.sharded import ShardedEngine
from tests.conftest import SHARDS
from tests.helpers import nonempty, write_reports

ROOT = Path(__file__).resolve().parent.parent
SUBJECTS = ["紫菜", "海带", "裙带菜", "石花菜", "龙须菜", "鹿角菜", "江蓠", "麒麟菜", "羊栖菜"]
QUERIES = ["专项整治", "菜", "海带 OR 紫菜", "同句(专项 整治)", "案件 -海带"]


def write(corpus: Path, subjects: list[str], first: int = 1) -> Path:
    return write_reports(corpus, {subject: n for n, subject in enumerate(subjects, first)})


def shard_generations(index_dir: Path) -> list[str]:
    layout = IndexLayout.current(index_dir)
    assert layout is not None and layout.is_cluster
    return Manifest.read(layout.root).shards


def report_of(engine: Engine, subject: str) -> str:
    (group,) = engine.search(f"编号{subject}").groups()
    return group.report_id


def answers(engine: Engine) -> list[object]:
    """What the tests compare: every query's totals, hits and newest reports."""
    found: list[object] = []
    for query in QUERIES:
        result = engine.search(query)
        newest = [(n.record.report_id, n.first.passage_id) for n in result.newest(20)]
        found.append((result.total_reports, result.total_passages, result.hits(), newest))
    found.append(engine.report_summaries())
    return found


def assert_same(index_dir: Path, one_dir: Path) -> None:
    sharded, one = open_index(index_dir), open_index(one_dir)
    assert isinstance(sharded, ShardedEngine) and isinstance(one, SearchEngine)
    assert answers(sharded) == answers(one)


@pytest.fixture()
def built(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A corpus of nine reports, indexed in three shards and as one index."""
    corpus = write(tmp_path / "corpus", SUBJECTS)
    index_dir, one_dir = tmp_path / "index", tmp_path / "one"
    summary = build_index([corpus], index_dir, shards=SHARDS, workers=1)
    assert summary.shards == SHARDS
    build_index([corpus], one_dir, workers=1)
    return corpus, index_dir, one_dir


def test_an_update_writes_only_the_shards_whose_reports_changed(built) -> None:
    corpus, index_dir, one_dir = built
    engine = open_index(index_dir)
    assert {shard_of(r.report_id, SHARDS) for r in engine.report_summaries()} == {0, 1, 2}
    before = shard_generations(index_dir)
    write(corpus, ["发菜"], first=10)  # a new report: its shard alone is written again
    summary = build_index([corpus], index_dir, workers=1)  # as many shards as it has
    build_index([corpus], one_dir, workers=1)
    assert (summary.shards, summary.reports_added, summary.files_unchanged) == (SHARDS, 1, 9)
    after = shard_generations(index_dir)
    added = shard_of(report_of(open_index(index_dir), "发菜"), SHARDS)
    assert [k for k in range(SHARDS) if after[k] != before[k]] == [added]
    assert_same(index_dir, one_dir)
    # The report of the latest build comes first in the feed, in both.
    assert open_index(index_dir).search("专项整治").newest(1)[0].record.report_id == (
        report_of(open_index(index_dir), "发菜")
    )
    gone = shard_of(report_of(open_index(index_dir), "紫菜"), SHARDS)
    (corpus / "紫菜.txt").unlink()
    build_index([corpus], index_dir, workers=1)
    build_index([corpus], one_dir, workers=1)
    latest = shard_generations(index_dir)
    assert [k for k in range(SHARDS) if latest[k] != after[k]] == [gone]
    assert_same(index_dir, one_dir)


def test_remove_and_optimize_work_on_a_sharded_index(built) -> None:
    corpus, index_dir, one_dir = built
    before = shard_generations(index_dir)
    removed = shard_of(report_of(open_index(index_dir), "海带"), SHARDS)
    summary = remove_sources([corpus / "海带.txt"], index_dir)
    remove_sources([corpus / "海带.txt"], one_dir)
    assert (summary.reports_removed, summary.reports) == (1, len(SUBJECTS) - 1)
    after = shard_generations(index_dir)
    assert [k for k in range(SHARDS) if after[k] != before[k]] == [removed]
    assert open_index(index_dir).search("海带").total_passages == 0
    assert_same(index_dir, one_dir)
    optimize_index(index_dir)
    optimize_index(one_dir)
    optimized = shard_generations(index_dir)
    assert all(optimized[k] != after[k] for k in range(SHARDS))  # every shard merged
    for path in optimized:
        assert len(read_segment_list(IndexLayout(index_dir / path).literal)) == 1
    assert_same(index_dir, one_dir)


def test_changing_the_number_of_shards_rebuilds_and_says_so(
    built, runner: CliRunner, tmp_path: Path
) -> None:
    corpus, index_dir, one_dir = built
    args = ["build", str(corpus), "--index", str(index_dir), "--workers", "1"]
    result = runner.invoke(main, [*args, "--shards", "2"])
    assert result.exit_code == 0, result.output
    assert "分片数从 3 改为 2：已整体重建索引" in result.output
    assert len(shard_generations(index_dir)) == 2
    two = open_index(index_dir)
    assert isinstance(two, ShardedEngine) and two.total == 2
    assert answers(two) == answers(open_index(one_dir))
    again = runner.invoke(main, [*args, "--json"])  # as many as it has now: no rebuild
    summary = json.loads(again.stdout)
    shards = {"total": 2, "answered": 2}
    assert (summary["shards"], summary["resharded"], summary["files_unchanged"]) == (
        shards,
        None,
        9,
    )
    back = json.loads(runner.invoke(main, [*args, "--shards", "1", "--json"]).stdout)
    assert (back["shards"], back["resharded"]) == ({"total": 1, "answered": 1}, [2, 1])
    assert isinstance(open_index(index_dir), SearchEngine)  # one index again
    assert answers(open_index(index_dir)) == answers(open_index(one_dir))
    refused = runner.invoke(main, [*args, "--shards", "0"])
    assert refused.exit_code == 2 and "--shards" in refused.output


def subject_in_shard(corpus: Path, shard: int) -> str:
    """Add a report that lands in `shard` (ids come from the text alone); its subject."""
    for number, subject in enumerate(["发菜", "地耳", "葛仙米", "石莼", "浒苔", "礁膜"], 10):
        path = write(corpus, [subject], first=number) / f"{subject}.txt"
        (report,) = parse_source(read_source(path))
        if shard_of(report.report_id, SHARDS) == shard:
            return subject
        path.unlink()
    raise AssertionError(f"no subject lands in shard {shard}")


@pytest.mark.parametrize(
    ("shard", "step"), [(1, "whoosh"), pytest.param(2, "reports", marks=pytest.mark.slow)]
)
def test_a_build_killed_on_one_shard_leaves_the_previous_generation_served(
    built, shard: int, step: str
) -> None:
    corpus, index_dir, _ = built
    served = open_index(index_dir)
    build_id, expected = served.build_id, answers(served)
    subject = subject_in_shard(corpus, shard)
    code = (
        "import sys; from indexer.build import build_index;"
        "build_index([sys.argv[1]], sys.argv[2], workers=1)"
    )
    process = subprocess.run(
        [sys.executable, "-c", code, str(corpus), str(index_dir)],
        cwd=ROOT,
        env=dict(os.environ, **{generations.FAULT_ENV: f"shard-{shard}-{step}"}),
        stderr=subprocess.DEVNULL,
        timeout=120,
    )
    assert process.returncode == -signal.SIGKILL
    SearchEngine._cache.clear()
    engine = open_index(index_dir)
    assert engine.build_id == build_id and answers(engine) == expected
    assert engine.search(subject).total_passages == 0
    del engine, served  # no reader holds an old generation any more
    SearchEngine._cache.clear()
    gc.collect()
    build_index([corpus], index_dir, workers=1)
    assert open_index(index_dir).search(subject).total_reports == 1
    latest = {Path(p) for p in shard_generations(index_dir)}
    written = {p.relative_to(index_dir) for p in (index_dir / "shards").glob("*/*")}
    assert nonempty(written) == latest  # what the killed build wrote is cleaned up


def test_a_shard_no_report_went_to_is_an_empty_shard_that_answers(tmp_path: Path) -> None:
    corpus = write(tmp_path / "corpus", SUBJECTS[:2])
    build_index([corpus], tmp_path / "index", shards=SHARDS, workers=1)
    build_index([corpus], tmp_path / "one", workers=1)
    engine = open_index(tmp_path / "index")
    held = {shard_of(r.report_id, SHARDS) for r in engine.report_summaries()}
    assert len(held) < SHARDS  # two reports: a shard holds none
    assert_same(tmp_path / "index", tmp_path / "one")
    assert engine.search("专项整治").concordance(sort="right").total == 2


def test_a_failed_pairing_fails_the_update_and_leaves_the_previous_generation_served(
    built, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, index_dir, _ = built
    build_id, expected = open_index(index_dir).build_id, answers(open_index(index_dir))
    subject = subject_in_shard(corpus, 0)
    monkeypatch.setenv(generations.FAULT_ENV, "pairing:exit")  # the pairing child exits 3
    with pytest.raises(RuntimeError, match="跨分片配对相近段落的进程失败（退出码 3）"):
        build_index([corpus], index_dir, workers=1)
    SearchEngine._cache.clear()
    engine = open_index(index_dir)
    assert engine.build_id == build_id and answers(engine) == expected
    monkeypatch.delenv(generations.FAULT_ENV)
    build_index([corpus], index_dir, workers=1)
    SearchEngine._cache.clear()
    assert open_index(index_dir).search(subject).total_reports == 1


def _pairing_children() -> list[int]:
    """The pids of pairing processes running now (their command line names the module)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if proc.name.isdigit() and b"indexer.index.pairing" in command:
            found.append(int(proc.name))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the death signal is Linux's")
def test_the_pairing_process_dies_with_a_killed_build(built) -> None:
    corpus, index_dir, _ = built
    subject_in_shard(corpus, 1)
    code = (
        "import sys; from indexer.build import build_index;"
        "build_index([sys.argv[1]], sys.argv[2], workers=1)"
    )
    before = set(_pairing_children())
    build = subprocess.Popen(
        [sys.executable, "-c", code, str(corpus), str(index_dir)],
        cwd=ROOT,
        env=dict(os.environ, **{generations.FAULT_ENV: "pairing:60"}),  # the child lingers
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):  # until the build started its pairing child
            started = set(_pairing_children()) - before
            if started:
                break
            assert build.poll() is None, "the build ended before it paired"
            time.sleep(0.05)
        assert started
    finally:
        build.kill()
        build.wait()
    for _ in range(100):  # the death signal is sent at once; the exit takes a moment
        if not started & set(_pairing_children()):
            break
        time.sleep(0.05)
    assert not started & set(_pairing_children())
