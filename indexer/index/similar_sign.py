"""Similar passages: near-duplicates across reports, signed and paired at build time.

Two passages are similar when the Jaccard similarity of their sets of 5-character shingles
(of the folded text, whitespace removed) is at least `THRESHOLD` (0.8), as estimated by
MinHash signatures of `NUM_PERM` permutations (standard error about 0.05 at 0.8). Only
passages of at least `MIN_CHARACTERS` (30) characters take part: shorter ones (headings,
"本法自公布之日起施行。") are alike by nature. Passages of the same report are never paired.

Candidates come from LSH banding: `BANDS` bands of `ROWS` rows, so a pair at Jaccard 0.8 is
a candidate with probability 1 - (1 - 0.8⁵)¹² ≈ 0.99 (0.9: > 0.9999; 0.5: 0.32). A band
bucket holding more than `MAX_BUCKET` texts is boilerplate repeated everywhere, not a
finding, and pairs nothing. The permutations are datasketch's (`MinHash`, scheme affine32,
seed 1), drawn here as it draws them; they are applied to a batch of passages at once,
and tests check that they and each signature equal datasketch's (`MinHash.update_batch`
over the same shingle codes).

Passages of identical folded text form one class, keyed by a 64-bit hash of that text. A
corpus where each text occurs k times (a law in every year's collection, a copied notice)
would otherwise give k² passage pairs and k signatures of the same text: the pairs are
what made this stage's memory grow without bound. So each distinct text is signed once,
candidates and estimates are between classes, copies are similar at 1.0 by class, and
nothing is ever held per passage pair; a class spread over more than `MAX_BUCKET` reports
is boilerplate and pairs nothing, as a full bucket does. Memory stays bounded by the
number of passages and of distinct near-copy pairs, not by how often a text recurs.

On disk, a generation's `similar/` folder holds segments, hard-linked from the previous
generation as literal segments are: per signed passage `<name>.ordinals.npy` and
`<name>.hashes.npy`, per text first signed there `<name>.signed_hashes.npy`,
`<name>.signatures.npy` and `<name>.bands.npy` (band keys, band-major so that one band is
one contiguous read). A build signs only passages whose ordinal is new and whose text is
not signed yet, drops removed ones by the live mask (rewriting the segments once many rows
are dead), then recomputes the classes (`similar_pairs.py`): `class_of.npy`,
`members.npy` with `member_start.npy`, `adjacent_*.npy` (class pairs, both directions) and
`report_pairs.npy`, and the rows it classified, in class order, for the next pairing to
start from (`similar_rows.py`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from indexer.index import similar_pairs, similar_rows
from indexer.index.layout import GLOBAL_PASSAGE, GLOBAL_REPORT
from indexer.index.store import ReportStore
from indexer.normalize import fold
from indexer.spans import concatenated_ranges, in_sorted

if TYPE_CHECKING:
    from indexer.index.layout import IndexLayout

FOLDER = "similar"
SHINGLE = 5
MIN_CHARACTERS = 30
THRESHOLD = 0.8
BANDS, ROWS = 12, 5
NUM_PERM = BANDS * ROWS
SEED = 1
MAX_BUCKET = 100
PARAMETERS = [SHINGLE, MIN_CHARACTERS, THRESHOLD, BANDS, ROWS, SEED, MAX_BUCKET]
# Characters of passages read at once (one segment each), and signed at once: signing
# holds ~40 bytes per character, so memory stays bounded as the literal batches bound it.
# A slice's shingle arrays (4 bytes a character each) then stay in the core's cache over
# the 60 permutations: signing the laws corpus' passages took 3.3× longer in slices of a
# million characters, whose arrays came from memory for every permutation.
SEGMENT_CHARACTERS = 4_000_000
SIGN_CHARACTERS = 128_000
# Rewrite the segments into one when this share of their rows is dead, or this many exist.
DEAD_SHARE_TO_MERGE = 0.25
SEGMENTS_TO_MERGE = 8
PASSAGE_PARTS = ("ordinals", "hashes")
TEXT_PARTS = ("signed_hashes", "signatures", "bands")
_NONE = np.empty(0, np.uint64)

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
    return codes[concatenated_ranges(text_starts, per_text)], offsets


def shingle_codes(text: str) -> np.ndarray:
    """Return the 32-bit codes of a passage's 5-character shingles (none when too short)."""
    text = folded(text)
    if len(text) < MIN_CHARACTERS:
        return np.empty(0, np.uint32)
    return _shingles([text])[0]


