"""The word index: Whoosh documents of passages, and BM25F over them for ranking.

Which passages match is the literal index's job (`literal.py`); this index only ranks.
Each passage is one Whoosh document holding the words of its text, its section headings
and its report's title. Scores are computed a whole posting block at a time
(`whoosh_blocks.py`), equal to Whoosh's own BM25F.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from .analysis import Entry
from .layout import IndexLayout
from .schema import ORDINAL_COLUMN, WORD_FIELDS, make_schema
from .whoosh_blocks import leaf_postings, numeric_column

# Whoosh spills its posting pool to disk runs past this size (per process) and merges
# them at commit. Bounded so that a build's memory does not grow with the corpus.
WRITER_MEMORY_MB = 256


@dataclass(frozen=True)
class PassageDocument:
    """What the Whoosh document of one passage holds: its words, where, and its ordinal."""

    ordinal: int
    text: str
    section: str
    title: str


class WordWriter:
    """Add and delete passages' Whoosh documents; one commit makes them a generation's.

    A fresh index with several processes writes one segment per process and skips the
    final merge (MEASUREMENTS.md: the merge runs on one core and eats the gain). An
    update opens the previous generation's segments, hard-linked (Whoosh never rewrites a
    segment file; deletions live in the table of contents), and adds a segment.
    """

    def __init__(
        self, folder: Path, entries: tuple[Entry, ...], *, fresh: bool, processes: int = 1
    ) -> None:
        if fresh:
            folder.mkdir(parents=True, exist_ok=True)
            self.ix = whoosh_index.create_in(str(folder), make_schema(entries))
        else:
            self.ix = whoosh_index.open_dir(str(folder))
        if processes > 1:
            self.writer = self.ix.writer(
                procs=processes, multisegment=True, limitmb=WRITER_MEMORY_MB
            )
        else:
            self.writer = self.ix.writer(limitmb=WRITER_MEMORY_MB)

    def add(self, doc: PassageDocument) -> None:
        self.writer.add_document(
            ordinal=doc.ordinal, content=doc.text, section=doc.section, title=doc.title
        )

    def delete(self, docnums: Iterable[int]) -> None:
        for docnum in docnums:
            self.writer.delete_document(int(docnum))

    def commit(self, *, optimize: bool = False) -> None:
        self.writer.commit(optimize=optimize)

    def cancel(self) -> None:
        self.writer.cancel()


def link_whoosh(source: Path, target: Path) -> None:
    """Hard-link the previous generation's Whoosh files into a new generation's folder."""
    target.mkdir(parents=True)
    for path in source.iterdir():
        if path.is_file() and "WRITELOCK" not in path.name:
            os.link(path, target / path.name)


def write_ranking_tables(layout: IndexLayout, ordinal_space: int) -> None:
    """Save docnum → ordinal, and per-ordinal field lengths as Whoosh stores them.

    Read whole columns per segment (`whoosh_blocks.numeric_column`): a Python call per
    document and field took seconds on the laws corpus.
    """
    ix = whoosh_index.open_dir(str(layout.whoosh))
    folder = layout.ranking
    folder.mkdir(parents=True, exist_ok=True)
    byte_lengths = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)
    byte_lengths[0] = 0
    ordinals: list[np.ndarray] = []
    lengths: dict[str, list[np.ndarray]] = {field: [] for field in WORD_FIELDS}
    with ix.reader() as top:
        leaves = top.leaf_readers() if not top.is_atomic() else [(top, 0)]
        for reader, _offset in leaves:
            ordinals.append(numeric_column(reader, "ordinal", ORDINAL_COLUMN))
            for field in WORD_FIELDS:
                raw = numeric_column(reader, _lenfield(field), LENGTHS_COLUMN)
                lengths[field].append(byte_lengths[raw])
    docnum_to_ordinal = np.concatenate(ordinals) if ordinals else np.empty(0, np.int64)
    np.save(folder / "docnum_to_ordinal.npy", docnum_to_ordinal)
    for field in WORD_FIELDS:
        by_ordinal = np.zeros(ordinal_space, dtype=np.float32)
        if len(docnum_to_ordinal):
            by_ordinal[docnum_to_ordinal] = np.concatenate(lengths[field])
        np.save(folder / f"length_{field}.npy", by_ordinal)


class WordScorer:
    """BM25F over Whoosh's word postings, scored a whole posting block at a time.

    Gives the scores Whoosh's own BM25F computes for an OR of the words (same idf,
    field lengths and weights), but without a Python call per posting: blocks are
    decoded by `whoosh_blocks` (whoosh-reloaded 2.7.5, pinned).
    """

    B = 0.75
    K1 = 1.2

    # A word in more than this share of passages has its summed score array cached: the
    # frequent words (的, 法, 人民政府) cost most to decode and recur in many queries.
    CACHE_SHARE = 1 / 32
    CACHE_WORDS = 24

    def __init__(self, layout: IndexLayout, ordinal_space: int) -> None:
        self.ix = whoosh_index.open_dir(str(layout.whoosh))
        ranking = layout.ranking
        self.docnum_to_ordinal = np.load(ranking / "docnum_to_ordinal.npy", mmap_mode="r")
        self._ordinal_to_docnum: np.ndarray | None = None
        self.lengths = {f: np.load(ranking / f"length_{f}.npy", mmap_mode="r") for f in WORD_FIELDS}
        self.passage_count = ordinal_space  # the size of score arrays: every ordinal
        self._local = threading.local()
        self._searchers: list[Searcher] = []
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def ordinal_to_docnum(self) -> np.ndarray:
        if self._ordinal_to_docnum is None:
            inverse = np.zeros(self.passage_count, dtype=np.int64)
            inverse[self.docnum_to_ordinal] = np.arange(len(self.docnum_to_ordinal))
            self._ordinal_to_docnum = inverse
        return self._ordinal_to_docnum

    def searcher(self) -> Searcher:
        """Return this thread's Whoosh searcher, opened once and then reused.

        Opening a searcher reads every segment's files (~7 ms on the laws corpus, more
        than a whole query); a generation never changes (an update makes a new one and
        the engine of the new one opens its own), so a searcher can live as long as it.
        """
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._local.searcher = self.ix.searcher()
            with self._lock:
                self._searchers.append(searcher)
        return searcher

    def close(self) -> None:
        """Close every searcher's files (the generation is being let go)."""
        with self._lock:
            for searcher in self._searchers:
                searcher.close()
            self._searchers.clear()
            self._cache.clear()
        self._local = threading.local()

    def scores(
        self, searcher: Searcher, words: Iterable[str], among: np.ndarray | None = None
    ) -> np.ndarray:
        """Return a score per passage ordinal: the sum of BM25F over words and fields.

        With `among` (passage ordinals), only those passages' scores are guaranteed:
        posting blocks holding none of them are skipped undecoded, which matters when a
        frequent word (年, 的) comes with a rare literal match (2023年). A frequent word's
        scores are computed whole once and kept (`CACHE_SHARE`, `CACHE_WORDS`).
        """
        wanted = None
        # Skipping pays only when matches are sparse; sorting many costs more than it saves.
        if among is not None and len(among) * 8 < self.passage_count:
            wanted = np.sort(self.ordinal_to_docnum[among])
        total = np.zeros(self.passage_count, dtype=np.float64)
        reader = searcher.reader()
        for word in dict.fromkeys(words):
            cached = self._cached(word)
            if cached is not None:
                total += cached
                continue
            frequent = reader.doc_frequency("content", word) > self.CACHE_SHARE * self.passage_count
            if frequent:
                # Kept as float32, and used as such the first time too: the same query
                # must rank the same before and after caching.
                scores = self._word_scores(searcher, word, None).astype(np.float32)
                with self._lock:
                    self._cache[word] = scores
                    while len(self._cache) > self.CACHE_WORDS:
                        self._cache.popitem(last=False)
                total += scores
            else:
                self._word_scores(searcher, word, wanted, total)
        return total

    def _cached(self, word: str) -> np.ndarray | None:
        with self._lock:
            found = self._cache.get(word)
            if found is not None:
                self._cache.move_to_end(word)
            return found

    def _word_scores(
        self,
        searcher: Searcher,
        word: str,
        wanted: np.ndarray | None,
        total: np.ndarray | None = None,
    ) -> np.ndarray:
        if total is None:
            total = np.zeros(self.passage_count, dtype=np.float64)
        reader = searcher.reader()
        for field in WORD_FIELDS:
            if (field, word) not in reader:
                continue
            avg_length = searcher.avg_field_length(field) or 1.0
            idf = searcher.idf(field, word)
            docnums, weights = _postings(searcher, field, word, wanted)
            ordinals = self.docnum_to_ordinal[docnums]
            lengths = self.lengths[field][ordinals]
            norm = self.K1 * ((1 - self.B) + self.B * lengths / avg_length)
            total += np.bincount(
                ordinals,
                weights=idf * (weights * (self.K1 + 1)) / (weights + norm),
                minlength=self.passage_count,
            )
        return total


def _postings(
    searcher: Searcher, field: str, word: str, wanted: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return (docnums, weights) of a term across all segments.

    With `wanted` (sorted docnums), postings of other documents may be left out.
    """
    docnums: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if (field, word) not in reader:
            continue
        local = None
        if wanted is not None:
            window = np.searchsorted(wanted, [offset, offset + reader.doc_count_all()])
            local = wanted[window[0] : window[1]] - offset
            if not len(local):
                continue
        ids, wts = leaf_postings(reader.postings(field, word), local)
        docnums.append(ids + offset)
        weights.append(wts)
    if not docnums:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    return np.concatenate(docnums), np.concatenate(weights)
