"""The literal index: every passage that contains a string, found by lookup, never missed.

Word indexes miss strings that cross word boundaries (法治 inside 依法治校) and drop
single characters and digits. This index keeps, for every character and every pair of
adjacent characters (after folding), the sorted list of passages that contain it. A
query string of one or two characters is answered by one posting list; a longer one by
intersecting the lists of its character pairs and confirming each candidate with a
substring search in the passage's folded text, so the answer is exactly Python's `in`.

Postings live in numpy arrays outside Whoosh: MEASUREMENTS.md found character grams
inside Whoosh ten times too slow to build, and these arrays build in seconds with a sort.

The index is segmented like Whoosh's: a build writes one immutable segment per batch of
passages (so memory does not grow with the corpus) and an update adds a segment for the
new passages; removed passages stay in their segment's postings and are masked out by
the `live` array (the generation's deletions) until a merge rewrites the segment
(`merge_segments`, run by the build's merge policy or by `indexer optimize`). Postings
hold global passage ordinals, which are never reused. Folded texts are stored as UTF-8
and memory-mapped; a UTF-8 substring search on bytes finds exactly what `str.find`
finds, since UTF-8 is self-synchronising.
"""

from __future__ import annotations

import itertools
import json
import mmap
import os
import threading
import uuid
import weakref
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from cachetools import LRUCache

from indexer.normalize import fold
from indexer.spans import stable_order

_EMPTY = np.empty(0, dtype=np.uint32)
_SEGMENTS_FILE = "segments.json"