@functools.cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """Return datasketch's permutation parameters (a, b) for NUM_PERM and SEED: scheme
    affine32's odd multipliers, then offsets, drawn from numpy's `RandomState(SEED)`.

    Drawn here rather than taken from `datasketch.MinHash`: importing datasketch imports
    scipy's integration and optimisation packages, 0.27 s of a build's one interpreter
    lock. A test checks that they are datasketch's.
    """
    draw = np.random.RandomState(SEED)
    a = draw.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = draw.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch applies it before permuting."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def _kept(texts: list[str], folded_already: bool = False) -> tuple[np.ndarray, list[str]]:
    """Return which texts are long enough to sign (folded) and their folded forms
    (`folded_already`: the texts are `normalize.fold`ed, whitespace still in them)."""
    kept: list[int] = []
    kept_texts: list[str] = []
    for i, text in enumerate(texts):
        text = "".join(text.split()) if folded_already else folded(text)
        if len(text) >= MIN_CHARACTERS:
            kept.append(i)
            kept_texts.append(text)
    return np.asarray(kept, dtype=np.int64), kept_texts


def text_hashes(folded_texts: list[str]) -> np.ndarray:
    """Return the 64-bit keys of folded texts: equal keys, one class of identical texts."""
    digests = b"".join(hashlib.blake2b(t.encode(), digest_size=8).digest() for t in folded_texts)
    return np.frombuffer(digests, dtype="<u8").astype(np.uint64)


def _sign_folded(folded_texts: list[str]) -> np.ndarray:
    """Return the signatures of folded texts, each at least MIN_CHARACTERS long.

    One permutation at a time over a slice's shingles (`SIGN_CHARACTERS`): a 1-D pass is
    ~30× faster than a (shingles × NUM_PERM) matrix, which does not fit the caches.
    """
    out = np.empty((len(folded_texts), NUM_PERM), dtype=np.uint32)
    first = 0
    while first < len(folded_texts):  # ~40 bytes a character: a bounded slice at a time
        end, characters = first, 0
        while end < len(folded_texts) and (end == first or characters < SIGN_CHARACTERS):
            characters += len(folded_texts[end])
            end += 1
        codes, offsets = _shingles(folded_texts[first:end])
        hashed = _fmix32(codes)
        permuted = np.empty_like(hashed)
        for i, (a, b) in enumerate(zip(*_permutations(), strict=True)):
            np.multiply(hashed, a, out=permuted)
            permuted += b
            out[first:end, i] = np.minimum.reduceat(permuted, offsets)
        first = end
    return out


