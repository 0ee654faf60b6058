"""Every sentence a reader sees in a source file is found, across removed markers and breaks.

Cleaning removes page furniture, and with it markers that sat inside sentences (a wiki's
footnote references "鄧同志 / [ / 4 / ] / 在唐山"), and a copy breaks lines mid-sentence
("检查指导、" / "督办考核…"). The reader of the page sees one sentence there; so must search.
The reader's text is modelled from the source and what cleaning dropped (`CleanedText`),
independently of how cleaning rejoins paragraphs: a sentence runs on across an inline marker
and after a line ending in 、 or a comma, and ends at 。！？!? or a paragraph's end.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.ingest.s1_read import read_source
from indexer.ingest.s2_clean import clean_source, split_lines
from indexer.search.engine import SearchEngine
from indexer.search.interface import Engine
from indexer.search.sharded import ShardedEngine
from tests.corpora import CONGRESS, WILD
from tests.helpers import nonempty

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
# A line ending in one of these has not finished its sentence, to any reader.
_GOES_ON = "、，,"
_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]*")
_WORDS = re.compile(r"[\u4e00-\u9fff]{2,}")


def source_files() -> list[Path]:
    files = [*sorted(SAMPLE.glob("*.txt")), *sorted(CONGRESS.glob("*.txt"))]
    files += [p for p in sorted(WILD.iterdir()) if p.suffix in (".txt", ".html", ".htm")]
    return nonempty(files, "source files")


def reader_runs(text: str) -> Iterator[tuple[str, bool]]:
    """Yield the runs of text a reader sees as continuous, and whether one spans a break."""
    cleaned = clean_source(text)
    lines = split_lines(text)
    run: list[str] = []
    joinable = False  # the next kept line continues the run
    for i, line in enumerate(lines):
        if i in cleaned.markers:
            joinable = joinable or bool(run)
            continue
        if i in cleaned.dropped:
            continue
        if not line or not (run and (joinable or run[-1][-1] in _GOES_ON)):
            if run:
                yield "".join(run), len(run) > 1
            run = []
        if line:
            run.append(line)
        joinable = False
    if run:
        yield "".join(run), len(run) > 1


def sentences(run: str) -> list[str]:
    """The sentences of a run; a gap of two spaces or more ends one, as on a page."""
    pieces = []
    for part in re.split(r"\s{2,}", run):
        pieces += [s.strip() for s in _SENTENCE.findall(part)]
    return [s for s in pieces if len(_WORDS.findall(s)) >= 2]


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def checked_sentences() -> list[tuple[str, str, bool]]:
    """(file, sentence, spans a break): every sentence spanning lines, every 25th other one."""
    picked = []
    for path in source_files():
        count = 0
        for run, spans in reader_runs(read_source(path).text):
            for sentence in sentences(run):
                count += 1
                if spans or count % 25 == 0:
                    picked.append((path.name, sentence, spans))
    return picked


def test_the_reader_model_sees_sentences_across_markers_and_broken_lines() -> None:
    picked = checked_sentences()
    spanning = [s for _, s, spans in picked if spans]
    assert any(s.startswith("鄧同志在唐山和科烏礦工") for s in spanning)
    assert len(spanning) >= 20, len(spanning)


@pytest.fixture(params=["one index", pytest.param("3 shards", marks=pytest.mark.slow)])
def real_files_engine(
    request: pytest.FixtureRequest,
    real_files_engine: SearchEngine,
    sharded_real_files_engine: ShardedEngine,
) -> Engine:
    """The real files' index, and the same files in three shards: recall holds in both."""
    return real_files_engine if request.param == "one index" else sharded_real_files_engine


def test_every_sentence_a_reader_sees_is_found_literally_and_by_同句(
    real_files_engine: Engine,
) -> None:
    engine = real_files_engine
    missed = []
    for name, sentence, _ in nonempty(checked_sentences(), "sentences"):
        if engine.search(quoted(sentence)).total_passages == 0:
            missed.append((name, sentence))
            continue
        words = _WORDS.findall(sentence)
        pair = f"同句({quoted(words[0])} {quoted(words[-1])})"
        if engine.search(pair).total_passages == 0:
            missed.append((name, pair))
    assert missed == []
