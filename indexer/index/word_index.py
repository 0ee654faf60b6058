"""The word index: Whoosh documents of passages, headings and titles; BM25F for ranking.

Which passages match is the literal index's job (`literal.py`); this index only ranks.
A passage's Whoosh document holds the words of its text; a section heading path and a
report's title are indexed once each, as documents of their own (`schema.py`), and their
scores reach every passage beneath them through the per-passage section and report
arrays. Each field is scored as Whoosh's BM25F scores it, with the statistics (document
count, average length) of its own kind of document; posting blocks are decoded whole
(`whoosh_blocks.py`).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import numpy as np
from cachetools import LRUCache
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from indexer.index.analysis import Entry
from indexer.index.layout import IndexLayout
from indexer.index.schema import (
    FIELD_KINDS,
    ID_MASK,
    KEY_COLUMN,
    PASSAGE,
    SECTION,
    WORD_FIELDS,
    make_schema,
)
from indexer.index.whoosh_blocks import leaf_postings, length_bytes, numeric_column
from indexer.index.whoosh_segments import segment_count

# Whoosh spills its posting pool to disk runs past this size (per process) and merges
# them at commit. Bounded so that a build's memory does not grow with the corpus.
WRITER_MEMORY_MB = 64
# Segments are written as separate files, not packed into one compound file: a reader
# of a compound segment copies each part it opens (the whole postings and terms files)
# into memory, which cost every web process and the build's own readers ~250 MB on 3×
# the laws corpus; separate files are read where they lie.
_STATS_FILE = "word_stats.json"
PRESCORED_DIR = "prescored"  # in ranking/: frequent words' postings decoded by the build


class RankingCodec(W3Codec):
    """Whoosh's own codec, less the length statistics of each posting block.

    Whoosh looks up the field length of every posting's document while it writes, only
    to store each block's shortest and longest document for its own block-max scoring,
    which ranking here never uses (`WordScorer` reads the lengths column). That lookup
    was 13% of the build's CPU. Named in each segment's table of contents, so readers
    must be able to import it: keep it here.
    """

    length_stats = False

    def __init__(
        self, blocklimit: int = 128, compression: int = 3, *, compress_from: int = 16
    ) -> None:
        """`compress_from`: posting blocks of fewer postings are stored uncompressed
        (`whoosh_postings`), as Whoosh's reader reads them; 1 compresses every block, as
        Whoosh's own writer does."""
        super().__init__(blocklimit=blocklimit, compression=compression)
        self.compress_from = compress_from


# An update adds one segment; past this many, Whoosh's own policy merges the small ones
# (as its writer does at every commit), so updates do not pile segments up.
SEGMENTS_BEFORE_MERGING = 8


def create_word_index(folder: Path, entries: tuple[Entry, ...]) -> None:
    """Create an empty word index with the schema of this dictionary in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    whoosh_index.create_in(str(folder), make_schema(entries))


def merge_word_segments(folder: Path, *, everything: bool) -> None:
    """Merge the index's segments: all into one (optimize), or the small ones when many.

    Whoosh's own writer merges (`MERGE_SMALL`, `optimize`), with the ranking codec.
    """
    ix = whoosh_index.open_dir(str(folder))
    if not everything and segment_count(folder) <= SEGMENTS_BEFORE_MERGING:
        return
    writer = ix.writer(limitmb=WRITER_MEMORY_MB, compound=False, codec=RankingCodec())
    writer.commit(optimize=everything, merge=True)


def index_entries(layout: IndexLayout) -> tuple[Entry, ...]:
    """The dictionary a generation's word index was built with (pickled in its schema)."""
    ix = whoosh_index.open_dir(str(layout.whoosh))
    return ix.schema["content"].entries


def link_whoosh(source: Path, target: Path) -> None:
    """Hard-link the previous generation's Whoosh files into a new generation's folder."""
    target.mkdir(parents=True)
    for path in source.iterdir():
        if path.is_file() and "WRITELOCK" not in path.name:
            os.link(path, target / path.name)


