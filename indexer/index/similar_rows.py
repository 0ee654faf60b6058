"""The signed passages a pairing classifies: read from the segments, and kept in class order
from one pairing to the next.

A pairing (`similar_pairs.classify`) groups the live signed passages by the hash of their
text, by ordinal within a text. Sorting every passage by hash was the largest single step
of a sharded update's pairing (0.35 s of 2.1 s at 10×, 3.6 M passages), and nearly all of
it was the sort the build before had done. So a pairing leaves its rows in class order
beside its class files (`rows_hash.npy`, `rows_ordinal.npy`), and the next one starts
from them: it reads every live signed row as before, keeps those of the previous rows
that are among them with the same text hash, in their order, and sorts only the others,
merging each in after the kept rows of its text.

That is the order sorting them all gives whenever every other row comes after every kept
one by ordinal: new reports' passages (ordinals are never reused). Otherwise (a stored
passage signed late, rows of another index or of other parameters, none kept) every row
is sorted, as before; the files say nothing about which was done but `rows_reused` in
the pairing's meta.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from indexer.spans import compact_ints

ROWS_PER_READ = 65_536
ROWS_HASH, ROWS_ORDINAL = "rows_hash.npy", "rows_ordinal.npy"


def read_rows(path: Path, rows: np.ndarray, band: int | None = None) -> Iterator[np.ndarray]:
    """Yield the given rows (sorted indices or a mask) of a saved array, a slice at a time.

    The memory map is opened again for each slice: pages read stay in the page cache, not in
    this process's resident set.
    """
    if rows.dtype == bool:
        rows = np.flatnonzero(rows)
    for start in range(0, len(rows), ROWS_PER_READ):
        chunk = rows[start : start + ROWS_PER_READ]
        array = np.load(path, mmap_mode="r")
        yield np.array(array[band, chunk] if band is not None else array[chunk])
        del array


def passage_rows(
    folder: Path, names: list[str], global_of: dict[str, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return the signed passages' ordinals and text hashes of all segments, in order.

    With `global_of` (a segment's name → its shard's whole-index ordinal of each of its
    ordinals), the ordinals are the whole index's.
    """
    if not names:
        return np.empty(0, np.int64), np.empty(0, np.uint64)
    ordinals = np.concatenate(
        [
            global_of[n][np.load(folder / f"{n}.ordinals.npy")]
            if global_of is not None
            else np.load(folder / f"{n}.ordinals.npy")
            for n in names
        ]
    )
    hashes = np.concatenate([np.load(folder / f"{n}.hashes.npy") for n in names])
    if (ordinals[1:] < ordinals[:-1]).any():  # segments follow ordinals; members rely on it
        order = np.argsort(ordinals, kind="stable")
        ordinals, hashes = ordinals[order], hashes[order]
    return ordinals, hashes


def rows_by_class(
    folder: Path,
    names: list[str],
    report_of: np.ndarray,
    global_of: dict[str, np.ndarray] | None = None,
    previous: Path | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """The live signed passages of the segments `names` (as `passage_rows` reads them):
    their text hashes and ordinals, by hash, then ordinal; and how many of them came in
    that order from the rows a pairing left in the folder `previous`."""
    ordinals, hashes = passage_rows(folder, names, global_of)
    alive = report_of[ordinals] >= 0
    ordinals, hashes = ordinals[alive], hashes[alive]
    kept = _previous_rows(previous)
    merged = _merged(*kept, ordinals, hashes, len(report_of)) if kept is not None else None
    if merged is not None:
        return merged
    order = np.argsort(hashes, kind="stable")
    return hashes[order], ordinals[order], 0


def save_rows(folder: Path, hashes: np.ndarray, ordinals: np.ndarray) -> None:
    """Leave the rows a pairing classified (`rows_by_class`) for the next one."""
    np.save(folder / ROWS_HASH, hashes.astype(np.uint64))
    np.save(folder / ROWS_ORDINAL, compact_ints(ordinals))


def _merged(
    kept_hashes: np.ndarray,
    kept_ordinals: np.ndarray,
    ordinals: np.ndarray,
    hashes: np.ndarray,
    space: int,
) -> tuple[np.ndarray, np.ndarray, int] | None:
    """The rows (`ordinals`, `hashes`) in class order, made from the kept rows (in class
    order) that are among them, with the text they had, merged with the others sorted
    alone; None where that cannot give the order a sort gives."""
    if len(kept_ordinals) and not 0 <= kept_ordinals.min() <= kept_ordinals.max() < space:
        return None  # not this index's rows
    hash_at = np.zeros(space, dtype=np.uint64)
    hash_at[ordinals] = hashes
    unsorted = np.zeros(space, dtype=bool)
    unsorted[ordinals] = True
    among = unsorted[kept_ordinals]
    if not np.array_equal(hash_at[kept_ordinals[among]], kept_hashes[among]):
        return None  # a passage's text hash changed: other parameters
    kept_hashes, kept_ordinals = kept_hashes[among], kept_ordinals[among]
    unsorted[kept_ordinals] = False
    new = unsorted[ordinals]
    if len(ordinals) - np.count_nonzero(new) != len(kept_ordinals):
        return None  # a row kept twice: not rows a pairing left
    new_hashes, new_ordinals = hashes[new], ordinals[new]
    if len(new_ordinals) and len(kept_ordinals) and new_ordinals[0] <= kept_ordinals.max():
        return None  # an older passage signed since: inserted after its text's, out of order
    order = np.argsort(new_hashes, kind="stable")  # new rows come by ordinal: stay so
    at = np.searchsorted(kept_hashes, new_hashes[order], side="right")  # after its text's
    merged_hashes = np.insert(kept_hashes, at, new_hashes[order])
    return merged_hashes, np.insert(kept_ordinals, at, new_ordinals[order]), len(kept_ordinals)


def _previous_rows(previous: Path | None) -> tuple[np.ndarray, np.ndarray] | None:
    """The rows a pairing left in the folder `previous`, if it left any."""
    if previous is None:
        return None
    try:
        hashes, ordinals = np.load(previous / ROWS_HASH), np.load(previous / ROWS_ORDINAL)
    except (OSError, ValueError):
        return None  # none (a pairing before these were kept), or unreadable: sort all
    if hashes.shape != ordinals.shape or ordinals.ndim != 1:
        return None
    return hashes.astype(np.uint64, copy=False), ordinals.astype(np.int64, copy=False)
