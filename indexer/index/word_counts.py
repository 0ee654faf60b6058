"""Documents' word counts as arrays (`CountedBlock`), their words numbered once (`Lexicon`).

A build's workers count every passage's words; the build's own process adds them to the
word index (`whoosh_segments.DirectSegmentWriter`). That process is the one every result
goes through, so what it does per word is what a build with many workers waits on. Two
ways to name a block's words:

- each block lists its own words (`vocabulary`): a block stands alone, as a file read by
  a Ray task must, whose worker may read files in any order;
- a worker numbers every word it meets once, in its `Lexicon`, and each file's result
  carries only the words new to that worker (`Lexicon.take_new`). The build's process
  takes them in the order that worker read its files (`Lexicon.adopt`): then a word is
  sent, unpickled and looked up once per worker, not once per file it occurs in. On the
  laws corpus one worker sends 40,821 words, where the files list 2.6 million; a writer
  maps lexicon numbers to its own term ids with numpy (`LexiconMap`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from indexer.spans import concatenated_ranges

_UNMAPPED = np.iinfo(np.uint32).max


class Lexicon:
    """Words numbered in the order first met, in one process (a worker, or the build's)."""

    def __init__(self) -> None:
        self.token = uuid.uuid4().hex  # this numbering, among every worker's
        self.number: dict[str, int] = {}
        self.words: list[str] = []
        self._taken = 0
        self._adopted: dict[str, np.ndarray] = {}  # a worker's token → its numbers here

    def numbers(self, words: Iterable[str]) -> list[int]:
        """Each word's number, numbering the new ones (one C loop: mostly known)."""
        words = list(words)
        found = list(map(self.number.get, words))
        if None in found:
            for i, word in enumerate(words):
                if found[i] is None:
                    at = self.number.get(word)  # a word twice among the new ones
                    if at is None:
                        at = self.number[word] = len(self.words)
                        self.words.append(word)
                    found[i] = at
        return found  # type: ignore[return-value]

    def take_new(self) -> list[str]:
        """The words numbered since the last call: what the build's process lacks."""
        new, self._taken = self.words[self._taken :], len(self.words)
        return new

    def adopt(self, token: str, new_words: list[str], blocks: Iterable[CountedBlock]) -> None:
        """Take a worker's next result: its new words (in its numbering's order), and its
        blocks, renumbered here. A worker's results must come in the order it made them."""
        known = self._adopted.get(token, np.empty(0, dtype=np.uint32))
        if new_words:
            known = np.concatenate([known, np.asarray(self.numbers(new_words), np.uint32)])
        self._adopted[token] = known
        for block in blocks:
            block.term_ids = known[block.term_ids]
            block.lexicon = self


class CountedBlock:
    """Documents of one field, counted: their words numbered.

    Document i has `sizes[i]` postings, in order: words with ids `term_ids[k]` and
    `counts[k]` occurrences. Ids are places in the block's `vocabulary`, or numbers of a
    `lexicon` (then the vocabulary is empty). Made where the words are counted (a build's
    workers), taken by `DirectSegmentWriter.add_block` without a Python call per posting.
    """

    def __init__(
        self,
        vocabulary: list[str],
        term_ids: np.ndarray,
        counts: np.ndarray,
        sizes: np.ndarray,
        lexicon: Lexicon | None = None,
    ) -> None:
        self.vocabulary, self.term_ids, self.counts, self.sizes = (
            vocabulary,
            term_ids,
            counts,
            sizes,
        )
        self.lexicon = lexicon

    @classmethod
    def of(
        cls, documents: Iterable[Mapping[str, int]], lexicon: Lexicon | None = None
    ) -> CountedBlock:
        """A block of documents given as {word: occurrences} each; numbered in `lexicon`
        if given (the block then refers to it only once `Lexicon.adopt` renumbers it in
        the process it is sent to: it is sent without it)."""
        number: dict[str, int] = {}
        ids: list[int] = []
        counts: list[int] = []
        sizes: list[int] = []
        for counted in documents:
            if lexicon is None:
                ids.extend(number.setdefault(word, len(number)) for word in counted)
            else:
                ids.extend(lexicon.numbers(counted))
            counts.extend(counted.values())
            sizes.append(len(counted))
        return cls(
            list(number),
            np.asarray(ids, dtype=np.uint32),
            np.asarray(counts, dtype=np.uint32),
            np.asarray(sizes, dtype=np.int64),
        )

    def __reduce__(self) -> tuple[Callable[..., CountedBlock], tuple[Any, ...]]:
        """Pickled with its arrays as raw bytes: numpy's own pickling rebuilds each array
        through a Python call, and a build's process unpickles nine per file it reads."""
        arrays = [(a.dtype.str, a.tobytes()) for a in (self.term_ids, self.counts, self.sizes)]
        return _unpickled_block, (self.vocabulary, *arrays, self.lexicon)

    def select(self, documents: Sequence[int]) -> CountedBlock:
        """The block of the given documents only (in the order given)."""
        chosen = np.asarray(documents, dtype=np.int64)
        starts = np.cumsum(self.sizes) - self.sizes
        rows = concatenated_ranges(starts[chosen], self.sizes[chosen])
        return CountedBlock(
            self.vocabulary,
            self.term_ids[rows],
            self.counts[rows],
            self.sizes[chosen],
            self.lexicon,
        )


def _unpickled_block(
    vocabulary: list[str],
    term_ids: tuple[str, bytes],
    counts: tuple[str, bytes],
    sizes: tuple[str, bytes],
    lexicon: Lexicon | None,
) -> CountedBlock:
    ids, occurrences, lengths = (np.frombuffer(b, dtype=t) for t, b in (term_ids, counts, sizes))
    return CountedBlock(vocabulary, ids, occurrences, lengths, lexicon)


class LexiconMap:
    """A writer's term ids of a lexicon's words, looked up once per word it is given."""

    def __init__(self) -> None:
        self.lexicon: Lexicon | None = None
        self.ids = np.empty(0, dtype=np.uint32)

    def term_ids(self, block: CountedBlock, lookup: Callable[[list[str]], list[int]]) -> np.ndarray:
        """The block's term ids in the writer's numbering; `lookup(words)` gives (or
        makes) the writer's ids of words met for the first time."""
        lexicon = block.lexicon
        assert lexicon is not None, "a block numbered in a lexicon"
        if lexicon is not self.lexicon:
            self.lexicon, self.ids = lexicon, np.empty(0, dtype=np.uint32)
        if len(self.ids) < len(lexicon.words):  # doubled: a lexicon grows file by file
            grown = np.full(max(len(lexicon.words), 2 * len(self.ids)), _UNMAPPED, np.uint32)
            grown[: len(self.ids)] = self.ids
            self.ids = grown
        found = self.ids[block.term_ids]
        missing = found == _UNMAPPED
        if missing.any():
            new = np.unique(block.term_ids[missing])
            self.ids[new] = lookup([lexicon.words[i] for i in new.tolist()])
            found = self.ids[block.term_ids]
        return found
