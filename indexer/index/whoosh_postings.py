"""Whoosh's W3 terms table and postings file, written a posting block at a time.

The per-posting part of writing a segment (`whoosh_segments.py` gathers the documents):
Whoosh's `W3FieldWriter` takes one posting per Python call, and `W3PostingsWriter`
minifies each block with a generator over its postings. Here a slice of a field's terms
is prepared whole with numpy (delta-coded ids, which blocks' weights are all 1.0 or all
equal, maximum weights, term statistics), and Python runs once per term and per block
of up to 128 postings, to pickle and compress it as Whoosh does. Written bytes for
bytes as whoosh-reloaded 2.7.5 writes them (pinned in requirements.txt; the test
compares the files): each step names the Whoosh function whose output it repeats.
Whoosh's own classes write the terms table (`OrderedHashWriter`) and each term's
statistics (`W3TermInfo.to_bytes`).

Two departures, both read by Whoosh's own reader as it reads its own:
- blocks of fewer than the codec's `compress_from` postings (`RankingCodec`: 16) are
  stored uncompressed, flagged so in their block info. zlib costs ~7 µs a call whatever
  the size, and most terms have a few postings: on the laws corpus this took 1.2 s off
  a 4.8 s segment for 0.9 MB more (a codec with `compress_from` 1 writes Whoosh's bytes);
- slices of terms can be encoded by several forked processes (`processes`) while this
  one writes the file and the table in order: the same bytes, sooner.

The codec's private settings are read here: `_blocklimit` (postings per block),
`_compression` (zlib level of each block) and `_inlinelimit` (must be ≤ 1: then
Whoosh never inlines postings in the terms table).
"""

from __future__ import annotations

import itertools
import multiprocessing
import pickle
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3TermInfo
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.system import pack_int, pack_ushort
from whoosh.util.numeric import byte_to_length

# Postings per slice of a field's final merge: bounds the memory of writing a field
# (~40 MB); smaller slices cost no measurable time on the laws corpus.
WINDOW_POSTINGS = 500_000

# `length_to_byte` (whoosh.util.numeric) is bisect_left over this table, 255 from 106374.
_LENGTH_TABLE = np.array([byte_to_length(b) for b in range(256)], dtype=np.int64)


def length_bytes(lengths: np.ndarray) -> np.ndarray:
    """Whoosh's `length_to_byte` of each length, at once."""
    found = np.searchsorted(_LENGTH_TABLE, lengths, side="left")
    return np.where(lengths >= 106374, 255, found).astype(np.uint8)


