"""One generation written from its previous one: the index's own, or one shard's.

The build's coordinator (`steps.Steps`) decides what to add and remove; a
`GenerationWriter` writes it: it copies the previous store and links the previous
segments, adds reports whose words the workers counted (`reading.ReportBatch`), removes
reports by id, records source files, and then finishes its parts one step at a time
(`FINISHING`). An unsharded index has one writer, whose generation is the index's; a
sharded index has one per shard that changed, each an ordinary generation under
`shards/<k>/` (`index/cluster.py`), on this machine or in a Ray actor.

Passages and reports get this generation's own ordinals, dense from 0; the coordinator
gives each its ordinal across the whole index too (`global_*.npy` in `ranking/`), which
breaks ties when shards' answers are merged. The two orders agree: the coordinator hands
reports to a shard in the order it numbers them.
"""

from __future__ import annotations

import multiprocessing
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from indexer.build.reading import ReportBatch
from indexer.build.writers import LiteralBatch, RankingArrays, merge_literal
from indexer.index import generations, global_stats, similar_sign
from indexer.index.analysis import Entry
from indexer.index.layout import IndexLayout
from indexer.index.literal import link_segments, read_segment_list, write_segment_list
from indexer.index.prescored import write_prescored
from indexer.index.report_columns import ReportColumns, save_report_columns
from indexer.index.schema import ID_MASK, PASSAGE, REPORT, SECTION, document_key
from indexer.index.store import ReportStore, StoreWriter
from indexer.index.store_rows import FileStat
from indexer.index.whoosh_segments import DirectSegmentWriter, commit_segments
from indexer.index.word_frequencies import WordFrequencies
from indexer.index.word_index import (
    RankingCodec,
    create_word_index,
    link_whoosh,
    merge_word_segments,
    write_ranking_tables,
)

# The finishing steps, in order: (key, what the progress line says); `finish` runs one.
# With `writers` (> 0), the word index is written by a process of its own from "whoosh"
# on (its postings encoded by `writers` processes), beside the literal merge, the reports
# and similar passages, and "ranking" waits for it.
FINISHING = (
    ("whoosh", "写入词索引（Whoosh）"),
    ("literal merge", "合并字面索引"),
    ("reports", "写入报告表"),
    ("similar", "查找相近段落"),
    ("ranking", "写入排序表与高频词得分"),
)


