"""Write Whoosh segments directly: documents' word counts in, one W3 segment out.

Whoosh's own writer costs ~10 µs per posting (README, "Measured"): `add_document` puts
every posting in a pool, sorts it in Python, pickles spilled runs and heap-merges them
at commit, and the W3 field writer then takes one posting per call. The build already
has each document's (word, count) pairs (`CountedWordsField.word_counts`), so here they
are kept as arrays (term ids, docnums, counts; a term table per field), sorted with
numpy into runs (spilled to disk past `SPILL_POSTINGS`: memory stays bounded), and
written a posting block at a time (`whoosh_postings.py`).

The segment is in whoosh-reloaded 2.7.5's own format (pinned in requirements.txt),
opened and searched by Whoosh's own reader and merged by its own `optimize`;
`tests/test_whoosh_segments.py` checks Whoosh reads back exactly what its own writer
writes. Several processes can each write a segment into one folder; `commit_segments`
registers them together in a new generation of the table of contents, as Whoosh's
writer commits.

Whoosh internals relied on here: the codec's `length_stats` and a segment's
`_fieldlengths` (what `W3PerDocWriter.close` sets), a numeric column's `_typecode` and
`_default`.
"""

from __future__ import annotations

import shutil
import tempfile
from array import array
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, STORED_COLUMN, W3Codec, _lenfield
from whoosh.columns import NumericColumn
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Frequency
from whoosh.index import TOC, LockError, clean_files

from indexer.index.whoosh_postings import WINDOW_POSTINGS, PostingsWriter, Run, length_bytes
from indexer.index.word_counts import CountedBlock, Lexicon, LexiconMap

# Whoosh's default index name (`whoosh.index._DEF_INDEX_NAME`), as `create_in` names it.
INDEX_NAME = "MAIN"
# Pending postings (12 bytes each) past which they are sorted and spilled to a run on
# disk: bounds a writer's memory whatever the segment's size. At 1 M the laws corpus
# (8 M postings) peaks 85 MB above reading its input, in the same time as at 2 M.
SPILL_POSTINGS = 1_000_000


# A document: its key column value and, per word field, its (word, count) pairs.
Document = tuple[int, Mapping[str, Sequence[tuple[str, int]]]]
# A checked field value: its word counts, their term ids (None where new) and counts.
_Value = tuple[Mapping[str, int], list[int | None], array]


def _new(counted: dict[str, int], ids: list[int | None]) -> list[str]:
    return [word for word, found in zip(counted, ids, strict=True) if found is None]