def write_ranking_tables(layout: IndexLayout, live: dict[int, np.ndarray]) -> None:
    """Save docnum → document key, per-id field lengths as Whoosh stores them, and stats.

    `live` holds, per document kind, which ids are in the index (by id): the document
    count and average field length of each field are taken over those. Whole columns are
    read per segment (`whoosh_blocks.numeric_column`): a Python call per document and
    field took seconds on the laws corpus.
    """
    ix = whoosh_index.open_dir(str(layout.whoosh))
    folder = layout.ranking
    folder.mkdir(parents=True, exist_ok=True)
    byte_lengths = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)
    byte_lengths[0] = 0
    keys: list[np.ndarray] = []
    lengths: dict[str, list[np.ndarray]] = {field: [] for field in WORD_FIELDS}
    with ix.reader() as top:
        leaves = top.leaf_readers() if not top.is_atomic() else [(top, 0)]
        if not top.doc_count_all():
            leaves = []  # no segment yet (a shard no report was routed to): no columns
        for reader, _offset in leaves:
            keys.append(numeric_column(reader, "key", KEY_COLUMN))
            for field in WORD_FIELDS:
                raw = length_bytes(reader, field)
                lengths[field].append(byte_lengths[raw])
    docnum_key = np.concatenate(keys) if keys else np.empty(0, np.int64)
    np.save(folder / "docnum_key.npy", docnum_key)
    kinds, ids = docnum_key >> 32, docnum_key & ID_MASK
    stats = {}
    for field in WORD_FIELDS:
        kind = FIELD_KINDS[field]
        alive = live[kind]
        by_id = np.zeros(len(alive), dtype=np.float32)
        if len(docnum_key):
            mine = kinds == kind
            by_id[ids[mine]] = np.concatenate(lengths[field])[mine]
        np.save(folder / f"length_{field}.npy", by_id)
        count = int(np.count_nonzero(alive))
        total = float(np.sum(by_id[alive], dtype=np.float64))
        stats[field] = {
            "documents": count,
            "average_length": total / count if count else 1.0,
            "total_length": total,  # what a sharded index sums (`global_stats.py`)
        }
    (folder / _STATS_FILE).write_text(json.dumps(stats), encoding="utf-8")


def read_word_stats(layout: IndexLayout) -> dict[str, dict[str, float]]:
    """Per word field: its documents' count, average and total length (`write_ranking_tables`)."""
    stats: dict[str, dict[str, float]] = json.loads(
        (layout.ranking / _STATS_FILE).read_text(encoding="utf-8")
    )
    return stats


class CorpusWide(Protocol):
    """What ranking needs of the whole index when a generation is one shard of it: the
    statistics BM25F takes (`global_stats.py` computes them over all shards)."""

    stats: dict[str, dict[str, float]]  # per field: documents, average_length
    space: int  # the whole index's passage ordinals, holes included

    def doc_frequency(self, field: str, word: str) -> int: ...


