"""What ranking needs across all shards of a sharded index, computed once they are written.

BM25F takes corpus-wide numbers: per word field, the number of documents and their
average length, and each word's document frequency. A shard alone would score with its
own and rank differently from one index. So each shard, when written, summarizes what it
holds (`summarize_shard`, in its `ranking/` folder), and after the shards are written one
reduce step sums the summaries (as Sphinx's global IDF and Lucene's distributed
frequencies do) into the cluster generation's `global/` folder, with numpy only: an
unchanged shard's summary is read, not made again. Every shard scores with the sums
(`GlobalStatistics`, the `word_index.CorpusWide` of a shard):

- `stats.json`: per field the summed document count and total length (the average is
  their quotient, as one index computes it), the whole index's passage ordinal space and
  live passages; a section heading path, one document in one index but one in each
  shard holding it, counts once;
- `df-<field>.hashes.npy` and `df-<field>.counts.npy`: every word's summed document
  frequency, by a 64-bit hash of the word (`word_hashes`), sorted for binary search: no
  dictionary of the vocabulary in memory;
- `issuers.json`: every shard's issuers (folded): `issuer:` naming one selects exactly
  it in every shard, as in one index;
- `similar/`: similar passages paired across shards, by whole-index ordinals
  (`similar_sign.pair_shards`): a copy in another shard is found. The build pairs them
  in a process of its own (`pairing.py`) while the shards' ranking is written.

Frequencies are Whoosh's (`doc_frequency`), which count a removed passage until its
segment is merged; summed over shards they are what one index with the same segments
would count. Two words with one hash (about one chance in 10¹⁰ for a million words)
would share a frequency, which only nudges a score.
"""

from __future__ import annotations

import json
import threading
from array import array
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from cachetools import LRUCache

from indexer.index.analysis import Entry
from indexer.index.cluster import global_folder
from indexer.index.layout import IndexLayout
from indexer.index.schema import WORD_FIELDS
from indexer.index.word_fields import CountedWordsField
from indexer.index.word_frequencies import WordFrequencies, word_hashes
from indexer.index.word_index import read_word_stats
from indexer.normalize import fold
from indexer.spans import in_sorted

STATS = "stats.json"
ISSUERS = "issuers.json"
# In a shard's ranking/ folder: its summary.
SECTION_WORDS = "section-words.npy"  # (path hash, word hash) of each distinct path's words
SECTION_PATHS = "section-paths.npy"  # each section id's path hash
SHARD_ISSUERS = "issuers.json"


# a shard's summary -------------------------------------------------------------------


def summarize_shard(
    layout: IndexLayout,
    previous: IndexLayout | None,
    frequencies: WordFrequencies,
    entries: tuple[Entry, ...],
    issuers: Iterable[str],
) -> None:
    """Write what the reduce sums of a shard: its words' document frequencies, its
    section paths and their words (those before the previous generation's count taken
    from it; `entries`: the dictionary its words were cut with), its reports' `issuers`
    (from the report table's column: records took 0.5 s at 10×).
    Call once its word index and ranking tables are written."""
    folder = layout.ranking
    for field in ("content", "title"):
        summed = frequencies.of(field)
        _save_frequencies(folder, field, summed.hashes, summed.counts)
    paths = json.loads((folder / "sections.json").read_text(encoding="utf-8"))
    path_hashes = word_hashes(paths)
    np.save(folder / SECTION_PATHS, path_hashes)
    pairs, done = _previous_section_words(previous)
    counter = CountedWordsField(entries)
    # Each new path's word hashes, straight into a typed array, each distinct word hashed
    # once: 900,000 (path, word) rows in a 10× shard held as tuples, or even as lists of
    # the words, raised the build's process by 100-200 MB at the end of each shard.
    hash_of: dict[str, int] = {}
    word_codes = array("Q")
    sizes = []
    for path in paths[done:]:
        words = counter.word_counts(path)
        missing = [word for word in words if word not in hash_of]
        if missing:
            hash_of.update(zip(missing, word_hashes(missing).tolist(), strict=True))
        word_codes.extend(hash_of[word] for word in words)
        sizes.append(len(words))
    if word_codes:
        found = np.column_stack(
            [np.repeat(path_hashes[done:], sizes), np.frombuffer(word_codes, dtype=np.uint64)]
        )
        pairs = np.concatenate([pairs, found.astype(np.uint64)])
    np.save(folder / SECTION_WORDS, pairs)
    names = {fold(issuer) for issuer in set(issuers) if issuer}
    (folder / SHARD_ISSUERS).write_text(json.dumps(sorted(names), ensure_ascii=False), "utf-8")


def _previous_section_words(previous: IndexLayout | None) -> tuple[np.ndarray, int]:
    """The previous generation's section words and how many paths they cover."""
    empty = np.empty((0, 2), np.uint64)
    if previous is None or not (previous.ranking / SECTION_WORDS).is_file():
        return empty, 0
    covered = len(np.load(previous.ranking / SECTION_PATHS))
    return np.load(previous.ranking / SECTION_WORDS), covered


def _save_frequencies(folder: Path, field: str, hashes: np.ndarray, counts: np.ndarray) -> None:
    """Save frequencies by hash, summed over equal hashes and sorted."""
    unique, inverse = np.unique(hashes, return_inverse=True)
    summed = np.bincount(inverse.reshape(-1), weights=counts, minlength=len(unique))
    np.save(folder / f"df-{field}.hashes.npy", unique)
    np.save(folder / f"df-{field}.counts.npy", summed.astype(np.int64))