class _FieldPostings:
    """One word field's term table, pending postings, sorted runs and document lengths."""

    def __init__(self, boost: float) -> None:
        self.boost = boost
        self.terms = Lexicon()  # words by term id, numbered as first added
        self.term_ids, self.docnums, self.counts = array("I"), array("I"), array("I")
        self.runs: list[Run] = []
        # Documents whose field has words, and their lengths (the sum of counts): the
        # others get no length byte, as `W3PerDocWriter.add_field` skips length 0.
        self.length_docnums, self.lengths = array("I"), array("I")
        self.total_length = 0
        self.lexicon_map = LexiconMap()  # blocks numbered in a lexicon (`word_counts`)

    def check(self, pairs: Sequence[tuple[str, int]]) -> _Value:
        """Return a field value's counts by word, their term ids (None: new) and counts.

        Raises before anything is changed, so a bad document leaves the writer as it was.
        """
        try:
            counted = dict(pairs)  # in C: the words, the counts, and whether a word repeats
            counts = array("I", counted.values())
        except (TypeError, ValueError, OverflowError) as error:
            raise ValueError(f"字段值要是（词, 词频）对，词频是正整数: {pairs!r}") from error
        ids = list(map(self.terms.number.get, counted))
        if (
            len(counted) < len(pairs)
            or min(counts) < 1
            or (None in ids and not all(isinstance(w, str) and w for w in _new(counted, ids)))
        ):
            raise ValueError(f"每个词（非空字符串）只能出现一次，词频是正整数: {pairs!r}")
        return counted, ids, counts

    def add(self, docnum: int, value: _Value) -> int:
        """Add a checked field value to the pending postings; return how many."""
        counted, ids, counts = value
        if None in ids:
            ids = self.terms.numbers(counted)  # type: ignore[assignment]
        self.term_ids.extend(ids)  # type: ignore[arg-type]
        self.docnums.extend([docnum] * len(ids))
        self.counts.extend(counts)
        length = sum(counts)
        self.length_docnums.append(docnum)
        self.lengths.append(length)
        self.total_length += length
        return len(ids)

    def add_block(self, first_docnum: int, block: CountedBlock) -> int:
        """Add a block's documents, numbered from `first_docnum`; return their postings.

        Each of the block's words is looked up (or added) here once (a lexicon's: once
        for every block), and its postings are mapped with numpy, not a call per posting.
        """
        if block.lexicon is None:
            local = np.array(self.terms.numbers(block.vocabulary), np.uint32)[block.term_ids]
        else:
            local = self.lexicon_map.term_ids(block, self.terms.numbers)
        sizes = block.sizes
        docnums = np.repeat(np.arange(first_docnum, first_docnum + len(sizes)), sizes)
        self.term_ids.frombytes(local.tobytes())
        self.docnums.frombytes(docnums.astype(np.uint32).tobytes())
        self.counts.frombytes(block.counts.astype(np.uint32).tobytes())
        # Documents without words in this field get no length, as `add` gives them none.
        has_words = np.flatnonzero(sizes)
        if len(has_words):
            starts = np.cumsum(sizes) - sizes
            lengths = np.add.reduceat(block.counts.astype(np.int64), starts[has_words])
            self.length_docnums.frombytes((has_words + first_docnum).astype(np.uint32).tobytes())
            self.lengths.frombytes(lengths.astype(np.uint32).tobytes())
            self.total_length += int(lengths.sum())
        return len(block.term_ids)

    @property
    def pending(self) -> int:
        return len(self.term_ids)

    def sort_pending(self) -> Run:
        """Sort the pending postings by (term bytes, docnum) into a run; empty them."""
        ids = np.frombuffer(self.term_ids, dtype=np.uint32)
        present = np.unique(ids)
        # By UTF-8 bytes, the order Whoosh's pool sorts terms in.
        encoded = [self.terms.words[i].encode("utf-8") for i in present.tolist()]
        terms = present[sorted(range(len(present)), key=encoded.__getitem__)]
        place = np.empty(len(self.terms.words), dtype=np.int64)
        place[terms] = np.arange(len(terms))
        keys = place[ids]
        # Postings come in docnum order: a stable sort keeps each term's docnums sorted.
        permutation = np.argsort(keys, kind="stable")
        docnums = np.frombuffer(self.docnums, dtype=np.uint32)[permutation]
        counts = np.frombuffer(self.counts, dtype=np.uint32)[permutation]
        run = Run(terms, np.bincount(keys, minlength=len(terms)), docnums, counts)
        self.term_ids, self.docnums, self.counts = array("I"), array("I"), array("I")
        return run