class GenerationWriter:
    """Writes the generation at `layout` from `previous` (None: from nothing).

    `whole` says the generation is a whole index (not a shard): then it scores its
    frequent words and pairs its similar passages itself, which for shards the
    coordinator does over all of them (`cluster.reduce`).
    """

    def __init__(
        self,
        layout: IndexLayout,
        previous: IndexLayout | None,
        entries: tuple[Entry, ...],
        *,
        whole: bool = True,
        optimize: bool = False,
        writers: int = 0,
        build: tuple[str, str] = ("", ""),
        dated: dict[str, tuple[str, str]] | None = None,
        builder: ThreadPoolExecutor | None = None,
    ) -> None:
        """`build` (the index's generation and time) dates the reports added, but those
        in `dated`, which keep when they first came (`StoreWriter`). `builder`: the thread
        literal batches build on, shared by the writers of one process (`LiteralBatch`).
        `writers`: processes writing the word segment besides this one (0: written here;
        see `FINISHING`)."""
        self.layout, self.previous, self.entries = layout, previous, entries
        self.whole, self.optimize, self.built_at = whole, optimize, build[1]
        self.writers = writers
        self._committing: multiprocessing.process.BaseProcess | None = None
        self._report_space = 0
        layout.root.mkdir(parents=True, exist_ok=True)
        if previous is not None:
            shutil.copyfile(previous.store, layout.store)
        self.store: StoreWriter | None = StoreWriter(
            layout.store, fresh=previous is None, build=build, dated=dated
        )
        self.ranking = RankingArrays.load(previous)
        self.literal_names = read_segment_list(previous.literal) if previous else []
        self.signer = similar_sign.Signer(layout, previous, self.store.next_passage)
        self.batch = LiteralBatch(layout, self.signer, builder)
        self.words: DirectSegmentWriter | None = None
        self.opened = False  # the previous segments linked (or the word index created)
        self.dead: list[int] = []  # the word index's documents of removed reports
        self.indexed: set[str] = set()  # content hashes of the files recorded, once written
        self.summary: dict[str, object] = {}

    # what the coordinator asks first -----------------------------------------------

    def files(self) -> dict[str, tuple[str, list[str]]]:
        """The source files recorded here: key → (content hash, report ids)."""
        return self._store.files()

    def report_ids(self) -> set[str]:
        return self._store.report_ids()

    def next_ordinals(self) -> tuple[int, int]:
        """The next report and passage ordinals of this generation's store (never reused:
        a removed report leaves a hole)."""
        store = self._store
        return store.next_report, store.next_passage

    # adding and removing -------------------------------------------------------------

    def open_words(self) -> None:
        """Link the previous segments (or create an empty word index) before adding."""
        layout, previous = self.layout, self.previous
        if previous is not None:
            link_segments(previous.literal, layout.literal, self.literal_names)
            link_whoosh(previous.whoosh, layout.whoosh)
        else:
            create_word_index(layout.whoosh, self.entries)
        self.words = DirectSegmentWriter(layout.whoosh, RankingCodec())
        self.opened = True

    def add(self, batch: ReportBatch) -> None:
        """Store a batch of reports; add their passages, titles and new section paths to
        the literal and word indexes, a block of documents per field."""
        if not self.opened:
            self.open_words()
        store, ranking = self._store, self.ranking
        path_number = {path: n for n, path in enumerate(batch.section_paths)}
        passage_keys: list[int] = []
        title_keys: list[int] = []
        new_paths: list[int] = []
        path_keys: list[int] = []
        number = 0  # the passage's place in the batch
        for report, global_report, global_first in zip(
            batch.reports, batch.global_reports, batch.global_firsts, strict=True
        ):
            report_ordinal, first = store.add(report)
            title_keys.append(document_key(REPORT, report_ordinal))
            ranking.add_report(report_ordinal, global_report)
            # A report's passages at once: this loop ran per passage, in the one process
            # every worker's results go through.
            sections = report.section_paths
            for section_id, section in ranking.add_passages(
                first, report_ordinal, sections, global_first
            ):
                new_paths.append(path_number[section])
                path_keys.append(document_key(SECTION, section_id))
            self.batch.extend(first, batch.folded[number : number + len(sections)])
            base = document_key(PASSAGE, first)
            passage_keys.extend(range(base, base + len(sections)))
            number += len(sections)
        words = self._words
        words.add_block("content", passage_keys, batch.content)
        words.add_block("title", title_keys, batch.titles)
        if new_paths:
            words.add_block("section", path_keys, batch.sections.select(new_paths))

    def remove(self, report_ids: list[str]) -> int:
        """Remove reports by id (those held here); return how many were."""
        removed_reports: list[int] = []
        removed_ordinals: list[int] = []
        for report_id in report_ids:
            found = self._store.remove(report_id)
            if found is not None:
                removed_reports.append(found[0])
                removed_ordinals.extend(found[1])
        if removed_reports and self.previous is not None:
            self.dead = _dead_documents(self.previous, removed_reports, removed_ordinals)
            self.ranking.remove(removed_ordinals)
        return len(removed_reports)

    def set_file(
        self, key: str, digest: str, report_ids: list[str], stat: FileStat | None = None
    ) -> None:
        self._store.set_file(key, digest, report_ids, stat)

    def forget_file(self, key: str) -> None:
        self._store.forget_file(key)

    def counts(self) -> tuple[int, int]:
        """Reports and passages held."""
        return self._store.report_count, self._store.passage_count

    # finishing -----------------------------------------------------------------------

    def finish(self, key: str) -> None:
        """Run one finishing step (`FINISHING`) by its key."""
        steps = {
            "whoosh": self.commit_words,
            "literal merge": self.merge_literal,
            "ranking": self.write_ranking,
            "reports": self.write_reports,
            "similar": self.sign_similar,
        }
        steps[key]()

    def commit_words(self) -> None:
        """Write the new documents' segment and register it, the removed ones deleted:
        here, or (`writers` > 0) in a forked process that `_words_written` waits for."""
        if not self.opened:
            self.open_words()
        if not self.writers:
            self._commit_words()
        else:
            # Forked: the child has the counted postings as they are, without a copy. It
            # does nothing but this: the literal batches' thread, which may still build
            # the last batch here, and what it holds are never touched there.
            context = multiprocessing.get_context("fork")
            self._committing = context.Process(target=self._commit_words, name="whoosh-commit")
            self._committing.start()
        # The pending postings are written (or the child has them): this process lets go
        # of them before the steps after, which peaked on top of them (at 10×, a shard's
        # postings are hundreds of megabytes).
        self.words = None

    def _commit_words(self) -> None:
        segment = self._words.finish(processes=self.writers)
        commit_segments(self.layout.whoosh, [segment], deleted=self.dead)
        merge_word_segments(self.layout.whoosh, everything=self.optimize)

    def _words_written(self) -> None:
        process, self._committing = self._committing, None
        if process is None:
            return
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"写入词索引的进程失败（退出码 {process.exitcode}），见上面的错误")

    def merge_literal(self) -> None:
        if not self.opened:
            self.open_words()  # links the previous segments, where nothing was added
        self.batch.flush(self.literal_names)
        layout = self.layout
        names = merge_literal(
            layout, self.literal_names, self.ranking.live, everything=self.optimize
        )
        write_segment_list(layout.literal, names)

    def write_ranking(self) -> None:
        """Once the word index is written: field lengths and statistics, the most frequent
        words' postings decoded; the report table the engine reads, as columns (after the
        decoding, whose peak it would otherwise raise by its rows)."""
        self._words_written()
        layout, ranking = self.layout, self.ranking
        write_ranking_tables(layout, ranking.live_by_kind(self._report_space))
        frequencies = WordFrequencies(layout, self.previous)  # each segment's read once
        write_prescored(layout, int(ranking.live.sum()), frequencies, self.previous)
        store = ReportStore(layout.store)
        reports = ReportColumns.of_rows(store.report_rows())
        store.close()
        save_report_columns(layout.ranking, reports)
        if not self.whole:  # a shard: what the reduce sums over all of them
            issuers = reports.fields["issuer"]
            global_stats.summarize_shard(layout, self.previous, frequencies, self.entries, issuers)

    def write_reports(self) -> None:
        """Save the per-passage arrays; close the store. Its report table is pickled by
        "ranking", after "similar": a sharded update pairs similar passages from there on
        (0.25 s sooner at 10×), and nothing before "ranking" reads the table."""
        self.ranking.save(self.layout)
        store = self._store
        self._report_space = store.next_report
        store.set_meta("built_at", self.built_at)
        store.set_meta("summary", self.summary)
        self.indexed = {digest for digest, _ in store.files().values()}
        store.close()
        self.store = None

    def seal(self, corrections: str) -> None:
        """Mark a shard's generation complete: its format, corrections and build id, every
        file synced (the index's own generation is sealed by `update.Update`)."""
        self.layout.write_meta(corrections)
        self.layout.build_id.write_text(uuid.uuid4().hex, encoding="utf-8")
        generations.fsync_tree(self.layout.root)

    def sign_similar(self) -> None:
        self.signer.finish(pair=self.whole)

    def close(self) -> None:
        """Let go of what a failed update holds open (its folder is then removed)."""
        if self._committing is not None:
            self._committing.kill()
            self._committing.join()
        if self.words is not None:
            self.words.cancel()
        self.batch.cancel()
        if self.store is not None:
            self.store.connection.close()

    @property
    def _store(self) -> StoreWriter:
        assert self.store is not None, "written already"
        return self.store

    @property
    def _words(self) -> DirectSegmentWriter:
        assert self.words is not None, "open_words opens the word writer"
        return self.words


def _dead_documents(previous: IndexLayout, reports: list[int], ordinals: list[int]) -> list[int]:
    """Return the Whoosh docnums of removed reports' title and passage documents."""
    keys = np.load(previous.ranking / "docnum_key.npy")
    kinds, ids = keys >> 32, keys & ID_MASK
    dead = np.zeros(len(keys), dtype=bool)
    for kind, removed in ((PASSAGE, ordinals), (REPORT, reports)):
        if removed:
            mine = kinds == kind
            dead[mine] = np.isin(ids[mine], np.asarray(removed, dtype=np.int64))
    return np.flatnonzero(dead).tolist()
