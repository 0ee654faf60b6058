"""Fixtures that build a tiny fresh world: the sample corpus indexed once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.build import build_index
from indexer.ingest import parse_source
from indexer.ingest.s1_read import read_source
from indexer.models import Report
from indexer.search.engine import SearchEngine, open_index
from indexer.search.sharded import ShardedEngine
from tests.helpers import GBK_FILE_NAME, GBK_FOLDER, PLAIN_REPORT

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
SAMPLE_FILE = SAMPLE_DIR / "000_61bc35062b802780.txt"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The bundled corpus folder, data/sample."""
    return SAMPLE_DIR


@pytest.fixture(scope="session")
def sample_file() -> Path:
    """The bundled sample: eight 2023 reports in one scraped page."""
    return SAMPLE_FILE


@pytest.fixture(scope="session")
def sample_text(sample_file: Path) -> str:
    return sample_file.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def sample_paragraphs(sample_text: str) -> list[str]:
    """The sample cleaned: its report paragraphs, clutter removed (stage 2)."""
    from indexer.ingest.s2_clean import clean_paragraphs

    return clean_paragraphs(sample_text)


@pytest.fixture(scope="session")
def sample_split(sample_paragraphs: list[str]) -> list[list[str]]:
    """The sample's paragraphs split into its eight reports (stage 3)."""
    from indexer.ingest.s3_split import split_reports

    return split_reports(sample_paragraphs)


@pytest.fixture(scope="session")
def sample_reports(sample_file: Path) -> list[Report]:
    """The sample's eight reports, every stage run (read-only: `fresh_sample_reports` to
    change them)."""
    return parse_source(read_source(sample_file))


@pytest.fixture()
def fresh_sample_reports(sample_file: Path) -> list[Report]:
    """The sample's eight reports, parsed anew for a test that changes them."""
    return parse_source(read_source(sample_file))


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    """An index of the bundled sample, built once for the whole session."""
    index_dir = tmp_path_factory.mktemp("sample") / "index"
    build_index([sample_dir], index_dir)
    return index_dir


@pytest.fixture(scope="session")
def engine(sample_index: Path) -> SearchEngine:
    return SearchEngine.open(sample_index)


SHARDS = 3  # the sharded twins of the indexes above: what one index gives, they give


def sharded(index_dir: Path) -> ShardedEngine:
    engine = open_index(index_dir)
    assert isinstance(engine, ShardedEngine) and engine.total == SHARDS
    return engine


@pytest.fixture(scope="session")
def sharded_sample_index(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    """The sample's index in three shards, built once for the whole session."""
    index_dir = tmp_path_factory.mktemp("sample-sharded") / "index"
    build_index([sample_dir], index_dir, shards=SHARDS)
    return index_dir


@pytest.fixture(scope="session")
def sharded_engine(sharded_sample_index: Path) -> ShardedEngine:
    return sharded(sharded_sample_index)


WORKBENCH_DIR = ROOT / "tests" / "data" / "workbench"
LIUPANSHUI_2023 = "b0907311df637080"  # 六盘水市民政局's 2023 report, in the sample


@pytest.fixture(scope="session")
def workbench_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample beside a second year's report of one of its bodies (六盘水市民政局, 2022)."""
    index_dir = tmp_path_factory.mktemp("workbench") / "index"
    build_index([SAMPLE_DIR, WORKBENCH_DIR], index_dir)
    return index_dir


@pytest.fixture(scope="session")
def workbench(workbench_index: Path) -> SearchEngine:
    return SearchEngine.open(workbench_index)


@pytest.fixture(scope="session")
def sharded_workbench_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workbench's index in three shards: 六盘水市民政局's two years may lie apart."""
    index_dir = tmp_path_factory.mktemp("workbench-sharded") / "index"
    build_index([SAMPLE_DIR, WORKBENCH_DIR], index_dir, shards=SHARDS)
    return index_dir


@pytest.fixture()
def workbench_client(workbench_index: Path):
    from webapp import create_app

    return create_app({"TESTING": True, "INDEX_DIR": workbench_index}).test_client()


@pytest.fixture(scope="session")
def real_files_engine(tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    """An index of every real file in the repository: the sample, congress reports, wild files."""
    from tests.corpora import CONGRESS, WILD

    index_dir = tmp_path_factory.mktemp("real-files") / "index"
    build_index([SAMPLE_DIR, CONGRESS, WILD], index_dir)
    return SearchEngine.open(index_dir)


@pytest.fixture(scope="session")
def sharded_real_files_engine(tmp_path_factory: pytest.TempPathFactory) -> ShardedEngine:
    """`real_files_engine`'s files in three shards."""
    from tests.corpora import CONGRESS, WILD

    index_dir = tmp_path_factory.mktemp("real-files-sharded") / "index"
    build_index([SAMPLE_DIR, CONGRESS, WILD], index_dir, shards=SHARDS)
    return sharded(index_dir)


@pytest.fixture(scope="session")
def sample_passages(engine: SearchEngine) -> list[tuple[str, str]]:
    """Every stored passage as (report_id, text), straight from the document store."""
    passages = []
    for record in engine.report_summaries():
        report = engine.report(record.report_id)
        passages.extend((report.report_id, p.text) for p in report.passages)
    return passages


@pytest.fixture(scope="session")
def gbk_named_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of one report without headings, in a GBK-named file under gbkname/."""
    root = tmp_path_factory.mktemp("gbk-named")
    folder = root / "corpus" / GBK_FOLDER
    folder.mkdir(parents=True)
    with open(os.path.join(os.fsencode(folder), GBK_FILE_NAME.encode("gbk")), "wb") as handle:
        handle.write(PLAIN_REPORT.encode("gbk"))
    build_index([root / "corpus"], root / "index")
    return root / "index"


@pytest.fixture()
def app(sample_index: Path):
    from webapp import create_app

    return create_app({"TESTING": True, "INDEX_DIR": sample_index})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner() -> CliRunner:
    """Invokes the command line in-process, as `python -m indexer` would run it."""
    return CliRunner()