class Run:
    """A field's postings sorted by (term bytes, docnum), in memory or in files.

    `terms` are term ids in the order of their UTF-8 bytes, `sizes` how many postings
    each has; the postings' docnums and counts follow the same order.
    """

    def __init__(
        self, terms: np.ndarray, sizes: np.ndarray, docnums: np.ndarray, counts: np.ndarray
    ) -> None:
        self.terms, self.sizes = terms, sizes
        self.offsets = np.concatenate(([0], np.cumsum(sizes, dtype=np.int64)))
        self._docnums: np.ndarray | Path = docnums
        self._counts: np.ndarray | Path = counts

    def save(self, folder: Path, name: str) -> None:
        """Move the postings to files in `folder`: read back a slice at a time."""
        for part, values in (("docnums", self._docnums), ("counts", self._counts)):
            path = folder / f"{name}.{part}"
            np.asarray(values, dtype=np.uint32).tofile(path)
            setattr(self, f"_{part}", path)

    def postings(self, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
        """The docnums and counts of postings `start` to `end`."""
        return _read(self._docnums, start, end), _read(self._counts, start, end)


def _read(values: np.ndarray | Path, start: int, end: int) -> np.ndarray:
    # Read, not mapped: mapped pages would stay in the writer's resident memory.
    if isinstance(values, Path):
        return np.fromfile(values, dtype=np.uint32, count=end - start, offset=4 * start)
    return values[start:end]


# A field to write: (name, words by term id, its runs, its boost): `add_fields` takes them.
FieldPostings = tuple[str, list[str], list[Run], float]


class PostingsWriter:
    """A segment's terms table (`.trm`) and postings file (`.pst`), as `W3FieldWriter`.

    `processes` > 1: slices of a field's terms are encoded (pickled and compressed, the
    bulk of the work) by that many forked processes, while this one writes the table
    and the file in order; the files are the same bytes either way.
    """

    def __init__(
        self,
        storage: Any,
        segment: Any,
        codec: W3Codec,
        *,
        processes: int = 1,
        window: int = WINDOW_POSTINGS,
    ) -> None:
        if codec._inlinelimit > 1:
            raise ValueError("不能按内联倒排的编码写")
        self.block_limit = codec._blocklimit
        self.compression = codec._compression
        self.compress_from = getattr(codec, "compress_from", 1)
        self.processes, self.window = processes, window
        # The table is keyed by field number + term bytes, fields numbered in the order
        # they are started: by name, as Whoosh's pool sorts postings by field.
        self.table = OrderedHashWriter(segment.create_file(storage, W3Codec.TERMS_EXT))
        self.fieldmap: dict[str, int] = {}
        self.table.extras["fieldmap"] = self.fieldmap
        self.file = segment.create_file(storage, W3Codec.POSTS_EXT)
        self.position = 0

    def add_fields(
        self, fields: Sequence[FieldPostings], meanwhile: Callable[[], None] | None = None
    ) -> None:
        """Write fields' terms (`words` by term id; runs in the order of their docnums),
        in the order given, which must be by name: the table numbers fields so.

        The encoding processes are forked once for every field: one field's last slices
        and the next one's first are encoded side by side, and no pool starts per field.
        `meanwhile`: work for this process while they encode (`DirectSegmentWriter`'s
        columns), where it would otherwise wait for their first slice.
        """
        encoders: list[_WindowEncoder] = []
        windows: list[tuple[int, int, int]] = []
        for name, words, runs, boost in fields:
            encoder, edges = self._field_encoder(name, words, runs, boost)
            windows += [(len(encoders), first, last) for first, last in itertools.pairwise(edges)]
            encoders.append(encoder)
        encoded = _each_encoded(_FieldEncoders(encoders), windows, self.processes, meanwhile)
        for window in encoded:
            self._append(window)

    def _field_encoder(
        self, name: str, words: list[str], runs: list[Run], boost: float
    ) -> tuple[_WindowEncoder, list[int]]:
        """The encoder of a field's terms and the bounds of its slices, by term rank.

        Runs hold disjoint, increasing docnum ranges (documents come in order), so a
        term's postings are its postings in each run, run after run: no heap merge. A
        slice of terms (`window` postings) is merged and encoded at a time.
        """
        if self.fieldmap and name <= max(self.fieldmap):
            raise ValueError(f"字段要按名字顺序写: {name}")
        prefix = pack_ushort(len(self.fieldmap))
        self.fieldmap[name] = len(self.fieldmap)
        encoded = [word.encode("utf-8") for word in words]
        order = np.array(sorted(range(len(encoded)), key=encoded.__getitem__), dtype=np.int64)
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        run_ranks = [rank[run.terms] for run in runs]  # increasing within each run
        per_rank = np.zeros(len(order), dtype=np.int64)
        for run, ranks in zip(runs, run_ranks, strict=True):
            per_rank[ranks] += run.sizes
        ends = np.cumsum(per_rank)
        cuts = np.searchsorted(ends, np.arange(self.window, ends[-1], self.window)) + 1
        edges = np.unique(np.concatenate(([0], cuts, [len(order)]))).tolist()
        encoder = _WindowEncoder(
            [prefix + word for word in encoded],
            order,
            list(zip(runs, run_ranks, strict=True)),
            _BlockFormat(self.block_limit, self.compression, self.compress_from, boost),
        )
        return encoder, edges

    def close(self) -> None:
        self.table.close()
        self.file.close()

    def _append(self, window: _Encoded) -> None:
        """Write a slice's postings and its terms' rows in the table."""
        self.file.write(window.postings)
        lengths = window.lengths.tolist()
        statistics = zip(
            window.keys,
            lengths,
            window.weights.tolist(),
            window.sizes.tolist(),
            window.max_weights.tolist(),
            window.first_ids.tolist(),
            window.last_ids.tolist(),
            strict=True,
        )
        for key, length, weight, size, max_weight, first_id, last_id in statistics:
            # `W3TermInfo.add_block`'s statistics; the extent as `W3FieldWriter` sets it.
            terminfo = W3TermInfo(weight, size, None, 0, max_weight, first_id, last_id)
            terminfo.set_extent(self.position, length)
            self.position += length
            self.table.add(key, terminfo.to_bytes())


@dataclass(frozen=True)
class _BlockFormat:
    """How a field's posting blocks are written: `compress_from`: blocks with fewer
    postings are stored uncompressed (and flagged so: Whoosh's reader reads each block's
    flag), as zlib's set-up costs more than it saves on a few postings."""

    limit: int
    compression: int
    compress_from: int
    boost: float


@dataclass
class _Encoded:
    """A slice of a field's terms, encoded: the postings file's bytes, and per term its
    table key, its bytes' length and `W3TermInfo`'s statistics."""

    postings: bytes
    keys: list[bytes]
    lengths: np.ndarray
    weights: np.ndarray
    sizes: np.ndarray
    max_weights: np.ndarray
    first_ids: np.ndarray
    last_ids: np.ndarray


@dataclass
class _WindowEncoder:
    """Merges and encodes slices of a field's terms, given by their ranks' bounds."""

    keys: list[bytes]  # by term id: field prefix + UTF-8
    order: np.ndarray  # term ids by rank
    runs: list[tuple[Run, np.ndarray]]  # each run and its terms' ranks
    form: _BlockFormat

    def __call__(self, window: tuple[int, int]) -> _Encoded:
        first, last = window
        parts = []
        for run, ranks in self.runs:
            low, high = np.searchsorted(ranks, [first, last])
            slice_ranks = np.repeat(ranks[low:high], run.sizes[low:high])
            docnums, counts = run.postings(int(run.offsets[low]), int(run.offsets[high]))
            parts.append((slice_ranks, docnums, counts))
        ranks = np.concatenate([p[0] for p in parts])
        docnums = np.concatenate([p[1] for p in parts]).astype(np.int64)
        counts = np.concatenate([p[2] for p in parts]).astype(np.int64)
        if len(parts) > 1:
            permutation = np.argsort(ranks, kind="stable")  # runs came in docnum order
            ranks, docnums, counts = ranks[permutation], docnums[permutation], counts[permutation]
        starts = np.flatnonzero(np.concatenate(([True], ranks[1:] != ranks[:-1])))
        keys = [self.keys[i] for i in self.order[ranks[starts]].tolist()]
        return _encode_terms(keys, starts, docnums, counts, self.form)


@dataclass
class _FieldEncoders:
    """The encoders of several fields: a window is (field's place, first rank, end)."""

    encoders: list[_WindowEncoder]

    def __call__(self, window: tuple[int, int, int]) -> _Encoded:
        field, first, last = window
        return self.encoders[field]((first, last))


_encoder: _FieldEncoders | None = None  # a forked encoding process's


def _set_encoder(encoder: _FieldEncoders) -> None:
    global _encoder
    _encoder = encoder


def _encode_in_child(window: tuple[int, int, int]) -> _Encoded:
    assert _encoder is not None, "_set_encoder sets the process up"
    return _encoder(window)


def _each_encoded(
    encoder: _FieldEncoders,
    windows: list[tuple[int, int, int]],
    processes: int,
    meanwhile: Callable[[], None] | None = None,
) -> Iterator[_Encoded]:
    """Each window encoded, in order: here, or by `processes` forked processes (which
    have the runs and terms as they are, not a copy sent to them); `meanwhile` is run
    here once they have started (first, without them)."""
    if processes <= 1 or len(windows) <= 1:
        if meanwhile is not None:
            meanwhile()
        yield from map(encoder, windows)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(min(processes, len(windows)), _set_encoder, (encoder,)) as pool:
        encoded = pool.imap(_encode_in_child, windows)
        if meanwhile is not None:
            meanwhile()
        yield from encoded


def _encode_terms(
    keys: list[bytes],
    starts: np.ndarray,
    docnums: np.ndarray,
    counts: np.ndarray,
    form: _BlockFormat,
) -> _Encoded:
    """Encode consecutive terms' postings (sorted by term, then docnum) as Whoosh does.

    Term i has the postings from `starts[i]` to the next term's start. Everything
    per posting is computed with numpy; the loop runs per term and per block.
    """
    limit, compression = form.limit, form.compression
    ends = np.append(starts[1:], len(docnums))
    blocks_per_term = (ends - starts + limit - 1) // limit
    block_term = np.repeat(np.arange(len(starts)), blocks_per_term)
    first_block = np.cumsum(blocks_per_term) - blocks_per_term
    block_starts = (
        starts[block_term] + (np.arange(len(block_term)) - first_block[block_term]) * limit
    )
    block_ends = np.minimum(block_starts + limit, ends[block_term])
    # `W3PostingsWriter._mini_ids`: each block's docnums delta-coded from 0.
    previous = np.concatenate(([0], docnums[:-1]))
    previous[block_starts] = 0
    deltas = docnums - previous
    # The weights `WordsField.index` gives: count × the field's boost. Kept as
    # `array("f")`: `_mini_weights` gives None when all are 1.0, the one float when
    # all are equal, else the tuple of float32 values. Maximum weights are of the
    # weights as given (`add_posting`).
    weights = counts * form.boost
    stored = weights.astype(np.float32)
    low = np.minimum.reduceat(stored, block_starts)
    high = np.maximum.reduceat(stored, block_starts)
    uniform = (low == high).tolist()
    ones = ((low == high) & (low == 1.0)).tolist()
    first_weights = low.tolist()
    block_max = np.maximum.reduceat(weights, block_starts).tolist()
    squeezed = np.where(block_ends - block_starts >= form.compress_from, compression, 0).tolist()
    # `_mini_values`: Frequency's fixed-size values (`pack_uint` of the count) joined.
    values = counts.astype(">u4").tobytes()
    term_blocks = blocks_per_term.tolist()
    block_starts_list, block_ends_list = block_starts.tolist(), block_ends.tolist()
    last_docnums = docnums[block_ends - 1].tolist()
    pieces: list[bytes] = []
    lengths = np.zeros(len(keys), dtype=np.int64)
    block = 0
    for term in range(len(keys)):
        term_pieces = [WHOOSH3_HEADER_MAGIC]  # `_write_block` opens a term's postings with it
        for number in range(term_blocks[term]):
            start, end = block_starts_list[block], block_ends_list[block]
            # Per block, not per window: lists of a window's postings cost ~70 MB.
            if ones[block]:
                weight_data: Any = None
            elif uniform[block]:
                weight_data = first_weights[block]
            else:
                weight_data = tuple(stored[start:end].tolist())
            ids = tuple(deltas[start:end].tolist())
            data = pickle.dumps((ids, weight_data, values[4 * start : 4 * end]), 2)
            if squeezed[block]:
                data = zlib.compress(data, compression)
            # `_write_block`'s block info: postings, last id, maximum weight,
            # compression, shortest and longest length (0, 0: no length statistics).
            info = (end - start, last_docnums[block], block_max[block], squeezed[block], 0, 0)
            header = pickle.dumps(info, 2)
            length = len(header) + len(data)  # negative on a term's last block
            last = number == term_blocks[term] - 1
            term_pieces += [pack_int(-length if last else length), header, data]
            block += 1
        blob = b"".join(term_pieces)
        pieces.append(blob)
        lengths[term] = len(blob)
    # `W3TermInfo.add_block`: the sum of the float32 weights, the largest weight,
    # the first and the last docnum.
    return _Encoded(
        postings=b"".join(pieces),
        keys=keys,
        lengths=lengths,
        weights=np.add.reduceat(stored.astype(np.float64), starts),
        sizes=ends - starts,
        max_weights=np.maximum.reduceat(weights, starts),
        first_ids=docnums[starts],
        last_ids=docnums[ends - 1],
    )
