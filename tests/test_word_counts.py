"""Words numbered once per worker (`Lexicon`) write the segment blocks listing their words do.

The sample corpus' files are counted by two "workers" in turn, each numbering words in
its own lexicon; the build's lexicon adopts each file's result in the order the files
come, as `reading.read_files` does. The Whoosh segment written from those blocks must be
byte for byte the one written from blocks that each list their own words.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from indexer.build.update import load_dictionaries
from indexer.index.schema import make_schema
from indexer.index.whoosh_segments import DirectSegmentWriter, commit_segments
from indexer.index.word_counts import CountedBlock, Lexicon
from indexer.index.word_fields import CountedWordsField
from indexer.index.word_index import RankingCodec
from indexer.ingest import ingest_path
from indexer.ingest.s1_read import iter_source_files
from indexer.models import Skipped
from tests.conftest import SAMPLE_DIR
from tests.helpers import nonempty
from tests.test_whoosh_segments import segment_files, whoosh_view


@pytest.fixture(scope="module")
def files() -> list[tuple[list[str], list[str]]]:
    """The sample's reports as files of one report each: passage texts and title."""
    found = []
    for path in iter_source_files([SAMPLE_DIR]):
        if not isinstance(path, Path):
            continue
        for item in ingest_path(path):
            if not isinstance(item, Skipped):
                found += [([p.text for p in r.passages], [r.metadata.title]) for r in item]
    assert len(found) > 4
    return found


def write(folder: Path, files: list, entries: tuple, workers: int) -> None:
    """Write the files' passages and titles as one segment; `workers` > 0: counted in
    that many lexicons in turn, sent as pickles and adopted by the build's."""
    folder.mkdir()
    whoosh_index.create_in(str(folder), make_schema(entries))
    writer = DirectSegmentWriter(folder, RankingCodec(), spill_postings=997)
    counter = CountedWordsField(entries)
    lexicons = [Lexicon() for _ in range(workers)]
    build = Lexicon()
    key = 0
    for number, (texts, titles) in enumerate(files):
        lexicon = lexicons[number % workers] if workers else None
        content = CountedBlock.of((counter.word_counts(t) for t in texts), lexicon)
        title = CountedBlock.of((counter.word_counts(t) for t in titles), lexicon)
        if lexicon is not None:
            content, title = pickle.loads(pickle.dumps((content, title)))
            assert content.lexicon is None and not content.vocabulary  # ids only travel
            build.adopt(lexicon.token, lexicon.take_new(), [content, title])
        # Every other passage, as a file's reports split over shards are selected.
        firsts = list(range(0, len(texts), 2))
        writer.add_block("content", range(key, key + len(firsts)), content.select(firsts))
        key += len(firsts)
        writer.add_block("title", range(key, key + len(titles)), title)
        key += len(titles)
    commit_segments(folder, [writer.finish()])


def test_words_numbered_by_workers_write_the_segment_of_blocks_listing_them(
    files: list, tmp_path: Path
) -> None:
    entries = load_dictionaries()
    listed, numbered = tmp_path / "listed", tmp_path / "numbered"
    write(listed, files, entries, workers=0)
    write(numbered, files, entries, workers=2)
    view = whoosh_view(listed)
    assert len(nonempty(view["terms"])) > 500
    assert segment_files(numbered) == segment_files(listed)


def test_a_lexicon_sends_each_word_once_and_adopts_each_worker_in_its_own_order() -> None:
    worker, other, build = Lexicon(), Lexicon(), Lexicon()
    first = CountedBlock.of([{"法治": 2, "政府": 1}], worker)
    assert worker.take_new() == ["法治", "政府"]
    second = CountedBlock.of([{"政府": 3, "建设": 1}], worker)
    assert worker.take_new() == ["建设"]  # 政府 was sent with the first block
    elsewhere = CountedBlock.of([{"建设": 1, "法治": 1}], other)
    build.adopt(other.token, other.take_new(), [elsewhere])
    build.adopt(worker.token, ["法治", "政府"], [first])
    build.adopt(worker.token, ["建设"], [second])
    for block, words in ((first, ["法治", "政府"]), (second, ["政府", "建设"])):
        assert block.lexicon is build
        assert [build.words[i] for i in block.term_ids.tolist()] == words
    assert [build.words[i] for i in elsewhere.term_ids.tolist()] == ["建设", "法治"]
    assert sorted(build.words) == sorted({"法治", "政府", "建设"})


def test_a_block_pickles_as_it_was_arrays_types_and_lexicon_kept(files: list) -> None:
    counter = CountedWordsField(load_dictionaries())
    worker, build = Lexicon(), Lexicon()
    block = CountedBlock.of((counter.word_counts(t) for t in files[0][0]), worker)
    build.adopt(worker.token, worker.take_new(), [block])
    sent = pickle.loads(pickle.dumps(block, protocol=pickle.HIGHEST_PROTOCOL))
    assert nonempty(sent.term_ids.tolist()) == block.term_ids.tolist()
    for name in ("term_ids", "counts", "sizes"):
        mine, theirs = getattr(block, name), getattr(sent, name)
        assert theirs.dtype == mine.dtype and theirs.tolist() == mine.tolist()
    assert sent.lexicon is not None and sent.lexicon.words == build.words
