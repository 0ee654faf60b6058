"""The literal index: every passage that contains a string, found by lookup, never missed.

Word indexes miss strings that cross word boundaries (法治 inside 依法治校) and drop
single characters and digits. This index keeps, for every character and every pair of
adjacent characters (after folding), the sorted list of passages that contain it. A
query string of one or two characters is answered by one posting list; a longer one by
intersecting the lists of its character pairs and confirming each candidate with
`str.find` on the passage's folded text, so the answer is exactly Python's `in`.

Postings live in numpy arrays outside Whoosh: MEASUREMENTS.md found character grams
inside Whoosh ten times too slow to build, and these arrays build in seconds with a sort.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from .normalize import fold

_EMPTY = np.empty(0, dtype=np.uint32)
_FORMAT_VERSION = 1


class LiteralIndex:
    """Character and character-pair postings over folded passage texts."""

    def __init__(
        self,
        alphabet: np.ndarray,  # sorted code points of every character in the corpus
        gram_keys: np.ndarray,  # sorted gram keys: char id, or (first id + 1) * size + second id
        gram_starts: np.ndarray,  # gram_keys[i]'s postings are postings[starts[i]:starts[i+1]]
        postings: np.ndarray,  # passage ordinals, sorted within each gram
        folded_text: str,  # every passage's folded text, concatenated
        text_starts: np.ndarray,  # passage i is folded_text[text_starts[i]:text_starts[i+1]]
    ) -> None:
        self.alphabet = alphabet
        self.gram_keys = gram_keys
        self.gram_starts = gram_starts
        self.postings = postings
        self.folded_text = folded_text
        self.text_starts = text_starts
        self.size = len(alphabet)

    @property
    def passage_count(self) -> int:
        return len(self.text_starts) - 1

    # building ---------------------------------------------------------------------

    @classmethod
    def build(cls, texts: Sequence[str]) -> LiteralIndex:
        """Index passage texts (original or folded; they are folded here)."""
        folded = [fold(text) for text in texts]
        lengths = np.fromiter((len(text) for text in folded), dtype=np.int64, count=len(folded))
        text_starts = np.zeros(len(folded) + 1, dtype=np.int64)
        np.cumsum(lengths, out=text_starts[1:])
        joined = "".join(folded)
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
        # Dense ids for the characters present: a counting pass, far cheaper than a sort.
        present = np.bincount(codes, minlength=1) > 0
        alphabet = np.flatnonzero(present).astype(np.uint32)
        char_ids = (np.cumsum(present) - 1)[codes]
        owners = np.repeat(np.arange(len(folded), dtype=np.int64), lengths)
        size = len(alphabet)

        unigram_keys = char_ids
        # A pair never spans two passages: drop pairs whose characters have different owners.
        same_owner = owners[:-1] == owners[1:]
        pair_keys = (char_ids[:-1][same_owner] + 1) * size + char_ids[1:][same_owner]
        keys = np.concatenate([unigram_keys, pair_keys])
        key_owners = np.concatenate([owners, owners[:-1][same_owner]])
        # One sort of (gram, passage) gives every posting list, sorted and deduplicated.
        if (size + 1) * size >= 2**32:
            raise ValueError(f"{size} distinct characters: too many for 32-bit gram keys")
        combined = (keys.astype(np.uint64) << np.uint64(32)) | key_owners.astype(np.uint64)
        # An explicit sort: numpy's hash-based unique is many times slower on this input.
        combined.sort()
        if len(combined):
            combined = combined[np.concatenate([[True], combined[1:] != combined[:-1]])]
        gram_of = (combined >> np.uint64(32)).astype(np.int64)
        postings = (combined & 0xFFFFFFFF).astype(np.uint32)
        boundaries = np.flatnonzero(np.diff(gram_of)) + 1
        gram_starts = np.concatenate([[0], boundaries, [len(combined)]]).astype(np.int64)
        gram_keys = gram_of[gram_starts[:-1]] if len(combined) else np.empty(0, np.int64)
        return cls(alphabet, gram_keys, gram_starts, postings, joined, text_starts)

    def save(self, folder: Path) -> None:
        """Write the index into `folder` (created if needed)."""
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "alphabet.npy", self.alphabet)
        np.save(folder / "gram_keys.npy", self.gram_keys)
        np.save(folder / "gram_starts.npy", self.gram_starts)
        np.save(folder / "postings.npy", self.postings)
        np.save(folder / "text_starts.npy", self.text_starts)
        (folder / "folded.txt").write_text(self.folded_text, encoding="utf-8")
        meta = {"format": _FORMAT_VERSION, "passages": self.passage_count}
        (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LiteralIndex:
        """Open an index written by `save`; posting arrays are memory-mapped."""
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != _FORMAT_VERSION:
            raise ValueError(f"literal index format {meta.get('format')} is not supported")
        return cls(
            np.load(folder / "alphabet.npy"),
            np.load(folder / "gram_keys.npy"),
            np.load(folder / "gram_starts.npy"),
            np.load(folder / "postings.npy", mmap_mode="r"),
            (folder / "folded.txt").read_text(encoding="utf-8"),
            np.load(folder / "text_starts.npy"),
        )

    # querying ---------------------------------------------------------------------

    def _char_ids(self, text: str) -> np.ndarray | None:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        ids = np.searchsorted(self.alphabet, codes)
        ids = np.minimum(ids, self.size - 1) if self.size else ids
        if not self.size or not np.array_equal(self.alphabet[ids], codes):
            return None  # a character no passage contains
        return ids.astype(np.int64)

    def _postings_of(self, key: int) -> np.ndarray:
        index = int(np.searchsorted(self.gram_keys, key))
        if index == len(self.gram_keys) or self.gram_keys[index] != key:
            return _EMPTY
        return self.postings[self.gram_starts[index] : self.gram_starts[index + 1]]

    def passages_containing(self, text: str) -> np.ndarray:
        """Return the sorted ordinals of every passage whose folded text contains `text`."""
        needle = fold(text)
        if not needle:
            return _EMPTY
        ids = self._char_ids(needle)
        if ids is None:
            return _EMPTY
        if len(ids) == 1:
            return np.asarray(self._postings_of(int(ids[0])))
        pair_keys = np.unique((ids[:-1] + 1) * self.size + ids[1:])
        lists = sorted((self._postings_of(int(key)) for key in pair_keys), key=len)
        candidates = np.asarray(lists[0])
        for other in lists[1:]:
            if not len(candidates):
                break
            candidates = _intersect_sorted(candidates, other)
        if len(needle) == 2:
            return candidates.astype(np.uint32)
        find, starts = self.folded_text.find, self.text_starts
        confirmed = [
            ordinal
            for ordinal in candidates.tolist()
            if find(needle, starts[ordinal], starts[ordinal + 1]) != -1
        ]
        return np.asarray(confirmed, dtype=np.uint32)

    def folded_passage(self, ordinal: int) -> str:
        return self.folded_text[self.text_starts[ordinal] : self.text_starts[ordinal + 1]]


def _intersect_sorted(few: np.ndarray, many: np.ndarray) -> np.ndarray:
    """Keep the elements of sorted `few` that sorted `many` holds.

    Binary search costs len(few) · log len(many): with the rarest list first, far less
    than merging two long lists, as intersect1d does for a pair like 20 and 02.
    """
    places = np.searchsorted(many, few)
    places[places == len(many)] = 0
    return few[many[places] == few]


def find_spans(folded_haystack: str, needles: Sequence[str]) -> list[tuple[int, int]]:
    """Return the [start, end) spans of every occurrence of each folded needle, merged.

    Overlapping or touching matches of different needles merge into one span, so a
    front end can mark them without nesting.
    """
    spans: list[tuple[int, int]] = []
    for needle in needles:
        if not needle:
            continue
        start = folded_haystack.find(needle)
        while start != -1:
            spans.append((start, start + len(needle)))
            start = folded_haystack.find(needle, start + 1)
    return merge_spans(spans)


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort spans and merge those that overlap or touch."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