def _load_frequencies(folder: Path, field: str) -> tuple[np.ndarray, np.ndarray]:
    return np.load(folder / f"df-{field}.hashes.npy"), np.load(folder / f"df-{field}.counts.npy")


# the reduce ---------------------------------------------------------------------------


def write(cluster: IndexLayout, shards: list[IndexLayout], space: int) -> None:
    """Sum the shards' summaries into `cluster`'s global folder (similar passages are
    paired beside it: `pairing.py`).

    `space` is the whole index's passage ordinal space (its next passage ordinal).
    """
    folder = global_folder(cluster.root)
    folder.mkdir(parents=True, exist_ok=True)
    documents = dict.fromkeys(WORD_FIELDS, 0)
    lengths = dict.fromkeys(WORD_FIELDS, 0.0)
    live = 0
    for shard in shards:
        for field, counted in read_word_stats(shard).items():
            documents[field] += int(counted["documents"])
            lengths[field] += float(counted["total_length"])
        live += int(np.count_nonzero(np.load(shard.ranking / "passage_report.npy") >= 0))
    for field in ("content", "title"):
        parts = [_load_frequencies(shard.ranking, field) for shard in shards]
        hashes = np.concatenate([h for h, _ in parts])
        _save_frequencies(folder, field, hashes, np.concatenate([c for _, c in parts]))
    documents["section"], lengths["section"] = _distinct_sections(folder, shards)
    fields = {
        field: {
            "documents": documents[field],
            "average_length": lengths[field] / documents[field] if documents[field] else 1.0,
            "total_length": lengths[field],
        }
        for field in WORD_FIELDS
    }
    stats: dict[str, object] = {"fields": fields, "space": space, "live": live}
    (folder / STATS).write_text(json.dumps(stats), encoding="utf-8")
    issuers: set[str] = set()
    for shard in shards:
        issuers.update(json.loads((shard.ranking / SHARD_ISSUERS).read_text(encoding="utf-8")))
    (folder / ISSUERS).write_text(json.dumps(sorted(issuers), ensure_ascii=False), "utf-8")


def _distinct_sections(folder: Path, shards: list[IndexLayout]) -> tuple[int, float]:
    """Save the section field's frequencies over the distinct paths of all shards; return
    their count and total length (a path's length is the same in every shard)."""
    hashes = [np.load(shard.ranking / SECTION_PATHS) for shard in shards]
    lengths = [np.load(shard.ranking / "length_section.npy") for shard in shards]
    every = np.concatenate(hashes) if hashes else np.empty(0, np.uint64)
    length = np.concatenate([ln[: len(h)] for h, ln in zip(hashes, lengths, strict=True)] or [[]])
    distinct, first = np.unique(every, return_index=True)
    owned = np.zeros(len(every), dtype=bool)
    owned[first] = True
    per_shard = np.split(owned, np.cumsum([len(h) for h in hashes])[:-1])
    owned_paths = [np.sort(paths[mine]) for paths, mine in zip(hashes, per_shard, strict=True)]
    words, counts = _paths_per_word(shards, owned_paths)
    _save_frequencies(folder, "section", words, counts)
    return len(distinct), float(np.sum(length[first], dtype=np.float64))


def _paths_per_word(
    shards: list[IndexLayout], owned_paths: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Each word hash of the shards' sections and the number of distinct paths holding it.

    A path's words depend on its text alone (every shard of an index has one dictionary:
    a new one rebuilds them all), so each distinct path is counted in the first shard that
    holds it (`owned_paths`: per shard, those hashes, sorted), and a word's count is the
    number of owned (path, word) rows naming it: one sort of the words, where sorting
    every shard's rows by word and path to drop the repeated ones took 0.6 s at 10×.
    """
    words = []
    for shard, paths in zip(shards, owned_paths, strict=True):
        rows = np.load(shard.ranking / SECTION_WORDS)
        words.append(rows[in_sorted(rows[:, 0], paths), 1] if len(rows) else rows[:0, 1])
    if not words:
        return np.empty(0, np.uint64), np.empty(0, np.int64)
    found, counts = np.unique(np.concatenate(words), return_counts=True)
    return found, counts.astype(np.int64)


class GlobalStatistics:
    """The whole index's statistics as shard `shard` of the cluster generation at
    `cluster_root` scores with them (`word_index.CorpusWide`)."""

    def __init__(self, cluster_root: Path, shard: int) -> None:
        folder = global_folder(cluster_root)
        data = json.loads((folder / STATS).read_text(encoding="utf-8"))
        self.shard = shard
        self.stats: dict[str, dict[str, float]] = data["fields"]
        self.space: int = int(data["space"])
        self.live: int = int(data["live"])
        self._frequencies = {field: _load_frequencies(folder, field) for field in WORD_FIELDS}
        self._looked_up: LRUCache[tuple[str, str], int] = LRUCache(maxsize=100_000)
        self._lock = threading.Lock()
        names = json.loads((folder / ISSUERS).read_text(encoding="utf-8"))
        self.issuer_names: frozenset[str] = frozenset(names)

    def doc_frequency(self, field: str, word: str) -> int:
        with self._lock:
            found = self._looked_up.get((field, word))
        if found is None:
            hashes, counts = self._frequencies[field]
            key = word_hashes([word])[0]
            at = int(np.searchsorted(hashes, key))
            found = int(counts[at]) if at < len(hashes) and hashes[at] == key else 0
            with self._lock:  # a query's words are asked again, per field and passage
                self._looked_up[(field, word)] = found
        return found
