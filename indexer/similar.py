"""Similar passages: near-duplicates across reports, found at build time.

Two passages are similar when the Jaccard similarity of their sets of 5-character shingles
(of the folded text, whitespace removed) is at least `THRESHOLD` (0.8), as estimated by
MinHash signatures of `NUM_PERM` permutations (standard error about 0.05 at 0.8). Only
passages of at least `MIN_CHARACTERS` (30) characters take part: shorter ones (headings,
"本法自公布之日起施行。") are alike by nature. Passages of the same report are never paired.

Candidates come from LSH banding: `BANDS` bands of `ROWS` rows, so a pair at Jaccard 0.8 is
a candidate with probability 1 - (1 - 0.8⁵)¹² ≈ 0.99 (0.9: > 0.9999; 0.5: 0.32). A band
bucket holding more than `MAX_BUCKET` passages is boilerplate repeated everywhere, not a
finding, and pairs nothing. The permutations are datasketch's (`MinHash`, scheme affine32,
seed 1); they are applied here to a batch of passages at once, and a test checks that
each signature equals datasketch's `MinHash.update_batch` over the same shingle codes.

On disk, a generation's `similar/` folder holds signature segments (`<name>.ordinals.npy`,
`<name>.signatures.npy`), hard-linked from the previous generation as literal segments
are; a build signs only passages whose ordinal is new, drops removed ones by the live
mask (rewriting the segments once many rows are dead), and recomputes the pairs from all
live signatures with a few numpy sorts: `pairs.npy` (passage ordinal pairs) with
`similarity.npy`, `edges_*.npy` (both directions, by passage) and `report_pairs.npy`.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import NotFoundError
from .normalize import fold

if TYPE_CHECKING:
    from .engine import SearchEngine
    from .layout import IndexLayout
    from .store import ReportRecord

FOLDER = "similar"
FORMAT = 1
SHINGLE = 5
MIN_CHARACTERS = 30
THRESHOLD = 0.8
BANDS, ROWS = 12, 5
NUM_PERM = BANDS * ROWS
SEED = 1
MAX_BUCKET = 100
# Characters of passages read and signed at once (one segment each): signing holds ~40
# bytes per character, so memory stays bounded as the build's literal batches bound it.
SEGMENT_CHARACTERS = 4_000_000
# Rewrite the segments into one when this share of their rows is dead, or this many exist.
DEAD_SHARE_TO_MERGE = 0.25
SEGMENTS_TO_MERGE = 8

_SHINGLE_WEIGHTS = np.array([pow(0x01000193, k, 2**32) for k in range(SHINGLE)], dtype=np.uint32)


def folded(text: str) -> str:
    """Return the text shingles are taken from: folded, whitespace removed."""
    return "".join(fold(text).split())


def _shingles(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return the shingle codes of folded texts (each ≥ SHINGLE long), all in one array,
    and the offset of each text's first code in it."""
    points = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    count = max(len(points) - SHINGLE + 1, 0)
    codes = np.zeros(count, dtype=np.uint32)
    for k in range(SHINGLE):  # wraps modulo 2**32, as intended
        codes += points[k : k + count] * _SHINGLE_WEIGHTS[k]
    per_text = lengths - SHINGLE + 1
    offsets = np.cumsum(per_text) - per_text
    text_starts = np.cumsum(lengths) - lengths
    within = np.arange(int(per_text.sum())) - np.repeat(offsets, per_text)
    return codes[np.repeat(text_starts, per_text) + within], offsets


def shingle_codes(text: str) -> np.ndarray:
    """Return the 32-bit codes of a passage's 5-character shingles (none when too short)."""
    text = folded(text)
    if len(text) < MIN_CHARACTERS:
        return np.empty(0, np.uint32)
    return _shingles([text])[0]