def sign(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return which texts are signed (≥ MIN_CHARACTERS folded) and their signatures."""
    kept, kept_texts = _kept(texts)
    return kept, _sign_folded(kept_texts)


def band_keys(signatures: np.ndarray) -> np.ndarray:
    """Return the (BANDS × rows) 64-bit bucket keys of signatures, band-major."""
    keys = np.zeros((BANDS, len(signatures)), dtype=np.uint64)
    for band in range(BANDS):
        key = keys[band]
        for column in signatures[:, band * ROWS : (band + 1) * ROWS].T:  # wraps, as intended
            key ^= column.astype(np.uint64)
            key *= np.uint64(0x100000001B3)
    return keys


# building ----------------------------------------------------------------------------


class Signer:
    """Signs a new generation's passages as they come, then writes its similar/ folder.

    The previous generation's segments are linked; `sign` takes new passages (the build
    hands each literal batch over, on the batch's own thread, while it reads on) and signs
    each text once; `finish` drops removed passages and, for a whole index, pairs them.
    """

    def __init__(
        self, layout: IndexLayout, previous: IndexLayout | None, first_new: int = 0
    ) -> None:
        """`first_new`: the first passage ordinal this build adds (`sign` is given those);
        stored ones before it the previous segments lack are signed by `finish`."""
        self.layout, self.first_new = layout, first_new
        self.folder = layout.root / FOLDER
        self.folder.mkdir(parents=True)
        self.names, self.covered = _link_previous(previous, self.folder)
        self.previous = _paired_before(previous.root / FOLDER) if previous else None
        parts = [_part(self.folder, n, "signed_hashes") for n in self.names]
        self.signed = _distinct_of_sorted_runs(np.concatenate([*parts, _NONE]))

    def sign(self, ordinals: list[int], texts: list[str], *, folded_already: bool = False) -> None:
        """Sign passages (ordinals, texts), texts already `normalize.fold`ed if said so."""
        kept, kept_texts = _kept(texts, folded_already)
        if not len(kept):
            return
        hashes = text_hashes(kept_texts)
        # Sign each text once: not again within the batch, nor when an earlier one did.
        fresh, first = np.unique(hashes, return_index=True)
        new = ~in_sorted(fresh, self.signed)
        fresh, first = fresh[new], first[new]
        signatures = _sign_folded([kept_texts[i] for i in first])
        at = np.asarray(ordinals, dtype=np.int64)[kept]
        self.names.append(_save_segment(self.folder, at, hashes, fresh, signatures))
        # `fresh` is sorted and not in `signed`: inserted in place, not the union re-sorted.
        self.signed = np.insert(self.signed, np.searchsorted(self.signed, fresh), fresh)

    def sign_stored(self, end: int | None = None) -> None:
        """Sign the stored passages from the first ordinal the previous segments lack
        (to `end`, excluded)."""
        for batch, texts in _texts_from(self.layout.store, self.covered, end):
            self.sign(batch, texts)

    def finish(self, *, pair: bool = True) -> None:
        """Write the folder's tables, once the store and ranking arrays are written.
        Without `pair` (a shard) passages are only signed: `pair_shards` pairs them."""
        if self.covered < self.first_new:  # the previous generation signed fewer (or none)
            self.sign_stored(self.first_new)
        report_of = np.load(self.layout.ranking / "passage_report.npy")
        names = _rewrite_if_dead(self.folder, self.names, report_of >= 0)
        found = _classify(self.folder, names, report_of, previous=self.previous) if pair else {}
        meta = {"parameters": PARAMETERS, "space": len(report_of), "segments": names, **found}
        (self.folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def update(layout: IndexLayout, previous: IndexLayout | None, *, pair: bool = True) -> float:
    """Write `layout`'s similar/ folder from the previous generation's and its store;
    return seconds (a build signs as it reads instead: `Signer`)."""
    started = time.perf_counter()
    signer = Signer(layout, previous)
    signer.sign_stored()
    signer.finish(pair=pair)
    return time.perf_counter() - started


def pair_shards(
    folder: Path, shards: list[IndexLayout], space: int, previous: Path | None = None
) -> None:
    """Pair the signed passages of every shard into `folder`, by whole-index ordinals;
    `previous`: the folder of the pairing before (`similar_rows` starts from its rows).

    One index would pair them the same: classes and pairs do not depend on where a
    passage is stored, only on its text, its report and its ordinal, here the whole
    index's (each shard's `global_passage.npy`, `global_report.npy`).
    """
    folder.mkdir(parents=True)
    report_of = np.full(space, -1, dtype=np.int64)
    names: list[str] = []
    global_of: dict[str, np.ndarray] = {}
    for shard in shards:
        local_report = np.load(shard.ranking / "passage_report.npy")
        global_passage = np.load(shard.ranking / GLOBAL_PASSAGE)
        global_report = np.load(shard.ranking / GLOBAL_REPORT)
        alive = local_report >= 0
        report_of[global_passage[alive]] = global_report[local_report[alive]]
        for name in read_meta(shard.root / FOLDER).get("segments", []):
            path = str(shard.root / FOLDER / name)  # absolute: read where it lies
            names.append(path)
            global_of[path] = global_passage
    before = _paired_before(previous) if previous is not None else None
    found = _classify(folder, names, report_of, global_of, previous=before)
    meta = {"parameters": PARAMETERS, "space": space, "segments": [], **found}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def _classify(
    folder: Path,
    names: list[str],
    report_of: np.ndarray,
    global_of: dict[str, np.ndarray] | None = None,
    *,
    previous: Path | None = None,
) -> dict[str, int]:
    return similar_pairs.classify(
        folder,
        names,
        report_of,
        max_bucket=MAX_BUCKET,
        threshold=THRESHOLD,
        bands=BANDS,
        global_of=global_of,
        previous=previous,
    )


def _paired_before(folder: Path) -> Path | None:
    """`folder`, where a pairing with these parameters left its rows; else None."""
    return folder if read_meta(folder).get("parameters") == PARAMETERS else None


def read_meta(folder: Path) -> dict:
    try:
        return json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _part(folder: Path, name: str, part: str, mmap: bool = False) -> np.ndarray:
    return np.load(folder / f"{name}.{part}.npy", mmap_mode="r" if mmap else None)


def _link_previous(previous: IndexLayout | None, folder: Path) -> tuple[list[str], int]:
    """Hard-link the previous generation's segments; return their names and ordinals covered."""
    if previous is None:
        return [], 0
    old = previous.root / FOLDER
    meta = read_meta(old)
    if meta.get("parameters") != PARAMETERS:
        return [], 0  # other settings: sign all
    names = list(meta["segments"])
    for name in names:
        for part in PASSAGE_PARTS + TEXT_PARTS:
            os.link(old / f"{name}.{part}.npy", folder / f"{name}.{part}.npy")
    return names, int(meta["space"])


