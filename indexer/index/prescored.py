"""The most frequent words' postings, decoded at build time.

The most frequent words (的, 法, 人民政府) cost most to decode from Whoosh's posting
blocks, and right after opening nothing is cached: a build decodes their postings in each
word field once and saves them as arrays (`PRESCORED_DIR`: `words.json` names each word's
number; `<n>.<field>.docnums.npy` and `.weights.npy`), which `WordScorer` reads instead of
decoding. They hold no score: scoring them with the statistics of the moment is numpy
work, so a shard's arrays stay valid when the whole index's statistics change, and a
query ranks the same whether they exist or not.
"""

from __future__ import annotations

import json

import numpy as np
from whoosh import index as whoosh_index

from indexer.index.layout import IndexLayout
from indexer.index.schema import WORD_FIELDS
from indexer.index.word_frequencies import WordFrequencies
from indexer.index.word_index import PRESCORED_DIR, decoded_postings

# Words in more than this share of live passages are decoded at build time.
PRESCORED_SHARE = 1 / 8


def write_prescored(layout: IndexLayout, live_passages: int, frequencies: WordFrequencies) -> int:
    """Decode the most frequent words' postings and save them; return how many words."""
    threshold = PRESCORED_SHARE * max(live_passages, 1)
    folder = layout.ranking / PRESCORED_DIR
    folder.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.open_dir(str(layout.whoosh))
    index: dict[str, int] = {}
    with ix.searcher() as searcher:
        words = frequencies.of("content").words_over(threshold)
        for number, word in enumerate(words):
            for field in WORD_FIELDS:
                docnums, weights = decoded_postings(searcher, field, word)
                np.save(folder / f"{number}.{field}.docnums.npy", docnums)
                np.save(folder / f"{number}.{field}.weights.npy", weights)
            index[word] = number
    (folder / "words.json").write_text(json.dumps(index, ensure_ascii=False), "utf-8")
    return len(index)
