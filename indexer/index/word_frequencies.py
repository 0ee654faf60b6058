"""Every word's document frequency in a word field, read once per Whoosh segment.

Two build steps need a generation's word frequencies: the frequent words to decode at
build time (`prescored.py`) and, in a shard, the summary the reduce sums
(`global_stats.py`). Scanning a segment's terms is Python work, about 0.5 s a field for a
shard of a million passages, and an update keeps every segment it does not merge. So each
segment's words, their hashes and frequencies are saved once, under the generation's
`ranking/frequencies/` by the segment's id (Whoosh never reuses one), and hard-linked into
the next generation while the segment lives: an update scans only the segments it wrote.

A segment's frequencies are Whoosh's `doc_frequency`, which counts a removed passage until
its segment is merged, so they never change while the segment exists; summed over
segments they are what Whoosh's multi-segment reader gives.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index

from indexer.index.layout import IndexLayout

FOLDER = "frequencies"


def word_hashes(words: list[str] | list[bytes]) -> np.ndarray:
    """The 64-bit hashes by which words' frequencies are summed and looked up."""
    encoded = (w if isinstance(w, bytes) else w.encode("utf-8") for w in words)
    digests = b"".join(hashlib.blake2b(w, digest_size=8).digest() for w in encoded)
    return np.frombuffer(digests, dtype="<u8").astype(np.uint64)


@dataclass(frozen=True)
class Frequencies:
    """A field's words, by hash: `hashes` sorted and distinct, `counts` the documents
    holding each, `words` one word of each hash (two words of one hash, about one chance
    in 10¹⁰ for a million words, share a count)."""

    hashes: np.ndarray
    counts: np.ndarray
    words: list[str | bytes]  # as Whoosh's reader gives them

    def words_over(self, threshold: float) -> list[str]:
        """The words in more than `threshold` documents, sorted."""
        chosen = (self.words[i] for i in np.flatnonzero(self.counts > threshold))
        return sorted(w.decode("utf-8") if isinstance(w, bytes) else w for w in chosen)


def linked_from(previous: Path | None, folder: Path, names: Sequence[str]) -> bool:
    """Hard-link a segment's files `names` from the previous generation's `previous`
    folder into `folder` when it has them all (one index: one file system); tell whether
    it did. What a segment's files hold never changes while the segment lives."""
    if previous is None or not all((previous / name).is_file() for name in names):
        return False
    for name in names:
        os.link(previous / name, folder / name)
    return True


class WordFrequencies:
    """A generation's word frequencies per field, from its segments' saved ones (linked
    from `previous` where it has them) or scanned; each field summed once."""

    def __init__(self, layout: IndexLayout, previous: IndexLayout | None) -> None:
        self.folder = layout.ranking / FOLDER
        self.previous = previous.ranking / FOLDER if previous is not None else None
        self.whoosh = layout.whoosh
        self._fields: dict[str, Frequencies] = {}

    def of(self, field: str) -> Frequencies:
        found = self._fields.get(field)
        if found is None:
            found = self._fields[field] = self._summed(field)
        return found

    def _summed(self, field: str) -> Frequencies:
        self.folder.mkdir(parents=True, exist_ok=True)
        hashes: list[np.ndarray] = []
        counts: list[np.ndarray] = []
        words: list[str | bytes] = []
        with whoosh_index.open_dir(str(self.whoosh)).reader() as reader:
            for leaf, _ in reader.leaf_readers():
                if field not in leaf.schema or leaf.segment() is None:
                    continue  # an empty index's reader: no segment, no words
                segment_hashes, segment_counts, segment_words = self._segment(leaf, field)
                hashes.append(segment_hashes)
                counts.append(segment_counts)
                words.extend(segment_words)
        every = np.concatenate([*hashes, np.empty(0, np.uint64)])
        unique, first, inverse = np.unique(every, return_index=True, return_inverse=True)
        summed = np.bincount(
            inverse.reshape(-1),
            weights=np.concatenate([*counts, np.empty(0, np.int64)]),
            minlength=len(unique),
        )
        return Frequencies(unique, summed.astype(np.int64), [words[i] for i in first])

    def _segment(self, leaf: Any, field: str) -> tuple[np.ndarray, np.ndarray, list]:
        """One segment's (hashes, counts, words) of `field`: saved, linked or scanned."""
        stem = f"{leaf.segment().segment_id()}.{field}"
        parts = [f"{stem}.{part}" for part in ("hashes.npy", "counts.npy", "words.pickle")]
        kept = all((self.folder / part).is_file() for part in parts)
        if not kept and not linked_from(self.previous, self.folder, parts):
            return self._scan(leaf, field, parts)
        with open(self.folder / parts[2], "rb") as handle:
            words = pickle.load(handle)  # our own file, written by `_scan`
        return np.load(self.folder / parts[0]), np.load(self.folder / parts[1]), words

    def _scan(self, leaf: Any, field: str, parts: list[str]) -> tuple[np.ndarray, np.ndarray, list]:
        words, counts = [], []
        for word, info in leaf.iter_field(field):
            words.append(word)
            counts.append(info.doc_frequency())
        hashes, frequencies = word_hashes(words), np.asarray(counts, dtype=np.int64)
        np.save(self.folder / parts[0], hashes)
        np.save(self.folder / parts[1], frequencies)
        with open(self.folder / parts[2], "wb") as handle:
            pickle.dump(words, handle, protocol=pickle.HIGHEST_PROTOCOL)
        return hashes, frequencies, words