@functools.cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """Return datasketch's permutation parameters (a, b) for NUM_PERM and SEED."""
    from datasketch import MinHash  # type: ignore[import-untyped]  # scipy too: builds only

    a, b = MinHash(NUM_PERM, seed=SEED).permutations
    return np.asarray(a, dtype=np.uint32), np.asarray(b, dtype=np.uint32)


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch applies it before permuting."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def sign(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return which texts are signed (≥ MIN_CHARACTERS folded) and their signatures.

    One permutation at a time over the whole batch's shingles: a 1-D pass is ~30× faster
    than a (shingles × NUM_PERM) matrix, which does not fit the caches.
    """
    kept_texts: list[str] = []
    kept: list[int] = []
    for i, text in enumerate(texts):
        text = folded(text)
        if len(text) >= MIN_CHARACTERS:
            kept.append(i)
            kept_texts.append(text)
    out = np.empty((len(kept), NUM_PERM), dtype=np.uint32)
    if not kept:
        return np.asarray(kept, dtype=np.int64), out
    codes, offsets = _shingles(kept_texts)
    hashed = _fmix32(codes)
    permuted = np.empty_like(hashed)
    for i, (a, b) in enumerate(zip(*_permutations(), strict=True)):
        np.multiply(hashed, a, out=permuted)
        permuted += b
        out[:, i] = np.minimum.reduceat(permuted, offsets)
    return np.asarray(kept, dtype=np.int64), out


# building ----------------------------------------------------------------------------


def update(layout: IndexLayout, previous: IndexLayout | None) -> float:
    """Write `layout`'s similar/ folder from the previous generation's; return seconds.

    Call once the generation's store and ranking arrays are written.
    """
    started = time.perf_counter()
    folder = layout.root / FOLDER
    folder.mkdir()
    report_of = np.load(layout.ranking / "passage_report.npy")
    live = report_of >= 0
    names, covered = _link_previous(previous, folder)
    for batch, texts in _texts_from(layout.store, covered):
        kept, signed = sign(texts)
        if len(kept):
            names.append(_save_segment(folder, np.asarray(batch)[kept], signed))
    names, ordinals, signatures = _load_live(folder, names, live)
    pairs, similarity = find_pairs(ordinals, signatures, report_of)
    _save_pairs(folder, pairs, similarity, report_of)
    meta = {
        "format": FORMAT,
        "parameters": [SHINGLE, MIN_CHARACTERS, THRESHOLD, BANDS, ROWS, SEED, MAX_BUCKET],
        "space": len(report_of),
        "segments": names,
        "signed": len(ordinals),
        "pairs": len(pairs),
    }
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return time.perf_counter() - started


def _meta(folder: Path) -> dict:
    try:
        return json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _link_previous(previous: IndexLayout | None, folder: Path) -> tuple[list[str], int]:
    """Hard-link the previous generation's segments; return their names and ordinals covered."""
    if previous is None:
        return [], 0
    old = previous.root / FOLDER
    meta = _meta(old)
    parameters = [SHINGLE, MIN_CHARACTERS, THRESHOLD, BANDS, ROWS, SEED, MAX_BUCKET]
    if meta.get("format") != FORMAT or meta.get("parameters") != parameters:
        return [], 0  # an index from before this feature, or other settings: sign all
    names = list(meta["segments"])
    for name in names:
        for part in ("ordinals", "signatures"):
            os.link(old / f"{name}.{part}.npy", folder / f"{name}.{part}.npy")
    return names, int(meta["space"])


def _texts_from(store: Path, first: int) -> Iterator[tuple[list[int], list[str]]]:
    """Yield (ordinals, texts) of the stored passages from ordinal `first` on, in batches."""
    connection = sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            "SELECT ordinal, text FROM passages WHERE ordinal >= ? ORDER BY ordinal", (first,)
        )
        ordinals: list[int] = []
        texts: list[str] = []
        characters = 0
        for ordinal, text in rows:
            ordinals.append(ordinal)
            texts.append(text)
            characters += len(text)
            if characters >= SEGMENT_CHARACTERS:
                yield ordinals, texts
                ordinals, texts, characters = [], [], 0
        if ordinals:
            yield ordinals, texts
    finally:
        connection.close()


def _save_segment(folder: Path, ordinals: np.ndarray, signed: np.ndarray) -> str:
    name = uuid.uuid4().hex[:12]
    np.save(folder / f"{name}.ordinals.npy", np.asarray(ordinals, dtype=np.int64))
    np.save(folder / f"{name}.signatures.npy", signed)
    return name


