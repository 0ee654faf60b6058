"""Segments written directly (`whoosh_segments`) read back in Whoosh as its own writer's do.

Each test writes the same documents twice: with Whoosh's writer, as builds did before
in a build, and with `DirectSegmentWriter`. Everything is then read through Whoosh's
public reader and matcher API (never our own block decoder), searched with Whoosh's
BM25F and ranked with `WordScorer`, and must be equal; written as Whoosh encodes posting
blocks (`WHOOSHS_BLOCKS`: every block compressed), the segment files are equal byte for
byte. The product's codec stores short blocks uncompressed: its files differ there, and
read back the same.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.fields import COLUMN, Schema
from whoosh.index import LockError
from whoosh.query import Or, Term
from whoosh.system import pack_uint
from whoosh.util.numeric import length_to_byte

from indexer.build.update import load_dictionaries
from indexer.build.writers import RankingArrays
from indexer.index.layout import IndexLayout
from indexer.index.schema import (
    FIELD_BOOSTS,
    FIELD_KINDS,
    KEY_COLUMN,
    PASSAGE,
    REPORT,
    SECTION,
    WORD_FIELDS,
    document_key,
    make_schema,
)
from indexer.index.whoosh_postings import length_bytes
from indexer.index.whoosh_segments import DirectSegmentWriter, commit_segments
from indexer.index.word_fields import CountedWordsField
from indexer.index.word_index import (
    WRITER_MEMORY_MB,
    RankingCodec,
    WordScorer,
    create_word_index,
    write_ranking_tables,
)
from indexer.ingest import ingest_path
from indexer.ingest.s1_read import iter_source_files
from indexer.models import Skipped
from tests.conftest import SAMPLE_DIR
from tests.corpora import LAWS
from tests.helpers import nonempty

FIELD_OF_KIND = {kind: name for name, kind in FIELD_KINDS.items()}
# Whoosh's own writer compresses every posting block: written so, the files are its own.
WHOOSHS_BLOCKS = {"compress_from": 1}
QUERIES = [
    "行政复议",
    "法治政府建设",
    "的",
    "人民政府",
    "2023",
    "法",
    "第一条",
    "国务院",
    "不存在的词",
]


@dataclass
class Corpus:
    """Whoosh documents in the order a build adds them, and the build's ranking arrays."""

    documents: list[tuple[int, int, str]] = field(default_factory=list)  # kind, id, text
    ranking: RankingArrays = field(default_factory=lambda: RankingArrays.load(None))
    reports: int = 0
    longest: int = 0  # the fewest postings its most frequent term has


def read_corpus(source: Path, longest: int) -> Corpus:
    """Ingest a folder and list its Whoosh documents as `build._Update._add` adds them."""
    corpus, seen = Corpus(longest=longest), set()
    for path in iter_source_files([source]):
        if not isinstance(path, Path):
            continue
        for reports in ingest_path(path, [source]):
            if isinstance(reports, Skipped):
                continue
            for report in [r for r in reports if r.report_id not in seen]:
                seen.add(report.report_id)
                number = corpus.reports
                corpus.documents.append((REPORT, number, report.metadata.title))
                first = corpus.ranking.space
                sections = [passage.section_path for passage in report.passages]
                for section_id, path in corpus.ranking.add_passages(first, number, sections, first):
                    corpus.documents.append((SECTION, section_id, path))
                for ordinal, passage in enumerate(report.passages, first):
                    corpus.documents.append((PASSAGE, ordinal, passage.text))
                corpus.reports += 1
    return corpus


@pytest.fixture(scope="module")
def entries() -> tuple:
    return load_dictionaries()


# The corpora, and the fewest postings their most frequent term has: the fifty laws
# have terms over several blocks of 128 postings (and take 16 s: slow, run in CI; the
# random documents below span many blocks of smaller block limits).
CORPORA = {"sample": (SAMPLE_DIR, 100), "laws": (LAWS, 3 * 128)}


