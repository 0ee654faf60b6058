"""Decode Whoosh posting blocks with numpy: the one place that reads Whoosh's private parts.

Whoosh's own matchers yield one posting per Python call (~10 µs each); a frequent word has
hundreds of thousands. Here a whole block of a term's postings is decoded in one numpy
call. That needs attributes of whoosh-reloaded 2.7.5's `W3LeafMatcher` that are not
public API (hence the exact pin in requirements.txt):

- `_read_data()`: decode the current block's ids and weights into `_data`;
- `_data`: `(ids, weights, values)` of the block; ids are delta-coded; weights are
  None when all are 1, a float when all are equal, else an array;
- `_blocklength`: the number of postings in the block;
- `_maxid`: the largest document number in the block (readable before decoding it);
- `_next_block()`: move to the next block without decoding this one;
- `_byteids`: True for byte-keyed (non-document) postings, which this does not handle;
- of the `FilterMatcher` a segment with removed documents wraps its matchers in,
  `_ids` (the removed documents) and `_exclude`: its child is decoded by blocks and the
  removed documents dropped with numpy (one posting a call took 0.9 s for 的 in a shard
  of a million passages once a report of its big segment had been replaced; now 0.2 s).

A matcher lacking any of them is read one posting at a time through the public API, so a
Whoosh upgrade makes queries slower, never wrong. `tests/test_whoosh_blocks.py` fails
when the attributes go away or the decoding disagrees with Whoosh's own matcher.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.matching.wrappers import FilterMatcher

# Whoosh matchers and readers are typed Any: Whoosh ships no types, and the attributes
# read here are private.
PRIVATE_ATTRIBUTES = ("_read_data", "_data", "_blocklength", "_maxid", "_next_block", "_byteids")


def leaf_postings(matcher: Any, wanted: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Decode one segment's postings of a term, a whole block at a time where possible."""
    if has_block_data(matcher):
        return _block_postings(matcher, wanted)
    removed = _removed_documents(matcher)
    if removed is not None:
        every_id, every_weight = _block_postings(matcher.child, wanted)
        kept = ~np.isin(every_id, removed)
        return every_id[kept], every_weight[kept]
    ids: list[int] = []
    weights: list[float] = []
    while matcher.is_active():  # any other matcher: one posting at a time
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64)


def _removed_documents(matcher: Any) -> np.ndarray | None:
    """The documents a segment's deletion filter drops from a block matcher, or None when
    `matcher` is no such filter."""
    if not isinstance(matcher, FilterMatcher) or not has_block_data(matcher.child):
        return None
    if not getattr(matcher, "_exclude", False) or not isinstance(
        getattr(matcher, "_ids", None), (set, frozenset)
    ):
        return None
    return np.fromiter(matcher._ids, np.int64, len(matcher._ids))


def has_block_data(matcher: Any) -> bool:
    """Tell whether a matcher exposes the block internals listed in the module docstring."""
    return all(hasattr(matcher, name) for name in PRIVATE_ATTRIBUTES) and not matcher._byteids


def _block_postings(matcher: Any, wanted: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    # whoosh3 blocks hold (ids delta-coded from 0, weights, values); weights are None when
    # all are 1 and a float when all are equal. Each block's tuples are kept as they come
    # and converted in one call at the end: a numpy call per block cost more than Whoosh's
    # own unpickling on a word in most passages (的: 2,000 blocks).
    id_blocks: list[tuple[int, ...]] = []
    weight_blocks: list[Any] = []
    lengths: list[int] = []
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
        id_blocks.append(raw_ids)
        if raw_weights is None:
            weight_blocks.append((1.0,) * length)
        elif isinstance(raw_weights, float):
            weight_blocks.append((raw_weights,) * length)
        else:
            weight_blocks.append(raw_weights)
        lengths.append(length)
        matcher._next_block()
    if not id_blocks:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    total = sum(lengths)
    deltas = np.fromiter(itertools.chain.from_iterable(id_blocks), np.int64, total)
    weights = np.fromiter(itertools.chain.from_iterable(weight_blocks), np.float64, total)
    # Each block's deltas start from 0: a running sum over all blocks, less the sum
    # before each block's first posting, decodes them all at once.
    running = np.cumsum(deltas)
    starts = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    before = np.where(starts > 0, running[starts - 1], 0)
    return running - np.repeat(before, lengths), weights


def numeric_column(reader: Any, fieldname: str, column: Any) -> np.ndarray:
    """Read one segment's fixed-width numeric column whole, as an array (one per doc).

    Uses the segment reader's `_perdoc` and its column reader's `_dbfile`, `_basepos`,
    `_count`, `_fixedlen`, `_typecode` and `_default` (whoosh-reloaded 2.7.5); Whoosh
    itself unpacks one value per call.
    """
    doccount = reader.doc_count_all()
    perdoc = reader._perdoc
    if not perdoc.has_column(fieldname):
        return np.zeros(doccount, dtype=np.int64)
    col = perdoc.column_reader(fieldname, column)
    dtype = np.dtype(col._typecode).newbyteorder(">")
    values = np.full(doccount, col._default, dtype=np.int64)
    if col._count:
        raw = col._dbfile.get(col._basepos, col._count * col._fixedlen)
        values[: col._count] = np.frombuffer(raw, dtype=dtype)
    return values


def length_bytes(reader: Any, field: str) -> np.ndarray:
    """Read one segment's byte-encoded field lengths of `field` whole (one per doc).

    The W3 codec keeps them in a per-document column named by its private `_lenfield`.
    """
    return numeric_column(reader, _lenfield(field), LENGTHS_COLUMN)
