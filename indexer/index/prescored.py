"""The most frequent words, scored over every passage at build time.

The most frequent words (的, 法, 人民政府) cost most to decode, and right after opening
nothing is cached: a build scores them whole and saves the arrays (`PRESCORED_DIR`),
exactly what `WordScorer` computes and caches for a frequent word at query time
(float32), so a query ranks the same whether they exist or not. A sharded index scores the
whole index's frequent words over each shard, with the whole index's statistics
(`global_stats.py`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from indexer.index.layout import IndexLayout
from indexer.index.word_index import PRESCORED_DIR, CorpusWide, WordScorer

# Words in more than this share of live passages are scored whole at build time.
PRESCORED_SHARE = 1 / 8


def write_prescored(layout: IndexLayout, live_passages: int) -> int:
    """Score the most frequent words over every passage and save them; return how many.

    The arrays are exactly what `WordScorer.scores` computes and caches for a frequent
    word at query time (float32), so a query ranks the same whether they exist or not.
    """
    threshold = PRESCORED_SHARE * max(live_passages, 1)

    def frequent(reader: object) -> list[str]:
        return [
            word.decode("utf-8") if isinstance(word, bytes) else word
            for word, info in reader.iter_field("content")  # type: ignore[attr-defined]
            if info.doc_frequency() > threshold
        ]

    return _prescore(layout, None, layout.ranking / PRESCORED_DIR, frequent)


def prescore_shard(layout: IndexLayout, whole: CorpusWide, words: list[str]) -> int:
    """Score the whole index's frequent `words` over a shard's passages, with the whole
    index's statistics, into `whole.prescored` (`global_stats.py` chooses the words)."""
    return _prescore(layout, whole, whole.prescored, lambda reader: words)


def _prescore(
    layout: IndexLayout,
    whole: CorpusWide | None,
    folder: Path,
    choose: Callable[[object], list[str]],
) -> int:
    ranking = layout.ranking
    passage_report = np.load(ranking / "passage_report.npy")
    scorer = WordScorer(layout, passage_report, np.load(ranking / "section_of.npy"), whole)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        searcher = scorer.searcher()
        index = {}
        for number, word in enumerate(sorted(choose(searcher.reader()))):
            name = f"{number}.npy"
            np.save(folder / name, scorer._word_scores(searcher, word).astype(np.float32))
            index[word] = name
        (folder / "words.json").write_text(json.dumps(index, ensure_ascii=False), "utf-8")
    finally:
        scorer.close()
    return len(index)