class DirectSegmentWriter:
    """Write one Whoosh segment into an index folder from documents' word counts.

    Documents are numbered in the order they are added, as Whoosh's writer numbers
    them. `finish` writes the segment's files and returns the segment for
    `commit_segments`; until then the index is untouched. The segment is written as
    `codec` writes, which must keep no per-block length statistics (`RankingCodec`).
    """

    def __init__(
        self,
        folder: Path,
        codec: W3Codec,
        *,
        indexname: str = INDEX_NAME,
        spill_postings: int = SPILL_POSTINGS,
        window_postings: int = WINDOW_POSTINGS,
    ) -> None:
        if codec.length_stats:
            raise ValueError("只能按不记录块长度统计的编码写（如 RankingCodec）")
        self.folder = Path(folder)
        self.codec = codec
        self.indexname = indexname
        self.storage = FileStorage(str(self.folder))
        schema = whoosh_index.open_dir(str(self.folder), indexname=indexname).schema
        self.key_field, self.key_column = _key_column(schema)
        self.fields = {name: _FieldPostings(boost) for name, boost in _word_fields(schema)}
        self.keys = array(self.key_column._typecode)
        self.spill_postings, self.window_postings = spill_postings, window_postings
        self._runs_dir: Path | None = None
        self._pending = 0  # postings not yet in a run, over all fields
        self._finished = False

    @property
    def doc_count(self) -> int:
        return len(self.keys)

    def add_documents(self, documents: Iterable[Document]) -> None:
        """Add a batch of documents: (key, {field: [(word, count), ...]}) each."""
        for key, fields in documents:
            self.add_document(key, fields)

    def add_document(self, key: int, fields: Mapping[str, Sequence[tuple[str, int]]]) -> None:
        """Add one document; a field left out or empty has no words (and no length)."""
        if self._finished:
            raise RuntimeError("这个段已经写完，不能再加文档")
        if not fields.keys() <= self.fields.keys():
            unknown = sorted(set(fields) - set(self.fields))
            raise ValueError(f"索引没有这些词字段: {unknown}；有 {sorted(self.fields)}")
        checked = {name: self.fields[name].check(pairs) for name, pairs in fields.items() if pairs}
        docnum = len(self.keys)
        try:
            self.keys.append(key)  # leaves the array as it was when it raises
        except (TypeError, OverflowError) as error:
            raise ValueError(f"文档键 {key!r} 超出 {self.key_field} 列的范围") from error
        for name, value in checked.items():
            self._pending += self.fields[name].add(docnum, value)
        if self._pending >= self.spill_postings:
            self._spill()

    def add_block(self, field: str, keys: Sequence[int], block: CountedBlock) -> None:
        """Add documents of one field at once: `keys[i]` is document i's key, its words
        those of `block`'s document i (counted by `CountedWordsField.word_counts`)."""
        if self._finished:
            raise RuntimeError("这个段已经写完，不能再加文档")
        if len(keys) != len(block.sizes):
            raise ValueError(f"{len(keys)} 个键，{len(block.sizes)} 个文档")
        first = len(self.keys)
        self.keys.extend(keys)
        self._pending += self.fields[field].add_block(first, block)
        if self._pending >= self.spill_postings:
            self._spill()

    def _spill(self) -> None:
        if self._runs_dir is None:
            # A dot name: Whoosh's `clean_files` passes over it, and so does its TOC scan.
            self._runs_dir = Path(tempfile.mkdtemp(prefix=".segment-runs-", dir=self.folder))
        for name, field in self.fields.items():
            if field.pending:
                run = field.sort_pending()
                run.save(self._runs_dir, f"{name}.{len(field.runs)}")
                field.runs.append(run)
        self._pending = 0

    def cancel(self) -> None:
        """Drop everything added; nothing was written to the index."""
        self._finished = True
        if self._runs_dir is not None:
            shutil.rmtree(self._runs_dir, ignore_errors=True)
            self._runs_dir = None

    def finish(self, *, processes: int = 1) -> Any:
        """Write the segment's files; return the segment (a `W3Segment`), None if empty.

        `processes` > 1 encode its postings (`PostingsWriter`): the same files, sooner.

        Files of a segment that fails half-way are no segment's: the next commit to the
        folder removes them.
        """
        if self._finished:
            raise RuntimeError("这个段已经写完")
        try:
            if not self.keys:
                return None
            segment = self.codec.new_segment(self.storage, self.indexname)
            postings = PostingsWriter(
                self.storage, segment, self.codec, processes=processes, window=self.window_postings
            )
            fields = []
            for name in sorted(self.fields):  # Whoosh's pool sorts postings by field name
                field = self.fields[name]
                if field.pending:
                    field.runs.append(field.sort_pending())
                if field.runs:
                    fields.append((name, field.terms.words, field.runs, field.boost))
            # The columns are written while the encoding processes start on the postings.
            postings.add_fields(fields, meanwhile=lambda: self._write_columns(segment))
            postings.close()
            segment.set_doc_count(len(self.keys))
            # What `W3PerDocWriter.close` leaves on the segment: each field's total length.
            segment._fieldlengths = defaultdict(
                int, {n: f.total_length for n, f in self.fields.items() if f.total_length}
            )
            return segment
        finally:
            self.cancel()

    def _write_columns(self, segment: Any) -> None:
        doccount = len(self.keys)
        keys = np.frombuffer(self.keys, dtype=self.key_column._typecode)
        self._write_numeric(segment, self.key_field, self.key_column, keys)
        for name, field in self.fields.items():
            if field.length_docnums:
                column = np.zeros(doccount, dtype=np.uint8)
                lengths = np.frombuffer(field.lengths, dtype=np.uint32)
                column[np.frombuffer(field.length_docnums, dtype=np.uint32)] = length_bytes(lengths)
                self._write_numeric(segment, _lenfield(name), LENGTHS_COLUMN, column)
        # No stored fields: Whoosh's own column writer writes the empty `_stored` column
        # every W3 segment has (`W3PerDocWriter.__init__`).
        stored = self.storage.create_file(W3Codec.column_filename(segment, "_stored"))
        STORED_COLUMN.writer(stored).finish(doccount)
        stored.close()

    def _write_numeric(
        self, segment: Any, name: str, column: NumericColumn, values: np.ndarray
    ) -> None:
        # `NumericColumn.Writer.add` skips default values and fills the gap before the next
        # other value: big-endian values up to the last one that is not the default.
        filled = np.flatnonzero(values != column._default)
        end = int(filled[-1]) + 1 if len(filled) else 0
        data = values[:end].astype(np.dtype(column._typecode).newbyteorder(">")).tobytes()
        handle = self.storage.create_file(W3Codec.column_filename(segment, name))
        handle.write(data)
        handle.close()