class WordScorer:
    """BM25F over Whoosh's word postings, scored a whole posting block at a time.

    A word's score in a passage is the sum over fields of Whoosh's BM25 formula with the
    field's boost: over the passage's own text, its section's heading path and its
    report's title (each indexed once, `schema.py`), with each kind of document's own
    count and average length. No Python call per posting: blocks are decoded by
    `whoosh_blocks` (whoosh-reloaded 2.7.5, pinned).
    """

    B = 0.75
    K1 = 1.2

    # A word in more than this share of passages has its summed score array cached: the
    # frequent words (的, 法, 人民政府) cost most to decode and recur in many queries.
    CACHE_SHARE = 1 / 32
    CACHE_WORDS = 24

    def __init__(
        self,
        layout: IndexLayout,
        passage_report: np.ndarray,
        section_of: np.ndarray,
        whole: CorpusWide | None = None,
    ) -> None:
        """`passage_report` and `section_of` are the generation's arrays (shared, not read
        again): each passage's report (−1: removed) and section. `whole`: the whole
        index's statistics, when this generation is a shard of it; scores are then those
        of one index holding every shard."""
        self.ix = whoosh_index.open_dir(str(layout.whoosh))
        ranking = layout.ranking
        docnum_key = np.load(ranking / "docnum_key.npy")
        self.docnum_id = docnum_key & ID_MASK
        self.docnum_kind = (docnum_key >> 32).astype(np.int8)
        self._ordinal_to_docnum: np.ndarray | None = None
        self.lengths = {f: np.load(ranking / f"length_{f}.npy", mmap_mode="r") for f in WORD_FIELDS}
        self.whole = whole
        self.stats = whole.stats if whole is not None else read_word_stats(layout)
        self.passage_count = len(passage_report)  # the size of score arrays: every ordinal
        # What "frequent" is measured against: the whole index's ordinals.
        self.space = whole.space if whole is not None else self.passage_count
        self.section_of = section_of
        # Removed passages point at a report slot that scores nothing.
        report_slots = len(self.lengths["title"])
        self.report_of = np.where(passage_report >= 0, passage_report, report_slots)
        self._local = threading.local()
        self._searchers: list[Searcher] = []
        self._lock = threading.Lock()
        self._cache: LRUCache[str, np.ndarray] = LRUCache(maxsize=self.CACHE_WORDS)
        self._prescored_dir = ranking / PRESCORED_DIR
        index = self._prescored_dir / "words.json"
        self._prescored: dict[str, int] = (
            json.loads(index.read_text(encoding="utf-8")) if index.is_file() else {}
        )
        # Opened now, for the first thread that asks: opening reads every segment's
        # files (~30 ms on the laws corpus), which the first query should not pay.
        self._spare: Searcher | None = self.ix.searcher()
        self._searchers.append(self._spare)

    @property
    def ordinal_to_docnum(self) -> np.ndarray:
        if self._ordinal_to_docnum is None:
            inverse = np.zeros(self.passage_count, dtype=np.int64)
            passages = np.flatnonzero(self.docnum_kind == PASSAGE)
            inverse[self.docnum_id[passages]] = passages
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
            with self._lock:
                searcher, self._spare = self._spare, None
            if searcher is None:
                searcher = self.ix.searcher()
                with self._lock:
                    self._searchers.append(searcher)
            self._local.searcher = searcher
        return searcher

    def close(self) -> None:
        """Close every searcher's files (the generation is being let go)."""
        with self._lock:
            for searcher in self._searchers:
                searcher.close()
            self._searchers.clear()
            self._cache.clear()
            self._spare = None
        self._local = threading.local()

    def scores(
        self, searcher: Searcher, words: Iterable[str], among: np.ndarray | None = None
    ) -> np.ndarray:
        """Return a score per passage ordinal: the sum of BM25F over words and fields.

        With `among` (passage ordinals), only those passages are scored; the rest are 0.
        Searching uses `scores_at`; this dense form is for tools and tests.
        """
        everything = np.arange(self.passage_count) if among is None else np.asarray(among)
        total = np.zeros(self.passage_count, dtype=np.float64)
        total[everything] = self.scores_at(searcher, words, everything)
        return total

    def scores_at(self, searcher: Searcher, words: Iterable[str], among: np.ndarray) -> np.ndarray:
        """Return the BM25F sum over words and fields of each passage in `among`, in order.

        `among` holds sorted passage ordinals (a query's matches). Everything is computed
        in their space, never over every passage: on ten times the laws corpus a dense
        array per word cost more than the matching itself. When the matches are sparse,
        posting blocks holding none of them are skipped undecoded, which matters when a
        frequent word (年, 的) comes with a rare literal match (2023年). A frequent word's
        scores are computed whole once and kept (`CACHE_SHARE`, `CACHE_WORDS`), from
        postings the build decoded for the most frequent (`prescored.py`). Which words are
        frequent is measured on the whole index, so a shard keeps the same ones.
        """
        among = np.asarray(among)
        wanted = None
        if len(among) * 8 < self.passage_count:
            wanted = np.sort(self.ordinal_to_docnum[among])
        result = np.zeros(len(among), dtype=np.float64)
        slots: dict[int, np.ndarray] = {}  # section or report of each match, gathered once
        reader = searcher.reader()
        for word in dict.fromkeys(words):
            if self._frequent(reader, word):
                # Kept as float32, and used as such the first time too: the same query
                # must rank the same before and after caching.
                with self._lock:
                    cached = self._cache.get(word)
                if cached is None:
                    cached = self._word_scores(searcher, word).astype(np.float32)
                    with self._lock:
                        self._cache[word] = cached
                result += cached[among]
            else:
                self._add_word_at(searcher, word, among, wanted, result, slots)
        return result

    def _frequent(self, reader: object, word: str) -> bool:
        return bool(self.doc_frequency(reader, "content", word) > self.CACHE_SHARE * self.space)

    def doc_frequency(self, reader: object, field: str, word: str) -> int:
        """In how many documents of `field` the word is: in the whole index, sharded."""
        if self.whole is not None:
            return self.whole.doc_frequency(field, word)
        return int(reader.doc_frequency(field, word))  # type: ignore[attr-defined]

    def _add_word_at(
        self,
        searcher: Searcher,
        word: str,
        among: np.ndarray,
        wanted: np.ndarray | None,
        result: np.ndarray,
        slots: dict[int, np.ndarray],
    ) -> None:
        """Add one word's BM25F scores of the passages `among` to `result` (aligned)."""
        reader = searcher.reader()
        for field in WORD_FIELDS:
            kind = FIELD_KINDS[field]
            docnums, weights = self._postings(
                searcher, field, word, wanted if kind == PASSAGE else None
            )
            if not len(docnums):  # not in the field (each segment is asked, once)
                continue
            ids = self.docnum_id[docnums]
            lengths = self.lengths[field]
            scores = self._bm25(field, reader, word, weights, lengths[ids])
            if kind == PASSAGE and len(ids) * 4 < len(among):
                # Few postings: find each among the matches (a passage has one document).
                where = np.minimum(np.searchsorted(among, ids), len(among) - 1)
                found = among[where] == ids
                result[where[found]] += scores[found]
                continue
            per_id = np.bincount(ids, weights=scores, minlength=len(lengths) + 1)
            if kind == PASSAGE:
                result += per_id[among]
                continue
            if kind not in slots:
                table = self.section_of if kind == SECTION else self.report_of
                slots[kind] = table[among]
            result += per_id[slots[kind]]

    def _postings(
        self, searcher: Searcher, field: str, word: str, wanted: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """A word's (docnums, weights) in a field: decoded by the build for the most
        frequent words (`prescored.py`), which cost most to decode; else from Whoosh."""
        number = self._prescored.get(word)
        if number is not None:
            stem = self._prescored_dir / f"{number}.{field}"
            return np.load(f"{stem}.docnums.npy"), np.load(f"{stem}.weights.npy")
        return decoded_postings(searcher, field, word, wanted)

    def _word_scores(self, searcher: Searcher, word: str) -> np.ndarray:
        """Return one word's BM25F scores of every passage ordinal (dense)."""
        everything = np.arange(self.passage_count)
        total = np.zeros(self.passage_count, dtype=np.float64)
        self._add_word_at(searcher, word, everything, None, total, {})
        return total

    def _bm25(
        self, field: str, reader: object, word: str, weights: np.ndarray, lengths: np.ndarray
    ) -> np.ndarray:
        """Whoosh's BM25F formula (`whoosh.scoring.bm25`) with the field's own statistics."""
        stats = self.stats[field]
        frequency = self.doc_frequency(reader, field, word)
        idf = np.log(stats["documents"] / (frequency + 1)) + 1
        norm = self.K1 * ((1 - self.B) + self.B * lengths / (stats["average_length"] or 1.0))
        return idf * (weights * (self.K1 + 1)) / (weights + norm)


def decoded_postings(
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