@pytest.fixture(scope="module", params=["sample", pytest.param("laws", marks=pytest.mark.slow)])
def corpus(request: pytest.FixtureRequest) -> Corpus:
    folder, longest = CORPORA[request.param]
    return read_corpus(folder, longest)


def write_stock(folder: Path, documents: list, entries: tuple, *, fresh: bool = True) -> None:
    """Write documents as one segment with Whoosh's own writer, as builds did before: its
    word fields (`CountedWordsField.index`) give the postings, its pool sorts them."""
    if fresh:
        create_word_index(folder, entries)
    writer = whoosh_index.open_dir(str(folder)).writer(
        limitmb=WRITER_MEMORY_MB, compound=False, codec=RankingCodec()
    )
    for kind, number, text in documents:
        writer.add_document(key=document_key(kind, number), **{FIELD_OF_KIND[kind]: text})
    writer.commit()


def counted(corpus: Corpus, entries: tuple) -> list[tuple[int, dict]]:
    """The documents as the direct writer takes them: key and each field's word counts."""
    words = CountedWordsField(entries)
    return [
        (document_key(kind, number), {FIELD_OF_KIND[kind]: words.word_counts(text)})
        for kind, number, text in corpus.documents
    ]


def write_direct(
    folder: Path,
    documents: Sequence,
    schema: Schema,
    *,
    parts: int = 1,
    spill: int = 2_000_000,
    codec: RankingCodec | None = None,
    processes: int = 1,
    window: int = 500_000,
) -> list:
    """Write the documents as `parts` direct segments, committed together; return them.
    Encoded as Whoosh encodes (`WHOOSHS_BLOCKS`) unless `codec` says otherwise."""
    folder.mkdir(parents=True)
    whoosh_index.create_in(str(folder), schema)
    segments = []
    for part in np.array_split(np.arange(len(documents)), parts):
        writer = DirectSegmentWriter(
            folder,
            codec or RankingCodec(**WHOOSHS_BLOCKS),
            spill_postings=spill,
            window_postings=window,
        )
        writer.add_documents(documents[i] for i in part.tolist())
        segments.append(writer.finish(processes=processes))
    commit_segments(folder, segments)
    return segments


def whoosh_view(folder: Path) -> dict:
    """Everything Whoosh's public API reads from an index, as plain values."""
    ix = whoosh_index.open_dir(str(folder))
    with ix.reader() as reader:
        count = reader.doc_count_all()
        terms = {}
        for fieldname, text in reader.all_terms():
            info = reader.term_info(fieldname, text)
            matcher = reader.postings(fieldname, text)
            postings = []
            while matcher.is_active():
                postings.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            statistics = (info.doc_frequency(), info.weight(), info.max_weight())
            extent = (info.min_id(), info.max_id(), info.min_length(), info.max_length())
            terms[fieldname, text] = (statistics, extent, postings)
        return {
            "doc_count": (reader.doc_count(), count),
            "deleted": [reader.is_deleted(d) for d in range(count)],
            "terms": terms,
            "lengths": {
                f: [reader.doc_field_length(d, f) for d in range(count)] for f in WORD_FIELDS
            },
            # Whoosh's min/max_field_length fail on a segment where no document has the
            # field (no length column: the sample's reports have no titles).
            "totals": {
                f: (reader.field_length(f), reader.min_field_length(f), reader.max_field_length(f))
                if reader.field_length(f)
                else 0
                for f in WORD_FIELDS
            },
            "keys": list(reader.column_reader("key")) if reader.has_column("key") else [],
            "stored": [reader.stored_fields(d) for d in range(count)],
        }


def bm25f_hits(folder: Path, words: Sequence[str]) -> list[tuple[int, float]]:
    """Whoosh's own search (BM25F, every hit) for the words in every field."""
    ix = whoosh_index.open_dir(str(folder))
    query = Or([Term(f, w) for f in WORD_FIELDS for w in words])
    with ix.searcher() as searcher:
        return [(hit.docnum, hit.score) for hit in searcher.search(query, limit=None)]


def optimize(folder: Path) -> None:
    """Whoosh's own merge of every segment into one, as `merge_word_segments` commits it."""
    ix = whoosh_index.open_dir(str(folder))
    ix.writer(codec=RankingCodec(), compound=False).commit(optimize=True)