def _key_column(schema: Any) -> tuple[str, NumericColumn]:
    columns = [
        (name, field.column_type)
        for name, field in schema.items()
        if not field.indexed and isinstance(field.column_type, NumericColumn)
    ]
    if len(columns) != 1 or any(field.stored for _, field in schema.items()):
        raise ValueError("只能写有一个数值列（文档键）、没有存储字段的索引")
    return columns[0]


def _word_fields(schema: Any) -> list[tuple[str, float]]:
    """Return (name, boost) of the schema's word fields; raise on any other indexed field."""
    fields = []
    for name, field in schema.items():
        if not field.indexed:
            continue
        # Frequency postings, as `WordsField.index` gives them: weight = count × boost.
        supported = (
            isinstance(field.format, Frequency)
            and field.scorable
            and not field.vector
            and not field.separate_spelling()
            and field.format.field_boost > 0
        )
        if not supported:
            raise ValueError(f"字段 {name} 不是词频字段，不能直接写")
        fields.append((name, float(field.format.field_boost)))
    return fields


def commit_segments(
    folder: Path,
    segments: Iterable[Any],
    *,
    deleted: Iterable[int] = (),
    indexname: str = INDEX_NAME,
) -> int:
    """Register written segments in a new generation of the table of contents.

    As Whoosh's writer commits (`SegmentWriter._commit_toc`): under the index's write
    lock, the previous generation's segments (with their deletions) stay, `deleted`
    (docnums across those segments, in order) are marked deleted, the new segments are
    appended, and files no segment names are removed. `None` (an empty writer's
    segment) is skipped. Returns the new generation. No other writer may commit to
    the folder while segments are being written: its clean-up would remove their files.
    """
    storage = FileStorage(str(folder))
    lock = whoosh_index.FileIndex(storage, indexname=indexname).lock("WRITELOCK")
    if not lock.acquire():
        raise LockError(f"{folder} 正被另一个 Whoosh 写入器锁定，稍后再试")
    try:
        toc = TOC.read(storage, indexname)
        kept = list(toc.segments)
        _mark_deleted(kept, deleted)
        added = [segment for segment in segments if segment is not None]
        names = [segment.segment_id() for segment in kept + added]
        if len(set(names)) != len(names):
            raise ValueError("同一个段不能登记两次")
        for segment in added:
            if not storage.file_exists(segment.make_filename(W3Codec.TERMS_EXT)):
                raise ValueError(f"段 {segment.segment_id()} 的文件不在 {folder}")
        generation = toc.generation + 1
        TOC(toc.schema, kept + added, generation).write(storage, indexname)
        clean_files(storage, indexname, generation, kept + added)
        return generation
    finally:
        lock.release()


def segment_count(folder: Path, indexname: str = INDEX_NAME) -> int:
    """How many segments the index's current table of contents names."""
    return len(TOC.read(FileStorage(str(folder)), indexname).segments)


def _mark_deleted(segments: list[Any], docnums: Iterable[int]) -> None:
    """Mark index-wide docnums deleted in their segments (`SegmentWriter.delete_document`)."""
    bases = np.cumsum([0] + [segment.doc_count_all() for segment in segments])
    for docnum in docnums:
        if not 0 <= docnum < bases[-1]:
            raise ValueError(f"没有文档编号 {docnum}（共 {bases[-1]} 个）")
        number = int(np.searchsorted(bases, docnum, side="right")) - 1
        segments[number].delete_document(int(docnum - bases[number]))
