"""The word index: Whoosh documents of passages, and BM25F over them for ranking.

Which passages match is the literal index's job (`literal.py`); this index only ranks.
Each passage is one Whoosh document holding the words of its text, its section headings
and its report's title. Scores are computed a whole posting block at a time
(`whoosh_blocks.py`), equal to Whoosh's own BM25F.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.searching import Searcher

from .analysis import Entry
from .layout import IndexLayout
from .schema import WORD_FIELDS, make_schema
from .whoosh_blocks import leaf_postings

# Whoosh spills its posting pool to disk runs past this size and merges them at commit;
# merging dominated larger builds, and memory is cheaper than that.
WRITER_MEMORY_MB = 2048


@dataclass(frozen=True)
class PassageDocument:
    """What the Whoosh document of one passage holds: its words, where, and its ordinal."""

    ordinal: int
    text: str
    section: str
    title: str


def write_whoosh(
    folder: Path,
    entries: tuple[Entry, ...],
    documents: Iterable[PassageDocument],
    *,
    processes: int = 1,
    on_document: Callable[[], None] = lambda: None,
) -> None:
    """Index passages into a new Whoosh index in `folder`.

    With several processes Whoosh writes one segment each and skips the final merge
    (MEASUREMENTS.md: the merge runs on one core and eats the gain).
    """
    folder.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(folder), make_schema(entries))
    if processes > 1:
        writer = ix.writer(procs=processes, multisegment=True, limitmb=WRITER_MEMORY_MB)
    else:
        writer = ix.writer(limitmb=WRITER_MEMORY_MB)
    try:
        for doc in documents:
            writer.add_document(
                ordinal=doc.ordinal, content=doc.text, section=doc.section, title=doc.title
            )
            on_document()
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def write_ranking_tables(layout: IndexLayout, passage_count: int) -> None:
    """Save docnum → ordinal and per-field lengths (as Whoosh stores them) as arrays."""
    ix = whoosh_index.open_dir(str(layout.whoosh))
    folder = layout.ranking
    folder.mkdir(parents=True, exist_ok=True)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        docnum_to_ordinal = np.asarray(list(reader.column_reader("ordinal")), dtype=np.int64)
        lengths = {field: np.zeros(passage_count, dtype=np.float32) for field in WORD_FIELDS}
        for docnum, ordinal in enumerate(docnum_to_ordinal.tolist()):
            for field in WORD_FIELDS:
                lengths[field][ordinal] = reader.doc_field_length(docnum, field)
    np.save(folder / "docnum_to_ordinal.npy", docnum_to_ordinal)
    for field, values in lengths.items():
        np.save(folder / f"length_{field}.npy", values)


class WordScorer:
    """BM25F over Whoosh's word postings, scored a whole posting block at a time.

    Gives the scores Whoosh's own BM25F computes for an OR of the words (same idf,
    field lengths and weights), but without a Python call per posting: blocks are
    decoded by `whoosh_blocks` (whoosh-reloaded 2.7.5, pinned).
    """

    B = 0.75
    K1 = 1.2

    def __init__(self, layout: IndexLayout, passage_count: int) -> None:
        self.ix = whoosh_index.open_dir(str(layout.whoosh))
        ranking = layout.ranking
        self.docnum_to_ordinal = np.load(ranking / "docnum_to_ordinal.npy")
        self.ordinal_to_docnum = np.empty_like(self.docnum_to_ordinal)
        self.ordinal_to_docnum[self.docnum_to_ordinal] = np.arange(len(self.docnum_to_ordinal))
        self.lengths = {f: np.load(ranking / f"length_{f}.npy") for f in WORD_FIELDS}
        self.passage_count = passage_count
        self._local = threading.local()

    def searcher(self) -> Searcher:
        """Return this thread's Whoosh searcher, opened once and then reused.

        Opening a searcher reads every segment's files (~7 ms on the laws corpus, more
        than a whole query); the index never changes under an open engine (a rebuild
        swaps folders and the engine reloads), so a searcher can live as long as it.
        """
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._local.searcher = self.ix.searcher()
        return searcher

    def scores(
        self, searcher: Searcher, words: Iterable[str], among: np.ndarray | None = None
    ) -> np.ndarray:
        """Return a score per passage ordinal: the sum of BM25F over words and fields.

        With `among` (passage ordinals), only those passages' scores are guaranteed:
        posting blocks holding none of them are skipped undecoded, which matters when a
        frequent word (年, 的) comes with a rare literal match (2023年).
        """
        wanted = None
        # Skipping pays only when matches are sparse; sorting many costs more than it saves.
        if among is not None and len(among) * 8 < self.passage_count:
            wanted = np.sort(self.ordinal_to_docnum[among])
        total = np.zeros(self.passage_count, dtype=np.float64)
        for field in WORD_FIELDS:
            avg_length = searcher.avg_field_length(field) or 1.0
            lengths = self.lengths[field]
            for word in dict.fromkeys(words):
                if (field, word) not in searcher.reader():
                    continue
                idf = searcher.idf(field, word)
                docnums, weights = _postings(searcher, field, word, wanted)
                ordinals = self.docnum_to_ordinal[docnums]
                norm = self.K1 * ((1 - self.B) + self.B * lengths[ordinals] / avg_length)
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