class LiteralSegment:
    """Character and character-pair postings over one batch of folded passage texts."""

    FILES = (
        "alphabet.npy",
        "gram_keys.npy",
        "gram_starts.npy",
        "postings.npy",
        "ordinals.npy",
        "byte_starts.npy",
        "char_lengths.npy",
        "folded.utf8",
        "meta.json",
    )

    def __init__(
        self,
        name: str,
        alphabet: np.ndarray,  # sorted code points of every character in the segment
        gram_keys: np.ndarray,  # sorted gram keys: char id, or (first id + 1) * size + second id
        gram_starts: np.ndarray,  # gram_keys[i]'s postings are postings[starts[i]:starts[i+1]]
        postings: np.ndarray,  # global passage ordinals, sorted within each gram
        ordinals: np.ndarray,  # the global ordinal of each local passage, ascending
        byte_starts: np.ndarray,  # local passage i is folded[byte_starts[i]:byte_starts[i+1]]
        char_lengths: np.ndarray,  # characters per local passage
        folded: bytes | mmap.mmap,  # the passages' folded texts, UTF-8, concatenated
    ) -> None:
        self.name = name
        self.alphabet = alphabet
        self.gram_keys = gram_keys
        self.gram_starts = gram_starts
        self.postings = postings
        self.ordinals = ordinals
        self.byte_starts = byte_starts
        self.char_lengths = char_lengths
        self.folded = folded
        self.size = len(alphabet)

    def __len__(self) -> int:
        return len(self.ordinals)

    # building ---------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        texts: Sequence[str],
        ordinals: Sequence[int] | np.ndarray,
        *,
        folded_already: bool = False,
    ) -> LiteralSegment:
        """Index passage texts (folded here, unless `folded_already`) under `ordinals`."""
        folded = list(texts) if folded_already else [fold(text) for text in texts]
        ordinals = np.asarray(ordinals, dtype=np.uint32)
        lengths = np.fromiter((len(text) for text in folded), dtype=np.int64, count=len(folded))
        encoded = [text.encode("utf-8") for text in folded]
        byte_starts = np.zeros(len(folded) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, encoded), np.int64, len(encoded)), out=byte_starts[1:])
        codes = np.frombuffer("".join(folded).encode("utf-32-le"), dtype=np.uint32)
        # Dense ids for the characters present: a counting pass, far cheaper than a sort.
        present = np.bincount(codes, minlength=1) > 0
        alphabet = np.flatnonzero(present).astype(np.uint32)
        ids = (np.cumsum(present) - 1).astype(np.uint32)[codes]
        del present, codes
        owners = np.repeat(ordinals, lengths)
        size = len(alphabet)
        if (size + 1) * size >= 2**32:
            raise ValueError(f"{size} distinct characters: too many for 32-bit gram keys")
        # A pair never spans two passages: drop pairs whose characters have different owners.
        same_owner = owners[:-1] == owners[1:]
        pair_keys = (ids[:-1][same_owner] + 1) * np.uint32(size) + ids[1:][same_owner]
        pair_owners = owners[1:][same_owner]
        del same_owner
        # Grams in passage order, characters then pairs (whose keys are all larger), so a
        # stable sort by gram leaves each gram's passages sorted: radix passes over 16-bit
        # digits, several times faster than sorting (gram, passage) pairs. Each part sorts
        # alone (a character's key takes one pass, a pair's two) and is gathered straight
        # into its place: no concatenated copies, whose fresh memory cost a 2 M-character
        # batch 0.07-0.10 s on these VMs (0.28-0.33 → 0.14-0.20 s a batch in all).
        gram_of = np.empty(len(ids) + len(pair_keys), dtype=np.uint32)
        postings = np.empty(len(gram_of), dtype=np.uint32)
        chars = slice(0, len(ids))
        pairs = slice(len(ids), None)
        for keys, key_owners, at in ((ids, owners, chars), (pair_keys, pair_owners, pairs)):
            order = stable_order(keys)
            np.take(keys, order, out=gram_of[at])
            np.take(key_owners, order, out=postings[at])
        del ids, owners, pair_keys, pair_owners, order, keys, key_owners
        if len(gram_of):  # a passage once per gram
            repeated = (gram_of[1:] == gram_of[:-1]) & (postings[1:] == postings[:-1])
            kept = np.concatenate([[True], ~repeated])
            gram_of, postings = gram_of[kept], postings[kept]
        boundaries = np.flatnonzero(np.diff(gram_of)) + 1
        gram_starts = np.concatenate([[0], boundaries, [len(gram_of)]]).astype(np.int64)
        gram_keys = (gram_of[gram_starts[:-1]] if len(gram_of) else gram_of).astype(np.int64)
        return cls(
            f"seg-{uuid.uuid4().hex[:12]}",
            alphabet,
            gram_keys,
            gram_starts,
            postings,
            ordinals,
            byte_starts,
            lengths.astype(np.int32),
            b"".join(encoded),
        )

    def save(self, literal_dir: Path) -> None:
        """Write the segment as `literal_dir/<name>/`; it is never written again."""
        folder = literal_dir / self.name
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "alphabet.npy", self.alphabet)
        np.save(folder / "gram_keys.npy", self.gram_keys)
        np.save(folder / "gram_starts.npy", self.gram_starts)
        np.save(folder / "postings.npy", self.postings)
        np.save(folder / "ordinals.npy", self.ordinals)
        np.save(folder / "byte_starts.npy", self.byte_starts)
        np.save(folder / "char_lengths.npy", self.char_lengths)
        (folder / "folded.utf8").write_bytes(bytes(self.folded))
        meta = {"passages": len(self)}
        (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LiteralSegment:
        """Open a segment written by `save`; arrays and text are memory-mapped."""

        def array(name: str) -> np.ndarray:
            return np.load(folder / name, mmap_mode="r")

        return cls(
            folder.name,
            np.load(folder / "alphabet.npy"),  # small, searched on every query
            array("gram_keys.npy"),
            array("gram_starts.npy"),
            _PostingsFile(folder / "postings.npy"),  # type: ignore[arg-type]
            array("ordinals.npy"),
            array("byte_starts.npy"),
            array("char_lengths.npy"),
            _map(folder / "folded.utf8"),
        )

    # querying ---------------------------------------------------------------------

    def _char_ids(self, text: str) -> np.ndarray | None:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        ids = np.searchsorted(self.alphabet, codes)
        ids = np.minimum(ids, self.size - 1) if self.size else ids
        if not self.size or not np.array_equal(self.alphabet[ids], codes):
            return None  # a character no passage of this segment contains
        return ids.astype(np.int64)

    def _postings_of(self, key: int) -> np.ndarray:
        index = int(np.searchsorted(self.gram_keys, key))
        if index == len(self.gram_keys) or self.gram_keys[index] != key:
            return _EMPTY
        return self.postings[self.gram_starts[index] : self.gram_starts[index + 1]]

    def passages_containing(self, needle: str) -> np.ndarray:
        """Return the sorted ordinals of this segment's passages containing folded `needle`."""
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
        if len(needle) == 2 or not len(candidates):
            return candidates.astype(np.uint32)
        locals_ = np.searchsorted(self.ordinals, candidates)
        starts = self.byte_starts[locals_].tolist()
        ends = self.byte_starts[locals_ + 1].tolist()
        find, pattern = self.folded.find, needle.encode("utf-8")
        keep = [find(pattern, s, e) != -1 for s, e in zip(starts, ends, strict=True)]
        return candidates[np.asarray(keep, dtype=bool)].astype(np.uint32)

    def counts_of(self, needle: str) -> np.ndarray:
        """Occurrences of folded `needle` in each passage, by one numpy scan of the bytes.

        For a needle that cannot overlap itself (its places are then disjoint): every
        place its bytes occur lies in one passage or crosses into the next (the texts are
        concatenated); the crossing ones are dropped.
        """
        data = np.frombuffer(self.folded, dtype=np.uint8) if len(self.folded) else None
        pattern = np.frombuffer(needle.encode("utf-8"), dtype=np.uint8)
        width = len(pattern)
        if data is None or len(data) < width:
            return np.zeros(len(self), np.int64)
        # The last byte first: a continuation byte, rarer than a CJK character's lead byte.
        ends = np.flatnonzero(data[width - 1 :] == pattern[-1])
        for j in range(width - 1):
            ends = ends[data[ends + j] == pattern[j]]
        starts = np.asarray(self.byte_starts, dtype=np.int64)
        owner = np.searchsorted(starts, ends, side="right") - 1
        inside = ends + width <= starts[owner + 1]
        return np.bincount(owner[inside], minlength=len(self))

    def folded_passage(self, local: int) -> str:
        start, end = int(self.byte_starts[local]), int(self.byte_starts[local + 1])
        return bytes(self.folded[start:end]).decode("utf-8")


class _PostingsFile:
    """A saved segment's postings, read by positioned reads instead of mapped.

    Mapped, every page a query had touched stayed in the process's resident memory: after
    a load run on the laws corpus, about 150 MB of each web worker's RSS, growing with the
    index. Read with `os.pread`, a posting list costs one system call, and its pages stay
    in the page cache, shared by every process and evictable. Slices only, which is all
    `LiteralSegment._postings_of` asks for.
    """

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
            self.offset = handle.tell()
        self.dtype = np.dtype(dtype)
        self.length = int(shape[0]) if shape else 0
        self._fd = os.open(path, os.O_RDONLY)
        weakref.finalize(self, os.close, self._fd)

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, where: slice) -> np.ndarray:
        start, stop, _ = where.indices(self.length)
        if stop <= start:
            return np.empty(0, self.dtype)
        width = self.dtype.itemsize
        data = os.pread(self._fd, (stop - start) * width, self.offset + start * width)
        if len(data) != (stop - start) * width:
            raise OSError(f"postings file ended early: {self.offset + start * width}")
        return np.frombuffer(data, dtype=self.dtype)