def segment_files(folder: Path) -> dict[str, bytes]:
    """Each segment's files by extension, in segment order (names are random)."""
    segments = whoosh_index.open_dir(str(folder))._read_toc().segments
    files = {}
    for number, segment in enumerate(segments):
        prefix = segment.segment_id()
        for path in folder.glob(prefix + ".*"):
            files[f"{number}{path.name.removeprefix(prefix)}"] = path.read_bytes()
    return files


@pytest.fixture(scope="module")
def written(corpus: Corpus, entries: tuple, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """The corpus written by Whoosh's writer and by the direct writer (2 runs spilled)."""
    base = tmp_path_factory.mktemp("segments")
    write_stock(base / "stock", corpus.documents, entries)
    documents = counted(corpus, entries)
    postings = sum(len(pairs) for _, fields in documents for pairs in fields.values())
    write_direct(base / "direct", documents, make_schema(entries), spill=postings // 3 + 1)
    return base / "stock", base / "direct", documents


def test_whoosh_reads_back_what_its_own_writer_wrote(written: tuple, corpus: Corpus) -> None:
    stock, direct, _ = written
    expected = whoosh_view(stock)
    assert len(nonempty(expected["terms"], "terms")) > 100
    assert max(len(postings) for _, _, postings in expected["terms"].values()) > corpus.longest
    assert whoosh_view(direct) == expected


def test_the_segment_files_are_whooshs_byte_for_byte(written: tuple) -> None:
    stock, direct, _ = written
    expected = segment_files(stock)
    assert sorted(expected) == sorted(segment_files(direct))
    assert {".trm", ".pst", ".key.col", "._content_len.col", "._stored.col"} <= {
        name[1:] for name in expected
    }
    assert segment_files(direct) == expected


def test_short_blocks_left_uncompressed_read_back_as_whooshs_own(
    written: tuple, entries: tuple, tmp_path: Path
) -> None:
    """The build's codec stores blocks of few postings uncompressed: Whoosh reads the
    same postings and scores them the same; encoded by two processes, slice by slice,
    the files are the very bytes one process writes."""
    stock, whooshs, documents = written
    schema = make_schema(entries)
    one, two = tmp_path / "one", tmp_path / "two"
    write_direct(one, documents, schema, codec=RankingCodec())
    write_direct(two, documents, schema, codec=RankingCodec(), processes=2, window=1_000)
    files = segment_files(one)
    assert segment_files(two) == files
    # Uncompressed short blocks take more room: the files are not Whoosh's own.
    assert len(files["0.pst"]) > len(segment_files(whooshs)["0.pst"])
    assert whoosh_view(one) == whoosh_view(stock)
    assert bm25f_hits(one, QUERIES) == bm25f_hits(stock, QUERIES)


def test_whooshs_bm25f_scores_the_direct_segment_identically(written: tuple) -> None:
    stock, direct, _ = written
    for word in QUERIES:
        assert bm25f_hits(direct, [word]) == bm25f_hits(stock, [word])
    assert len(nonempty(bm25f_hits(stock, QUERIES))) > 10


def ranking_layout(root: Path, whoosh: Path, corpus: Corpus) -> IndexLayout:
    """A generation folder holding `whoosh` and the ranking tables a build writes for it."""
    layout = IndexLayout(root)
    root.mkdir()
    (root / "whoosh").symlink_to(whoosh)
    corpus.ranking.save(layout)
    write_ranking_tables(layout, corpus.ranking.live_by_kind(corpus.reports))
    return layout


def test_word_scorer_ranks_the_direct_segment_identically(
    written: tuple, corpus: Corpus, tmp_path: Path
) -> None:
    stock, direct, _ = written
    passage_report = np.asarray(corpus.ranking.passage_report, dtype=np.int32)
    section_of = np.asarray(corpus.ranking.section_of, dtype=np.int32)
    scorers = [
        WordScorer(ranking_layout(tmp_path / name, folder, corpus), passage_report, section_of)
        for name, folder in (("stock", stock), ("direct", direct))
    ]
    try:
        for word in QUERIES:
            expected, found = (s.scores(s.searcher(), [word]) for s in scorers)
            assert np.array_equal(found, expected), word
        assert np.count_nonzero(scorers[0].scores(scorers[0].searcher(), QUERIES)) > 10
    finally:
        for scorer in scorers:
            scorer.close()


def test_segments_of_two_processes_commit_together_and_optimize_like_whooshs(
    written: tuple, corpus: Corpus, entries: tuple, tmp_path: Path
) -> None:
    one_segment, _, documents = written
    half = len(documents) // 2
    # Whoosh's writer, a segment per half: what two writer processes write.
    stock = tmp_path / "stock"
    write_stock(stock, corpus.documents[:half], entries)
    write_stock(stock, corpus.documents[half:], entries, fresh=False)
    folder = tmp_path / "workers"
    folder.mkdir()
    whoosh_index.create_in(str(folder), make_schema(entries))
    with multiprocessing.get_context("fork").Pool(2) as pool:
        segments = pool.starmap(
            write_segment, [(folder, documents[:half]), (folder, documents[half:])]
        )
    commit_segments(folder, segments)
    assert len(whoosh_index.open_dir(str(folder))._read_toc().segments) == 2
    assert segment_files(folder) == segment_files(stock)
    assert whoosh_view(folder) == whoosh_view(one_segment)
    assert bm25f_hits(folder, QUERIES) == bm25f_hits(stock, QUERIES)
    # Whoosh's own merge makes of the direct segments the very segment it makes of its
    # own: the same files. (Not quite the segment written at once: a merge sums field
    # lengths from the documents' length bytes, which round.)
    for merged in (folder, stock):
        optimize(merged)
    assert len(whoosh_index.open_dir(str(folder))._read_toc().segments) == 1
    assert segment_files(folder) == segment_files(stock)
    assert whoosh_view(folder) == whoosh_view(stock)
    assert bm25f_hits(folder, QUERIES) == bm25f_hits(stock, QUERIES)


def write_segment(folder: Path, documents: list) -> object:
    """One worker's segment (run in a child process; the segment pickles back)."""
    writer = DirectSegmentWriter(folder, RankingCodec(**WHOOSHS_BLOCKS))
    writer.add_documents(documents)
    return writer.finish()


@pytest.mark.parametrize("corpus", ["sample"], indirect=True)  # the laws add 6 s, no case
def test_an_update_adds_a_segment_and_keeps_the_old_ones_and_their_deletions(
    written: tuple, entries: tuple, tmp_path: Path
) -> None:
    _, _, documents = written
    first, second = documents[: len(documents) // 3], documents[len(documents) // 3 :]
    gone = list(range(0, len(first), 7))
    stock, direct = tmp_path / "stock", tmp_path / "direct"
    for folder in (stock, direct):
        write_direct(folder, first, make_schema(entries), parts=2)
    writer = whoosh_index.open_dir(str(stock)).writer(codec=RankingCodec(), compound=False)
    for docnum in gone:
        writer.delete_document(docnum)
    add_precounted(writer, second)
    writer.commit(merge=False)
    # Deletions alone, then more deletions with a new segment: the first ones stay.
    assert commit_segments(direct, [], deleted=gone[::2]) == 2
    direct_writer = DirectSegmentWriter(direct, RankingCodec(**WHOOSHS_BLOCKS))
    direct_writer.add_documents(second)
    assert commit_segments(direct, [direct_writer.finish()], deleted=gone[1::2]) == 3
    view = whoosh_view(direct)
    assert view == whoosh_view(stock)
    assert len(whoosh_index.open_dir(str(direct))._read_toc().segments) == 3
    assert view["doc_count"] == (len(documents) - len(gone), len(documents))
    assert bm25f_hits(direct, QUERIES) == bm25f_hits(stock, QUERIES)
    # Whoosh's merge drops the deleted documents from the direct segments as from its own.
    for merged in (direct, stock):
        optimize(merged)
    assert segment_files(direct) == segment_files(stock)
    assert whoosh_index.open_dir(str(direct)).doc_count_all() == len(documents) - len(gone)


# --- random documents ----------------------------------------------------------------


class PrecountedField(CountedWordsField):
    """A word field whose value is its (word, count) pairs: the stock writer's input."""

    def index(self, value: object, **kwargs: object) -> Iterator[tuple[bytes, int, float, bytes]]:
        boost = self.format.field_boost
        pairs = value.items() if isinstance(value, dict) else value
        for word, count in pairs:  # type: ignore[attr-defined]
            yield word.encode("utf-8"), count, count * boost, pack_uint(count)


def precounted_schema() -> Schema:
    fields = {f: PrecountedField(field_boost=FIELD_BOOSTS[f]) for f in WORD_FIELDS}
    return Schema(key=COLUMN(KEY_COLUMN), **fields)


def add_precounted(writer: object, documents: Sequence) -> None:
    """Give Whoosh's writer word counts: through `PrecountedField`, or as a field swap."""
    schema = writer.schema  # type: ignore[attr-defined]
    swapped = {f: schema[f] for f in WORD_FIELDS if not isinstance(schema[f], PrecountedField)}
    for name, old in swapped.items():
        schema._fields[name] = PrecountedField(field_boost=old.format.field_boost)
    for key, fields in documents:
        writer.add_document(key=key, **fields)  # type: ignore[attr-defined]
    for name, old in swapped.items():
        schema._fields[name] = old  # the index keeps its own schema


# Words from a handful of scripts: CJK (with a character beyond the BMP), Latin, digits.
_WORD = st.text(st.sampled_from("法治政府的行复议国务院𠀀aZ09é"), min_size=1, max_size=3)


@st.composite
def random_documents(draw: st.DrawFn) -> list[tuple[int, dict]]:
    vocabulary = draw(st.lists(_WORD, min_size=1, max_size=10, unique=True))
    count = st.one_of(st.integers(1, 3), st.integers(1, 200_000))
    value = st.dictionaries(st.sampled_from(vocabulary), count, max_size=len(vocabulary))
    fields = st.dictionaries(st.sampled_from(WORD_FIELDS), value)
    key = st.one_of(st.just(0), st.integers(0, 2**64 - 1))
    documents = draw(st.lists(st.tuples(key, fields), min_size=1, max_size=40))
    return [(k, {f: list(pairs.items()) for f, pairs in v.items()}) for k, v in documents]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    documents=random_documents(),
    block_limit=st.sampled_from([1, 2, 5, 128]),
    spill=st.integers(1, 60),
    compress_from=st.sampled_from([1, 2, 16]),
    processes=st.sampled_from([1, 2]),
    window=st.integers(1, 80),
)
def test_random_documents_read_back_as_whooshs_own(
    documents: list,
    block_limit: int,
    spill: int,
    compress_from: int,
    processes: int,
    window: int,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Whatever the blocks left uncompressed and the processes encoding slices of terms,
    Whoosh reads back its own writer's postings; compressed as it does, the same bytes."""
    base = tmp_path_factory.mktemp("random")
    stock, direct = base / "stock", base / "direct"
    stock.mkdir()
    ix = whoosh_index.create_in(str(stock), precounted_schema())
    writer = ix.writer(codec=RankingCodec(blocklimit=block_limit), compound=False)
    add_precounted(writer, documents)
    writer.commit()
    direct.mkdir()
    whoosh_index.create_in(str(direct), precounted_schema())
    segment_writer = DirectSegmentWriter(
        direct,
        RankingCodec(blocklimit=block_limit, compress_from=compress_from),
        spill_postings=spill,
        window_postings=window,
    )
    segment_writer.add_documents(documents)
    commit_segments(direct, [segment_writer.finish(processes=processes)])
    assert whoosh_view(direct) == whoosh_view(stock)
    if compress_from == 1:
        assert segment_files(direct) == segment_files(stock)
    words = sorted({w for _, fields in documents for pairs in fields.values() for w, _ in pairs})
    assert bm25f_hits(direct, words) == bm25f_hits(stock, words)


def test_field_lengths_are_whooshs_length_bytes() -> None:
    lengths = np.arange(0, 120_000)
    expected = [length_to_byte(int(n)) for n in lengths]
    assert length_bytes(lengths).tolist() == expected


# --- bad input and commits -------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"content": [("法治", 0)]},
        {"content": [("法治", -1)]},
        {"content": [("法治", 1.5)]},
        {"content": [("法治", 1), ("法治", 2)]},
        {"content": [("", 1)]},
        {"content": [(b"bytes", 1)]},
        {"content": [(["unhashable"], 1)]},
        {"content": [("法治", 1, "extra")]},
        {"body": [("法治", 1)]},
    ],
)
def test_a_bad_document_is_refused_and_changes_nothing(
    fields: dict, entries: tuple, tmp_path: Path
) -> None:
    good = [(1, {"content": [("法治", 2), ("政府", 1)]}), (2, {"title": [("法治", 3)]})]
    expected = tmp_path / "expected"
    write_direct(expected, good, make_schema(entries))
    folder = tmp_path / "index"
    folder.mkdir()
    whoosh_index.create_in(str(folder), make_schema(entries))
    writer = DirectSegmentWriter(folder, RankingCodec())
    writer.add_document(*good[0])
    with pytest.raises(ValueError):
        writer.add_document(3, fields)
    with pytest.raises(ValueError, match="文档键"):
        writer.add_document(-1, {"content": [("新词", 1)]})
    writer.add_document(*good[1])
    commit_segments(folder, [writer.finish()])
    assert whoosh_view(folder) == whoosh_view(expected)


def test_an_empty_writer_commits_no_segment(entries: tuple, tmp_path: Path) -> None:
    whoosh_index.create_in(str(tmp_path), make_schema(entries))
    writer = DirectSegmentWriter(tmp_path, RankingCodec())
    assert writer.finish() is None
    assert commit_segments(tmp_path, [None]) == 1
    assert whoosh_index.open_dir(str(tmp_path)).doc_count_all() == 0


def test_a_commit_refuses_a_locked_index_a_foreign_segment_and_unknown_docnums(
    entries: tuple, tmp_path: Path
) -> None:
    here, elsewhere = tmp_path / "here", tmp_path / "elsewhere"
    write_direct(here, [(1, {"content": [("法治", 1)]})], make_schema(entries))
    elsewhere.mkdir()
    whoosh_index.create_in(str(elsewhere), make_schema(entries))
    writer = DirectSegmentWriter(elsewhere, RankingCodec())
    writer.add_document(2, {"content": [("政府", 1)]})
    foreign = writer.finish()
    with pytest.raises(ValueError, match="不在"):
        commit_segments(here, [foreign])
    with pytest.raises(ValueError, match="没有文档编号"):
        commit_segments(here, [], deleted=[1])
    lock = whoosh_index.open_dir(str(here)).lock("WRITELOCK")
    assert lock.acquire()
    try:
        with pytest.raises(LockError):
            commit_segments(here, [])
    finally:
        lock.release()
    assert whoosh_view(here)["doc_count"] == (1, 1)
    assert sorted(p.name for p in here.iterdir() if p.name.endswith(".toc")) == ["_MAIN_1.toc"]


def test_files_of_a_segment_never_committed_are_removed_by_the_next_commit(
    entries: tuple, tmp_path: Path
) -> None:
    write_direct(tmp_path / "index", [(1, {"content": [("法治", 1)]})], make_schema(entries))
    writer = DirectSegmentWriter(tmp_path / "index", RankingCodec())
    writer.add_document(2, {"content": [("政府", 1)]})
    abandoned = writer.finish().segment_id()
    assert any(p.name.startswith(abandoned) for p in (tmp_path / "index").iterdir())
    commit_segments(tmp_path / "index", [])
    assert not any(p.name.startswith(abandoned) for p in (tmp_path / "index").iterdir())
    assert not any(p.name.startswith(".segment-runs") for p in (tmp_path / "index").iterdir())
