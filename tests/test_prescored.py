"""The frequent words' postings decoded at build time equal Whoosh's after every update,
while each segment's are decoded once in its life and linked into the next generation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index

from indexer.build import build_index
from indexer.index.layout import IndexLayout
from indexer.index.prescored import SEGMENTS
from indexer.index.schema import WORD_FIELDS
from indexer.index.word_index import PRESCORED_DIR, decoded_postings
from tests.helpers import write_reports


def assert_prescored_are_whooshs(layout: IndexLayout) -> dict[str, int]:
    """Check every prescored word's arrays against a fresh decoding; return its inodes."""
    folder = layout.ranking / PRESCORED_DIR
    words = json.loads((folder / "words.json").read_text(encoding="utf-8"))
    assert "的" in words
    with whoosh_index.open_dir(str(layout.whoosh)).searcher() as searcher:
        for word, number in words.items():
            for field in WORD_FIELDS:
                docnums, weights = decoded_postings(searcher, field, word)
                assert np.array_equal(np.load(folder / f"{number}.{field}.docnums.npy"), docnums)
                assert np.array_equal(np.load(folder / f"{number}.{field}.weights.npy"), weights)
    return {p.name: p.stat().st_ino for p in (folder / SEGMENTS).iterdir()}


def test_prescored_postings_stay_whooshs_as_segments_come_and_lose_documents(
    tmp_path: Path, sample_dir: Path
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(sample_dir, corpus)
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir, workers=1)
    first = IndexLayout.current(index_dir)
    assert first is not None
    before = assert_prescored_are_whooshs(first)
    assert before

    write_reports(corpus, {"海带": 1})  # a new segment: the first one's postings are linked
    build_index([corpus], index_dir, workers=1)
    second = IndexLayout.current(index_dir)
    assert second is not None and second.root != first.root
    after = assert_prescored_are_whooshs(second)
    kept = set(before) & set(after)
    assert kept and all(before[name] == after[name] for name in kept)
    assert set(after) - set(before)

    # A changed sample file removes its reports' documents from the first segment: its
    # postings are decoded again, without them.
    (sample,) = corpus.glob("000_*.txt")
    sample.write_text(sample.read_text(encoding="utf-8").replace("法治", "法制", 3), "utf-8")
    build_index([corpus], index_dir, workers=1)
    third = IndexLayout.current(index_dir)
    assert third is not None
    with whoosh_index.open_dir(str(third.whoosh)).reader() as reader:
        assert reader.has_deletions()
    again = assert_prescored_are_whooshs(third)
    assert set(again) - set(after)  # decoded again: the first segment lost documents