def _map(path: Path) -> bytes | mmap.mmap:
    fd = os.open(path, os.O_RDONLY)
    try:
        if os.fstat(fd).st_size == 0:
            return b""
        return mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    finally:
        os.close(fd)  # the mapping keeps the file


class LiteralIndex:
    """The segments of one generation, with its deletions (`live`: per ordinal)."""

    # Large answers for strings over two characters (each confirmed passage by passage)
    # are kept: a generation never changes, and 人民政府 or 第一条 recur in many queries.
    # Counted in the whole index: a shard keeps its share of such an answer (`share`).
    CACHE_FROM_CANDIDATES = 2_000
    CACHE_TERMS = 64
    # Per-passage occurrence counts of a term (`counts_in`), by their bytes: 1.4 MB for
    # a term over the laws corpus's 362,378 passages.
    COUNTS_BYTES = 64 * 1024 * 1024

    def __init__(
        self, segments: list[LiteralSegment], live: np.ndarray, share: float = 1.0
    ) -> None:
        """`share`: the part of the whole index's live passages these are (a shard's)."""
        self.segments = segments
        self.live = live
        # A shard holding a third of the passages finds a third of a string's passages:
        # kept as one index keeps them, or every shard confirms 第一条 again each query.
        self.cache_from = max(1, round(self.CACHE_FROM_CANDIDATES * share))
        self.all_live = bool(live.all())  # nothing removed: no deletions to mask out
        self._cache: LRUCache[str, np.ndarray] = LRUCache(maxsize=self.CACHE_TERMS)
        self._cache_lock = threading.Lock()
        self._counts: LRUCache[tuple[int, str], np.ndarray] = LRUCache(
            maxsize=self.COUNTS_BYTES, getsizeof=lambda counts: counts.nbytes
        )
        self.segment_of = np.full(len(live), -1, dtype=np.int32)
        self.local_of = np.zeros(len(live), dtype=np.int64)
        for number, segment in enumerate(segments):
            self.segment_of[segment.ordinals] = number
            self.local_of[segment.ordinals] = np.arange(len(segment))

    @property
    def passage_count(self) -> int:
        return int(np.count_nonzero(self.live))

    @property
    def character_count(self) -> int:
        """Characters of the live passages' folded texts."""
        return sum(
            int(np.sum(s.char_lengths[self.live[s.ordinals]])) for s in self.segments if len(s)
        )

    @property
    def folded_text(self) -> str:
        """Every live passage's folded text, concatenated (slow: for statistics only)."""
        return "".join(self.folded_passage(int(o)) for o in np.flatnonzero(self.live))

    @classmethod
    def build(cls, texts: Sequence[str]) -> LiteralIndex:
        """Index passage texts as one segment, ordinals 0…n-1 (for tests and tools)."""
        segment = LiteralSegment.build(texts, np.arange(len(texts)))
        return cls([segment], np.ones(len(texts), dtype=bool))

    @classmethod
    def load(cls, folder: Path, live: np.ndarray, share: float = 1.0) -> LiteralIndex:
        """Open the segments listed in `folder`'s segment list."""
        names = read_segment_list(folder)
        return cls([LiteralSegment.load(folder / name) for name in names], live, share)

    def counts_in(self, number: int, needle: str) -> np.ndarray:
        """Segment `number`'s `counts_of(needle)`, kept: counting 的 scans every byte of
        every segment (120 ms over the laws corpus), and a frequent term recurs."""
        key = (number, needle)
        with self._cache_lock:
            found = self._counts.get(key)
        if found is None:
            found = self.segments[number].counts_of(needle).astype(np.int32)
            with self._cache_lock:
                self._counts[key] = found
        return found

    def passages_containing(self, text: str) -> np.ndarray:
        """Return the sorted ordinals of every live passage whose folded text contains `text`."""
        needle = fold(text)
        if not needle:
            return _EMPTY
        with self._cache_lock:
            cached = self._cache.get(needle)
            if cached is not None:
                return cached
        found = [s.passages_containing(needle) for s in self.segments]
        found = [f for f in found if len(f)]
        if not found:
            return _EMPTY
        if len(found) == 1:
            ordinals = found[0]
        else:
            ordinals = np.concatenate(found)
            # Segments of a build hold ascending ordinal ranges: sort only if they overlap.
            if any(a[-1] >= b[0] for a, b in itertools.pairwise(found)):
                ordinals.sort()
        if not self.all_live:
            ordinals = ordinals[self.live[ordinals]]
        if len(needle) > 2 and len(ordinals) >= self.cache_from:
            ordinals.setflags(write=False)  # shared between queries: nobody may change it
            with self._cache_lock:
                self._cache[needle] = ordinals
        return ordinals

    def folded_passage(self, ordinal: int) -> str:
        segment = self.segments[self.segment_of[ordinal]]
        return segment.folded_passage(int(self.local_of[ordinal]))