def _load_live(
    folder: Path, names: list[str], live: np.ndarray
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Return the live rows of all segments, merging them into one when many are dead."""
    parts = [
        (np.load(folder / f"{n}.ordinals.npy"), np.load(folder / f"{n}.signatures.npy"))
        for n in names
    ]
    rows = sum(len(o) for o, _ in parts)
    ordinals = np.concatenate([o for o, _ in parts]) if parts else np.empty(0, np.int64)
    signed = np.concatenate([s for _, s in parts]) if parts else np.empty((0, NUM_PERM), np.uint32)
    alive = live[ordinals] if len(ordinals) else np.zeros(0, bool)
    ordinals, signed = ordinals[alive], signed[alive]
    dead = rows - len(ordinals)
    if len(names) > SEGMENTS_TO_MERGE or (rows and dead > DEAD_SHARE_TO_MERGE * rows):
        for name in names:
            for part in ("ordinals", "signatures"):
                (folder / f"{name}.{part}.npy").unlink()  # our hard links only
        names = [_save_segment(folder, ordinals, signed)] if len(ordinals) else []
    return names, ordinals, signed


def _band_keys(columns: np.ndarray) -> np.ndarray:
    key = np.zeros(len(columns), dtype=np.uint64)
    for column in columns.T:  # wraps modulo 2**64, as intended
        key = (key ^ column.astype(np.uint64)) * np.uint64(0x100000001B3)
    return key


def _candidates(signed: np.ndarray) -> np.ndarray:
    """Return the (i, j) row pairs, i < j, sharing a band bucket of at most MAX_BUCKET rows."""
    n = len(signed)
    found: list[np.ndarray] = []
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    for band in range(BANDS):
        keys = _band_keys(signed[:, band * ROWS : (band + 1) * ROWS])
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        sizes = np.diff(np.r_[starts, n]).astype(np.int64)
        run_of = np.repeat(np.arange(len(sizes)), sizes)
        keep = (sizes >= 2) & (sizes <= MAX_BUCKET)
        if not keep.any():
            continue
        rows, runs = order[keep[run_of]], run_of[keep[run_of]]
        for distance in range(1, int(sizes[keep].max())):
            same = runs[:-distance] == runs[distance:]
            first, second = rows[:-distance][same], rows[distance:][same]
            found.append(np.minimum(first, second) * n + np.maximum(first, second))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    codes = np.unique(np.concatenate(found))
    return np.stack([codes // n, codes % n], axis=1)


def find_pairs(
    ordinals: np.ndarray, signed: np.ndarray, report_of: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return passage-ordinal pairs of different reports at estimated Jaccard ≥ THRESHOLD."""
    rows = _candidates(signed)
    rows = rows[report_of[ordinals[rows[:, 0]]] != report_of[ordinals[rows[:, 1]]]]
    estimates = np.empty(len(rows), dtype=np.float32)
    for start in range(0, len(rows), 500_000):
        chunk = rows[start : start + 500_000]
        equal = signed[chunk[:, 0]] == signed[chunk[:, 1]]
        estimates[start : start + len(chunk)] = equal.mean(axis=1)
    keep = estimates >= THRESHOLD
    return ordinals[rows[keep]], estimates[keep]


def _save_pairs(
    folder: Path, pairs: np.ndarray, similarity: np.ndarray, report_of: np.ndarray
) -> None:
    np.save(folder / "pairs.npy", pairs.astype(np.int64))
    np.save(folder / "similarity.npy", similarity.astype(np.float32))
    sources = np.concatenate([pairs[:, 0], pairs[:, 1]])
    targets = np.concatenate([pairs[:, 1], pairs[:, 0]])
    both = np.concatenate([similarity, similarity])
    order = np.lexsort((-both, sources))
    np.save(folder / "edges_from.npy", sources[order].astype(np.int64))
    np.save(folder / "edges_to.npy", targets[order].astype(np.int64))
    np.save(folder / "edges_similarity.npy", both[order].astype(np.float32))
    # Report pairs: a passage counts once per side; shared = the smaller side's count.
    left, right = report_of[pairs[:, 0]].astype(np.int64), report_of[pairs[:, 1]].astype(np.int64)
    swap = left > right
    low, high = np.where(swap, right, left), np.where(swap, left, right)
    low_passage = np.where(swap, pairs[:, 1], pairs[:, 0])
    high_passage = np.where(swap, pairs[:, 0], pairs[:, 1])
    counts = []
    for side in (low_passage, high_passage):
        distinct = np.unique(np.stack([low, high, side], axis=1), axis=0)
        keys, count = np.unique(distinct[:, :2], axis=0, return_counts=True)
        counts.append((keys, count))
    keys = counts[0][0]
    shared = np.minimum(counts[0][1], counts[1][1])  # same keys, same order
    order = np.lexsort((keys[:, 1], keys[:, 0], -shared))
    table = np.column_stack([keys, shared]).astype(np.int64)[order] if len(keys) else keys
    np.save(folder / "report_pairs.npy", table.reshape(-1, 3).astype(np.int64))


# reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SimilarPassage:
    """A passage of another report close to a given one."""

    report_id: str
    passage_id: str
    title: str
    similarity: float


@dataclass(frozen=True)
class ReportPair:
    """Two reports and how many near-identical passages they share."""

    first: ReportRecord
    second: ReportRecord
    shared: int


class SimilarPassages:
    """The similar-passage lookups of an opened generation (`SearchEngine.similar`)."""

    def __init__(self, engine: SearchEngine, generation_root: Path) -> None:
        self.engine = engine
        folder = generation_root / FOLDER

        def load(name: str, dtype: type, shape: tuple[int, ...] = (0,)) -> np.ndarray:
            path = folder / name
            return np.load(path, mmap_mode="r") if path.exists() else np.empty(shape, dtype)

        self.available = (folder / "meta.json").exists()
        self.sources = load("edges_from.npy", np.int64)
        self.targets = load("edges_to.npy", np.int64)
        self.similarity = load("edges_similarity.npy", np.float32)
        self.report_pairs_table = load("report_pairs.npy", np.int64, (0, 3))

    def of_passages(self, ordinals: np.ndarray) -> dict[int, list[tuple[int, float]]]:
        """Return, per given passage ordinal with any, its similar passages' ordinals."""
        low = np.searchsorted(self.sources, ordinals, side="left")
        high = np.searchsorted(self.sources, ordinals, side="right")
        return {
            int(o): [
                (int(self.targets[i]), round(float(self.similarity[i]), 3)) for i in range(lo, hi)
            ]
            for o, lo, hi in zip(ordinals, low, high, strict=True)
            if hi > lo
        }

    def in_report(self, report_id: str) -> dict[str, list[SimilarPassage]]:
        """Return, per passage id of the report, the similar passages of other reports.

        Raises NotFoundError for a report the index does not hold.
        """
        engine = self.engine
        record = engine.store.report_record(report_id)
        if record is None:
            raise NotFoundError(f"没有编号为 {report_id} 的报告")
        ordinals = np.flatnonzero(np.asarray(engine.passage_report) == record.ordinal)
        found = self.of_passages(ordinals)
        if not found:
            return {}
        others = sorted({t for targets in found.values() for t, _ in targets})
        stored = engine.store.passages(others + list(found))
        records = engine.report_table.records
        result: dict[str, list[SimilarPassage]] = {}
        for ordinal, targets in found.items():
            passage_id = stored[ordinal].passage.passage_id
            result[passage_id] = [
                SimilarPassage(
                    report_id=records[stored[t].report_ordinal].report_id,
                    passage_id=stored[t].passage.passage_id,
                    title=records[stored[t].report_ordinal].metadata.title,
                    similarity=similarity,
                )
                for t, similarity in targets
                if t in stored
            ]
        return result

    def report_pairs(self, limit: int = 200) -> list[ReportPair]:
        """Return the pairs of reports sharing the most near-identical passages, most first."""
        records = self.engine.report_table.records
        return [
            ReportPair(records[int(a)], records[int(b)], int(shared))
            for a, b, shared in np.asarray(self.report_pairs_table[:limit])
        ]

    @property
    def report_pair_count(self) -> int:
        return len(self.report_pairs_table)
