"""Collocations: the words that keep company with a query in its sentences, by log-likelihood.

The sentences are those of the matching passages (a sentence ends after 。！？!? or at the
passage's end, as for 同句) that hold an occurrence of the query (`occurrences.py`). Their
text around the occurrences, the matched text left out, is cut into words by the index's
own segmenter, so the words are the ones ranking uses; a word made only of digits, a stop
word (`resources/stopwords.txt`) or a word of the query itself is not counted.

Each word is scored by Dunning's log-likelihood ratio G² (1993) on a 2×2 table: its count
among the words of those sentences against its count among every other word of the index
(the word index's frequency of it, less the count in the sentences). Only words at least
`MIN_COUNT` times in the sentences and more frequent there than elsewhere are listed, the
strongest first. G² rewards a word that is both frequent beside the query and unusual
elsewhere, where pointwise mutual information would promote words seen once or twice.

Work is bounded: the sentences of at most `MAX_PASSAGES` matching passages are read (all
of them for most queries; beyond that, the best-ranked reports' first).

Two parts, so that a sharded index computes them as one index does: the words counted in
the sentences of given passages (`sentence_words`, `SentenceWords` adding up over
shards), and their scores against the whole index's word frequencies (`collocations`).
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from indexer.query.proximity import sentences
from indexer.search.occurrences import Marks, located
from indexer.settings import RESOURCES

if TYPE_CHECKING:
    from indexer.index.word_index import WordScorer
    from indexer.search.generation import Generation

MEASURE = "log-likelihood G² (Dunning 1993)"
MIN_COUNT = 3
MAX_PASSAGES = 2_000
DEFAULT_LIMIT = 30


@dataclass(frozen=True)
class Collocate:
    """A word beside the query: its count in the query's sentences, its score (G²)."""

    word: str
    count: int
    score: float
    corpus_count: int  # in the whole index (passages' text)


@functools.cache
def stop_words() -> frozenset[str]:
    """The stop words of `resources/stopwords.txt`."""
    text = (RESOURCES / "stopwords.txt").read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0] for line in text.splitlines())
    return frozenset(word for line in lines for word in line.split())


def _g2(a: float, b: float, c: float, d: float) -> float:
    """Dunning's G² of the 2×2 table [[a, b], [c, d]] (observed counts)."""
    total = a + b + c + d
    g2 = 0.0
    for observed, row, column in (
        (a, a + b, a + c),
        (b, a + b, b + d),
        (c, c + d, a + c),
        (d, c + d, b + d),
    ):
        if observed > 0:
            g2 += observed * math.log(observed * total / (row * column))
    return 2 * g2


@dataclass
class SentenceWords:
    """The words of the sentences holding an occurrence: counted, all, and the sentences."""

    counts: Counter[str] = field(default_factory=Counter)
    words: int = 0
    sentences: int = 0

    @classmethod
    def added(cls, parts: Iterable[SentenceWords]) -> SentenceWords:
        """Those of disjoint sets of passages (a sharded index's shards), summed."""
        out = cls()
        for part in parts:
            out.counts.update(part.counts)
            out.words += part.words
            out.sentences += part.sentences
        return out


def sentence_words(generation: Generation, marks: Marks, ordinals: Sequence[int]) -> SentenceWords:
    """Count the words of the sentences of these passages that hold an occurrence."""
    segmenter = generation.segmenter
    excluded = stop_words() | {word for term in marks.all_terms for word in segmenter.words(term)}
    found = located(generation, ordinals, marks)
    # Words are cut from the text as written, as the index cut it (folding keeps offsets,
    # and the segmenter folds only width and case: 和 must not become its variant 龢).
    records = generation.store.passages(list(ordinals))
    out = SentenceWords()
    for ordinal in ordinals:
        text = records[ordinal].passage.text
        spans = found[ordinal]
        for start, end in sentences(text):
            inside = [(s, e) for s, e in spans if start <= s < end]
            if not inside:
                continue
            out.sentences += 1
            cursor = start
            for s, e in [*inside, (end, end)]:
                for word in segmenter.words(text[cursor:s]):
                    out.words += 1
                    if word not in excluded and not word.isdigit():
                        out.counts[word] += 1
                cursor = max(cursor, e)
    return out


def corpus_words(scorer: WordScorer) -> float:
    """The words of every passage's text in the index (the whole index's, for a shard)."""
    stats = scorer.stats["content"]
    return stats["documents"] * stats["average_length"]


def word_frequencies(scorer: WordScorer, words: Iterable[str]) -> dict[str, int]:
    """How often each word occurs in the passages' text of this generation."""
    reader = scorer.searcher().reader()
    return {word: int(reader.frequency("content", word)) for word in words}


def candidates(found: SentenceWords) -> list[str]:
    """The words counted often enough to be listed: those whose frequency is needed."""
    return sorted(word for word, count in found.counts.items() if count >= MIN_COUNT)


def collocations(
    query: str,
    found: SentenceWords,
    corpus: float,
    frequency: Mapping[str, int],
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Return `{query, measure, sentences, collocates: [{word, count, score, corpus_count}]}`.

    `corpus` is the index's words (`corpus_words`), `frequency` each candidate's count in
    the whole index (`word_frequencies`).
    """
    words = found.words
    scored = []
    for word in candidates(found):
        count = found.counts[word]
        overall = max(frequency.get(word, 0), count)
        a, b = count, max(words - count, 0)
        c, d = overall - count, max(corpus - words - (overall - count), 0)
        if not c + d or a / max(a + b, 1) <= c / (c + d):
            continue  # no more frequent beside the query than elsewhere
        scored.append(Collocate(word, count, round(_g2(a, b, c, d), 1), overall))
    scored.sort(key=lambda k: (-k.score, -k.count, k.word))
    return {
        "query": query,
        "measure": MEASURE,
        "sentences": found.sentences,
        "collocates": [asdict(k) for k in scored[:limit]],
    }
