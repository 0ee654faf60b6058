"""The most frequent words' postings, decoded at build time.

The most frequent words (的, 法, 人民政府) cost most to decode from Whoosh's posting
blocks, and right after opening nothing is cached: a build decodes their postings in each
word field once and saves them as arrays (`PRESCORED_DIR`: `words.json` names each word's
number; `<n>.<field>.docnums.npy` and `.weights.npy`), which `WordScorer` reads instead of
decoding. They hold no score: scoring them with the statistics of the moment is numpy
work, so a shard's arrays stay valid when the whole index's statistics change, and a
query ranks the same whether they exist or not.

An update keeps most segments, so each segment's decoded postings of a word are kept too
(`segments/`, by segment id and its count of removed documents: Whoosh never reuses an
id, and a segment's removed documents only grow) and hard-linked into the next
generation: an update decodes only the segments it wrote or removed documents from (at
10×, 1.1 s of a one-file update's 1.25 s here). They take as much disk again as the
arrays the engine reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index

from indexer.index.layout import IndexLayout
from indexer.index.schema import WORD_FIELDS
from indexer.index.whoosh_blocks import leaf_postings
from indexer.index.word_frequencies import WordFrequencies, linked_from, word_hashes
from indexer.index.word_index import PRESCORED_DIR

# Words in more than this share of live passages are decoded at build time.
PRESCORED_SHARE = 1 / 8
SEGMENTS = "segments"  # in PRESCORED_DIR: each segment's decoded postings of the words


def write_prescored(
    layout: IndexLayout,
    live_passages: int,
    frequencies: WordFrequencies,
    previous: IndexLayout | None = None,
) -> int:
    """Decode the most frequent words' postings and save them; return how many words.
    Segments `previous` decoded already are linked from it."""
    threshold = PRESCORED_SHARE * max(live_passages, 1)
    folder = layout.ranking / PRESCORED_DIR
    kept = _SegmentPostings(
        folder / SEGMENTS,
        previous.ranking / PRESCORED_DIR / SEGMENTS if previous is not None else None,
    )
    ix = whoosh_index.open_dir(str(layout.whoosh))
    index: dict[str, int] = {}
    with ix.searcher() as searcher:
        words = frequencies.of("content").words_over(threshold)
        for number, word in enumerate(words):
            for field in WORD_FIELDS:
                docnums, weights = kept.postings(searcher, field, word)
                np.save(folder / f"{number}.{field}.docnums.npy", docnums)
                np.save(folder / f"{number}.{field}.weights.npy", weights)
            index[word] = number
    (folder / "words.json").write_text(json.dumps(index, ensure_ascii=False), "utf-8")
    return len(index)


class _SegmentPostings:
    """A word's postings across segments, each segment's decoded once in its life."""

    def __init__(self, folder: Path, previous: Path | None) -> None:
        self.folder, self.previous = folder, previous
        folder.mkdir(parents=True, exist_ok=True)

    def postings(self, searcher: Any, field: str, word: str) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, weights) of `word` in `field` over every segment, as
        `word_index.decoded_postings` decodes them."""
        docnums: list[np.ndarray] = [np.empty(0, np.int64)]
        weights: list[np.ndarray] = [np.empty(0, np.float64)]
        key = f"{field}.{int(word_hashes([word])[0]):016x}"
        for leaf, offset in searcher.leaf_searchers():
            reader = leaf.reader()
            if (field, word) not in reader:
                continue
            ids, found = self._segment(reader, field, word, key)
            docnums.append(ids + offset)
            weights.append(found)
        return np.concatenate(docnums), np.concatenate(weights)

    def _segment(
        self, reader: Any, field: str, word: str, key: str
    ) -> tuple[np.ndarray, np.ndarray]:
        removed = reader.doc_count_all() - reader.doc_count()
        stem = f"{reader.segment().segment_id()}-{removed}.{key}"
        names = (f"{stem}.docnums.npy", f"{stem}.weights.npy")
        if linked_from(self.previous, self.folder, names):
            return np.load(self.folder / names[0]), np.load(self.folder / names[1])
        ids, found = leaf_postings(reader.postings(field, word), None)
        np.save(self.folder / names[0], ids)
        np.save(self.folder / names[1], found)
        return ids, found