def _texts_from(
    store: Path, first: int, end: int | None = None
) -> Iterator[tuple[list[int], list[str]]]:
    """Yield (ordinals, texts) of the stored passages from ordinal `first` on (to `end`,
    excluded), in batches."""
    reader = ReportStore(store)
    try:
        ordinals: list[int] = []
        texts: list[str] = []
        characters = 0
        for ordinal, text in reader.iter_texts(first, end):
            ordinals.append(ordinal)
            texts.append(text)
            characters += len(text)
            if characters >= SEGMENT_CHARACTERS:
                yield ordinals, texts
                ordinals, texts, characters = [], [], 0
        if ordinals:
            yield ordinals, texts
    finally:
        reader.close()


def _distinct_of_sorted_runs(values: np.ndarray) -> np.ndarray:
    """np.unique of values that come as a few sorted runs (each segment's signed hashes,
    saved sorted): a stable sort merges the runs (4 ms for a 10× shard's 240,000 hashes,
    where np.unique's sort took 50-80 ms on the update's path)."""
    ordered = np.sort(values, kind="stable")
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def _save_segment(
    folder: Path,
    ordinals: np.ndarray,
    hashes: np.ndarray,
    signed_hashes: np.ndarray,
    signatures: np.ndarray,
) -> str:
    name = uuid.uuid4().hex[:12]
    np.save(folder / f"{name}.ordinals.npy", np.asarray(ordinals, dtype=np.int64))
    np.save(folder / f"{name}.hashes.npy", np.asarray(hashes, dtype=np.uint64))
    np.save(folder / f"{name}.signed_hashes.npy", np.asarray(signed_hashes, dtype=np.uint64))
    np.save(folder / f"{name}.signatures.npy", signatures)
    np.save(folder / f"{name}.bands.npy", band_keys(signatures))
    return name


def _rewrite_if_dead(folder: Path, names: list[str], live: np.ndarray) -> list[str]:
    """Rewrite the segments into one, live rows only, when many rows are dead or many exist.

    Signatures and band keys are copied a slice at a time, never all held.
    """
    ordinals, hashes = similar_rows.passage_rows(folder, names)
    alive = live[ordinals] if len(ordinals) else np.zeros(0, bool)
    dead = len(ordinals) - int(alive.sum())
    if len(names) <= SEGMENTS_TO_MERGE and dead <= DEAD_SHARE_TO_MERGE * len(ordinals):
        return names
    ordinals, hashes = ordinals[alive], hashes[alive]
    wanted = np.unique(hashes)  # a text no live passage has any more is dropped
    keep = [np.flatnonzero(in_sorted(_part(folder, n, "signed_hashes"), wanted)) for n in names]
    total = sum(len(k) for k in keep)
    name = uuid.uuid4().hex[:12]
    if len(ordinals):
        np.save(folder / f"{name}.ordinals.npy", ordinals)
        np.save(folder / f"{name}.hashes.npy", hashes)
        kept = [_part(folder, n, "signed_hashes")[k] for n, k in zip(names, keep, strict=True)]
        np.save(folder / f"{name}.signed_hashes.npy", np.concatenate(kept))
        pieces = (
            piece
            for n, k in zip(names, keep, strict=True)
            for piece in similar_rows.read_rows(folder / f"{n}.signatures.npy", k)
        )
        _write(folder / f"{name}.signatures.npy", np.uint32, (total, NUM_PERM), pieces)
        pieces = (
            piece
            for band in range(BANDS)
            for n, k in zip(names, keep, strict=True)
            for piece in similar_rows.read_rows(folder / f"{n}.bands.npy", k, band)
        )
        _write(folder / f"{name}.bands.npy", np.uint64, (BANDS, total), pieces)
    for old in names:
        for part in PASSAGE_PARTS + TEXT_PARTS:
            (folder / f"{old}.{part}.npy").unlink()  # our hard links only
    return [name] if len(ordinals) else []


def _write(path: Path, dtype: type, shape: tuple[int, ...], pieces: Iterator[np.ndarray]) -> None:
    """Save an array given as consecutive pieces of its C-order data."""
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False}
    with path.open("wb") as out:
        np.lib.format.write_array_header_1_0(out, {**header, "shape": shape})
        for piece in pieces:
            out.write(np.ascontiguousarray(piece, dtype=dtype).tobytes())