def read_segment_list(folder: Path) -> list[str]:
    try:
        data = json.loads((folder / _SEGMENTS_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    return list(data["segments"])


def write_segment_list(folder: Path, names: Sequence[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    data = {"segments": list(names)}
    (folder / _SEGMENTS_FILE).write_text(json.dumps(data), encoding="utf-8")


def link_segments(source: Path, target: Path, names: Iterable[str]) -> None:
    """Hard-link segments of the previous generation into a new one (they never change)."""
    for name in names:
        (target / name).mkdir(parents=True)
        for file in LiteralSegment.FILES:
            os.link(source / name / file, target / name / file)


def merge_segments(segments: Sequence[LiteralSegment], live: np.ndarray) -> LiteralSegment:
    """Rewrite segments as one, dropping deleted passages."""
    texts: list[str] = []
    ordinals: list[np.ndarray] = []
    for segment in segments:
        keep = np.flatnonzero(live[segment.ordinals])
        texts.extend(segment.folded_passage(int(local)) for local in keep)
        ordinals.append(np.asarray(segment.ordinals)[keep])
    merged = np.concatenate(ordinals) if ordinals else np.empty(0, np.uint32)
    order = np.argsort(merged, kind="stable")
    return LiteralSegment.build([texts[i] for i in order], merged[order])


def _intersect_sorted(few: np.ndarray, many: np.ndarray) -> np.ndarray:
    """Keep the elements of sorted `few` that sorted `many` holds.

    Binary search costs len(few) · log len(many): with the rarest list first, far less
    than merging two long lists, as intersect1d does for a pair like 20 and 02.
    """
    places = np.searchsorted(many, few)
    places[places == len(many)] = 0
    return few[many[places] == few]
