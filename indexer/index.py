"""The search index on disk: Whoosh for words, the literal index for strings.

An index folder holds:
- `store.sqlite`: the document store (text as written, metadata);
- `whoosh/`: one Whoosh document per passage, words of its text, section and title;
- `literal/`: character and character-pair postings (`literal.py`);
- `ranking/`: per-passage field lengths and the Whoosh docnum ↔ passage ordinal maps,
  read off Whoosh once at build so queries score whole posting blocks with numpy.
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
from .literal import LiteralIndex
from .schema import WORD_FIELDS, make_schema

WHOOSH_DIR = "whoosh"
LITERAL_DIR = "literal"
RANKING_DIR = "ranking"
# Whoosh spills its posting pool to disk runs past this size and merges them at commit;
# merging dominated larger builds, and memory is cheaper than that.
WRITER_MEMORY_MB = 2048


@dataclass(frozen=True)
class PassageDocument:
    """What the Whoosh document of one passage holds."""

    ordinal: int
    text: str
    section: str
    title: str
    report_id: str
    issuer: str
    province: str
    city: str
    county: str
    department: str
    year: int | None
    laws: list[str]


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
                ordinal=doc.ordinal,
                content=doc.text,
                section=doc.section,
                title=doc.title,
                report_id=doc.report_id,
                issuer=doc.issuer or None,
                province=doc.province or None,
                city=doc.city or None,
                county=doc.county or None,
                department=doc.department or None,
                year=str(doc.year) if doc.year else None,
                laws=",".join(doc.laws) or None,
            )
            on_document()
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def write_ranking_tables(index_folder: Path, passage_count: int) -> None:
    """Save docnum → ordinal and per-field lengths (as Whoosh stores them) as arrays."""
    ix = whoosh_index.open_dir(str(index_folder / WHOOSH_DIR))
    folder = index_folder / RANKING_DIR
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
    decoded through the codec's block reader (whoosh-reloaded 2.7.5, pinned).
    """

    B = 0.75
    K1 = 1.2

    def __init__(self, index_folder: Path, passage_count: int) -> None:
        self.ix = whoosh_index.open_dir(str(index_folder / WHOOSH_DIR))
        ranking = index_folder / RANKING_DIR
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
        ids, wts = _leaf_postings(reader.postings(field, word), local)
        docnums.append(ids + offset)
        weights.append(wts)
    if not docnums:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    return np.concatenate(docnums), np.concatenate(weights)


def _leaf_postings(matcher: object, wanted: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Decode one segment's postings of a term, a whole block at a time where possible."""
    if _has_block_data(matcher):
        return _block_postings(matcher, wanted)
    ids: list[int] = []
    weights: list[float] = []
    while matcher.is_active():  # any other matcher: one posting at a time
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64)


def _has_block_data(matcher: object) -> bool:
    names = ("_read_data", "_data", "_blocklength", "_maxid", "_next_block", "_byteids")
    return all(hasattr(matcher, name) for name in names) and not matcher._byteids


def _block_postings(matcher: object, wanted: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    # whoosh3 blocks hold (delta-coded ids, weights, values); weights are None when all
    # are 1 and a float when all are equal. numpy decodes a block in one call where
    # Whoosh's own readers run a Python generator per posting.
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    previous_max = -1
    while matcher.is_active():
        block_max = matcher._maxid
        if wanted is not None:
            # The block holds ids in (previous_max, block_max]: skip it if none is wanted.
            first = np.searchsorted(wanted, previous_max + 1)
            if first == len(wanted):
                break
            previous_max = block_max
            if wanted[first] > block_max:
                matcher._next_block()
                continue
        matcher._read_data()
        raw_ids, raw_weights = matcher._data[0], matcher._data[1]
        length = matcher._blocklength
        ids.append(np.cumsum(np.asarray(raw_ids, dtype=np.int64)))
        if raw_weights is None:
            weights.append(np.ones(length))
        elif isinstance(raw_weights, float):
            weights.append(np.full(length, raw_weights))
        else:
            weights.append(np.asarray(raw_weights, dtype=np.float64))
        matcher._next_block()
    if not ids:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    return np.concatenate(ids), np.concatenate(weights)


def load_literal(index_folder: Path) -> LiteralIndex:
    return LiteralIndex.load(index_folder / LITERAL_DIR)
