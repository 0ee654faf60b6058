"""Whole-block posting decoding (`whoosh_blocks`) agrees with Whoosh's own matcher."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from whoosh import index
from whoosh.fields import TEXT, Schema

from indexer.index.whoosh_blocks import has_block_data, leaf_postings
from indexer.search.engine import SearchEngine


def _one_at_a_time(matcher) -> tuple[list[int], list[float]]:
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


@pytest.mark.parametrize("word", ["的", "政府", "行政复议", "2023"])
def test_block_decoding_equals_whooshs_matcher(engine: SearchEngine, word: str) -> None:
    searcher = engine.generation.scorer.searcher()
    blocks = 0
    for leaf, _offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if ("content", word) not in reader:
            continue
        expected_ids, expected_weights = _one_at_a_time(reader.postings("content", word))
        matcher = reader.postings("content", word)
        assert has_block_data(matcher)
        ids, weights = leaf_postings(matcher, None)
        assert ids.tolist() == expected_ids
        assert weights.tolist() == expected_weights
        blocks += -(-len(expected_ids) // 128)
        # With wanted ids, every wanted posting is kept (others may be).
        wanted = np.asarray(expected_ids[::7], dtype=np.int64)
        some_ids, some_weights = leaf_postings(reader.postings("content", word), wanted)
        kept = dict(zip(some_ids.tolist(), some_weights.tolist(), strict=True))
        everything = dict(zip(expected_ids, expected_weights, strict=True))
        assert all(kept[i] == everything[i] for i in wanted.tolist())
    assert blocks >= 1


def test_many_blocks_decode_like_whooshs_matcher(tmp_path: Path) -> None:
    """Several blocks of 128, with weights varying, all equal (a float) and all 1 (None)."""
    ix = index.create_in(str(tmp_path), Schema(text=TEXT))
    writer = ix.writer()
    for i in range(1_000):
        words = ["alpha"] * (i % 3 + 1) if i % 5 else []
        words += ["beta"] if i % 2 else ["gamma", "gamma"]
        writer.add_document(text=" ".join(words))
    writer.commit()
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for word in ("alpha", "beta", "gamma"):
            expected_ids, expected_weights = _one_at_a_time(reader.postings("text", word))
            ids, weights = leaf_postings(reader.postings("text", word), None)
            assert len(expected_ids) > 3 * 128
            assert ids.tolist() == expected_ids
            assert weights.tolist() == expected_weights


def test_a_segment_with_removed_documents_decodes_like_whooshs_matcher(tmp_path: Path) -> None:
    """Whoosh wraps the matchers of a segment with deletions in a filter: its child is
    decoded by blocks, the removed documents dropped."""
    ix = index.create_in(str(tmp_path), Schema(text=TEXT))
    writer = ix.writer()
    for i in range(1_000):
        writer.add_document(text="alpha " * (i % 3 + 1) + ("beta" if i % 2 else "gamma"))
    writer.commit()
    writer = ix.writer()
    for docnum in range(0, 1_000, 7):
        writer.delete_document(docnum)
    writer.commit(merge=False)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        assert reader.has_deletions()
        for word in ("alpha", "beta", "gamma"):
            expected_ids, expected_weights = _one_at_a_time(reader.postings("text", word))
            assert not has_block_data(reader.postings("text", word))  # the filter
            ids, weights = leaf_postings(reader.postings("text", word), None)
            assert len(expected_ids) > 3 * 128 and 7 not in expected_ids
            assert ids.tolist() == expected_ids
            assert weights.tolist() == expected_weights
            wanted = np.sort([*expected_ids[::5], 7]).astype(np.int64)  # 7 is removed
            some_ids, _ = leaf_postings(reader.postings("text", word), wanted)
            assert set(expected_ids[::5]) <= set(some_ids.tolist()) and 7 not in some_ids
