"""The steps of one update, in order: the coordinator's, over one writer per shard.

`update.Update` runs them in one loop (timing each, showing its progress, owning the
clean-up once). The coordinator decides: it scans the files by content hash, has the
workers read the new and changed ones, numbers the reports to add across the whole index
and hands each to the writer of its shard (`generation.GenerationWriter`), and finds the
reports to remove. The writers then finish their generations step by step. An unsharded
index has one writer, for the new generation itself. A sharded one has a writer for each
shard that changed, and a last step (`global`) computes what ranking and similar
passages need across all shards and writes the manifest (`index/cluster.py`). Where the
files are read and the generations written is the request's backend (`backend.py`):
this machine by default, or a Ray cluster; the coordinator's decisions are the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from indexer.build.backend import Backend, LocalBackend, Writer
from indexer.build.generation import FINISHING
from indexer.build.heap import freed_memory_kept
from indexer.build.reading import FileRead, ReadSettings, default_workers
from indexer.build.summary import BuildSummary, skipped_lines
from indexer.errors import SourceError
from indexer.index import global_stats, similar_sign
from indexer.index.analysis import Entry
from indexer.index.cluster import (
    Manifest,
    global_folder,
    members,
    next_shard_generation,
    shard_of,
    write_build_record,
)
from indexer.index.generations import fault_point
from indexer.index.layout import IndexLayout, ocr_cache
from indexer.index.pairing import Pairing
from indexer.index.store import ReportStore
from indexer.index.store_rows import FileStat
from indexer.ingest.corrections import Correction
from indexer.ingest.s1_names import storable
from indexer.ingest.s1_read import SUPPORTED_LIST, RealPaths

Step = tuple[str, str, Callable[[], None]]  # (key, what the progress line says, the step)


@dataclass
class Request:
    """What an update is asked to do; the public functions of `update` fill it in."""

    sources: Sequence[str | Path] = ()  # the SOURCE arguments: reports name files from them
    files: list[Path] = field(default_factory=list)
    drop: list[str] | None = None  # remove: files under these paths go, the rest stays
    fresh: bool = False  # rebuild everything
    optimize: bool = False  # merge every segment into one
    workers: int | None = None  # processes reading files (None: one per core)
    shards: int | None = None  # None: as many as the index has (1 for a new one)
    corrections: list[Correction] = field(default_factory=list)
    backend: Backend = field(default_factory=LocalBackend)  # where files are read and written
    real_path: RealPaths = field(default_factory=RealPaths)  # as finding `files` resolved them


class Steps:
    """One update's steps: the new generation `layout` from `previous` (None: fresh), in
    `shards` shards (1: unsharded, `layout` is then the only writer's generation)."""

    def __init__(
        self,
        request: Request,
        layout: IndexLayout,
        previous: IndexLayout | None,
        entries: tuple[Entry, ...],
        summary: BuildSummary,
        *,
        shards: int,
        fingerprint: str,
        index_root: Path,
        progress: bool,
        log: Callable[[str], None],
    ) -> None:
        self.request, self.layout, self.previous = request, layout, previous
        self.entries, self.summary, self.progress, self.log = entries, summary, progress, log
        self.shards, self.index_root, self.fingerprint = shards, index_root, fingerprint
        self.previous_shards: list[IndexLayout | None] = (
            list(members(previous)) if previous is not None else [None] * shards
        )
        assert len(self.previous_shards) == shards, "a change of shard count rebuilds"
        self.writers: dict[int, Writer] = {}
        # One thread builds every writer's literal batches, one at a time.
        self.builder = ThreadPoolExecutor(1, thread_name_prefix="literal")
        self.to_read: list[tuple[Path, str, str]] = []
        self.current: dict[str, list[str]] = {}  # file key → its reports' ids
        self.known: dict[str, tuple[str, list[str]]] = {}
        self.recorded_in: dict[str, int] = {}  # file key → the shard recording it
        self.stats: dict[str, FileStat] = {}  # file key → as recorded
        self.stats_now: dict[str, FileStat] = {}  # file key → as this scan found it
        self.restat: list[str] = []  # unchanged files hashed again: their stat to record
        self.existing: dict[str, int] = {}  # report id → its shard
        self.next_report = self.next_passage = 0
        self.indexed: set[str] = set()  # content hashes of the files indexed, once written
        # This build: its generation and time, recorded with the reports it adds and as
        # the store's built_at (a feed of new reports orders by it).
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.build = (layout.root.name, now)
        self.dated: dict[str, tuple[str, str]] = {}
        # Sharded: similar passages are paired beside the last steps, by a process started
        # now so that it is ready by then.
        self.pairing = Pairing() if shards > 1 else None

    def steps(self) -> list[Step]:
        found: list[Step] = [
            ("scan", "比对文件", self.scan),
            ("read", "读取文件并建立索引", self.read),
            ("remove", "移除不再存在的报告", self.remove),
        ]
        for key, label in FINISHING:
            found.append((key, label, lambda key=key: self.finish(key)))  # type: ignore[misc]
        if self.shards > 1:
            found.append(("global", "汇总全索引的统计与相近段落", self.reduce))
        return found

    def release(self) -> None:
        """Let go of the literal batches' thread (and an unused pairing process) once
        every step ran."""
        self.builder.shutdown()
        if self.pairing is not None:
            self.pairing.cancel()

    def close(self) -> None:
        """Let go of what a failed update holds open (the caller removes its folders)."""
        if self.pairing is not None:
            self.pairing.cancel()
        for writer in self.writers.values():
            writer.close()
        self.builder.shutdown(cancel_futures=True)

    def written_folders(self) -> list[Path]:
        """The folders this update made: the generation's and, sharded, its shards'."""
        return [self.layout.root] + [w.layout.root for w in self.writers.values()]

    # the steps ----------------------------------------------------------------------

    def scan(self) -> None:
        """Find what to read: the index mirrors the given sources, so a known file not
        among them is gone; with `drop` (remove), the files under those paths go and
        everything else stays."""
        self.request.backend.check(self.index_root, self.request.files)
        self._know_previous()
        self.dated = self._dated()
        if self.shards == 1:
            self.writer(0)  # an unsharded update always writes a new generation
        drop = self.request.drop
        if drop is not None:
            gone = {key for key in self.known if any(_within(key, target) for target in drop)}
            self.current = {key: ids for key, (_, ids) in self.known.items() if key not in gone}
            if self.request.optimize:
                for shard in range(self.shards):
                    self.writer(shard)
            return
        now = time.time_ns()
        for path in self.request.files:
            key = storable(self.request.real_path(path))  # a GBK name is no valid UTF-8 for SQLite
            try:
                found = path.stat()
            except OSError:
                self.to_read.append((path, key, ""))  # reading it says why it fails
                continue
            stat = self.stats_now[key] = FileStat(found.st_size, found.st_mtime_ns, now)
            recorded = self.stats.get(key)
            if key in self.known and recorded and recorded.vouches_for(stat.size, stat.mtime_ns):
                self.current[key] = self.known[key][1]  # as it was: not hashed again
                self.summary.files_unchanged += 1
                continue
            digest = _digest(path)
            if digest is None:
                self.to_read.append((path, key, ""))
            elif key in self.known and self.known[key][0] == digest:
                self.current[key] = self.known[key][1]
                self.summary.files_unchanged += 1
                self.restat.append(key)  # unchanged: its new stat saves the next hashing
            else:
                self.to_read.append((path, key, digest))

    def read(self) -> None:
        """Read, parse and count every new or changed file in the workers; add each report.

        Results come back in the files' order and reports are numbered in it, so what is
        stored where does not depend on how many workers read.
        """
        with freed_memory_kept():  # then given back: the steps after would peak on it
            self._read()

    def _read(self) -> None:
        settings = ReadSettings(
            sources=self.request.sources,
            entries=self.entries,
            corrections=tuple(self.request.corrections),
            ocr_cache=ocr_cache(self.index_root),
            progress=self.progress,
        )
        summary, seen = self.summary, set[str]()
        found = self.request.backend.read_files(
            self.to_read, settings, workers=self.request.workers, log=self.log
        )
        bar = tqdm(
            found, total=len(self.to_read), desc="读取文件", unit="file", leave=False,
            disable=not self.progress,
        )  # fmt: skip
        for file in bar:
            fault_point("reading")  # workers are reading (tests kill the build here)
            summary.skipped.extend(file.skipped)
            summary.files_read += file.read
            summary.ocr_pages += file.ocr_pages
            summary.ocr_cached += file.ocr_cached
            added: list[int] = []  # the reports of the file to add, by their place in it
            for place, report in enumerate(file.reports):
                # The same report in two files (a copy) is stored once.
                if report.report_id in seen:
                    summary.duplicates.append((report.source, report.position, report.report_id))
                    continue
                seen.add(report.report_id)
                if report.report_id not in self.existing:
                    added.append(place)  # else unchanged in a changed file: kept
            if added:
                self._add(file, added)
            if file.read:  # an archive of which nothing was read is skipped, as a file is
                self.current[file.key] = [report.report_id for report in file.reports]
                self._record(file.key, file.digest, self.current[file.key])

    def remove(self) -> None:
        """Forget files no longer given and remove the reports no file holds any more."""
        summary = self.summary
        wanted = {report_id for ids in self.current.values() for report_id in ids}
        for key in self.known:
            if key not in self.current:
                self.writer(self.recorded_in[key]).forget_file(key)
                summary.files_removed += 1
        gone: dict[int, list[str]] = {}
        for report_id in sorted(set(self.existing) - wanted):
            gone.setdefault(self.existing[report_id], []).append(report_id)
        for shard, report_ids in sorted(gone.items()):
            summary.reports_removed += self.writer(shard).remove(report_ids)
        for key in self.restat:
            shard = self.recorded_in[key]
            if shard in self.writers:  # written anyway: a shard is not rewritten for this
                digest, ids = self.known[key]
                self.writers[shard].set_file(key, digest, ids, self.stats_now[key])
        summary.reports, summary.passages = self._counts()
        if not summary.reports:
            raise SourceError(
                "没有从输入中读到任何报告" + skipped_lines(summary.skipped),
                hint=f"检查路径和上面每个文件的原因；可以读取 {SUPPORTED_LIST}",
            )
        self.log(f"共 {summary.reports} 篇报告、{summary.passages} 段")

    def finish(self, key: str) -> None:
        """One finishing step of every writer (`generation.FINISHING`): started in each
        (writers elsewhere run theirs at once), then waited for shard by shard."""
        writers = sorted(self.writers.items())
        for _, writer in writers:
            if key == "reports":
                writer.summary = self.summary.as_dict() if self.shards == 1 else {}
            writer.finish(key)
        for shard, writer in writers:
            writer.wait()
            if key == "reports":
                self.indexed |= writer.indexed
            fault_point(f"shard-{shard}-{key}")
        if key == "similar" and self.pairing is not None:
            # Every shard's passages are signed: pair them across shards on another core
            # while the shards' ranking is written (`index/pairing.py`).
            folder = global_folder(self.layout.root) / similar_sign.FOLDER
            before = self.previous
            previous = global_folder(before.root) / similar_sign.FOLDER if before else None
            self.pairing.start(folder, self.shard_layouts(), self.next_passage, previous)

    def reduce(self) -> None:
        """Seal the shards written, then compute over all shards what ranking and similar
        passages need, and name every shard's generation in the manifest."""
        for writer in self.writers.values():
            writer.seal(self.fingerprint)
        layouts = self.shard_layouts()
        for shard, layout in enumerate(layouts):
            if shard not in self.writers:
                store = ReportStore(layout.store)
                self.indexed |= {digest for digest, _ in store.files().values()}
                store.close()
        global_stats.write(self.layout, layouts, self.next_passage)
        if self.pairing is not None:
            self.pairing.wait()
        shards = [str(layout.root.relative_to(self.index_root)) for layout in layouts]
        Manifest(shards, self.next_report, self.next_passage).write(self.layout.root)
        write_build_record(self.layout, self.build[1], self.summary.as_dict())

    # helpers ------------------------------------------------------------------------

    def writer(self, shard: int) -> Writer:
        """The writer of a shard's new generation, made when the shard first changes."""
        found = self.writers.get(shard)
        if found is None:
            if self.shards == 1:
                layout = self.layout
            else:
                layout = IndexLayout(next_shard_generation(self.index_root, shard))
            found = self.writers[shard] = self.request.backend.writer(
                layout,
                self.previous_shards[shard],
                self.entries,
                whole=self.shards == 1,
                optimize=self.request.optimize,
                writers=self.segment_writers(),
                build=self.build,
                dated=self.dated,
                builder=self.builder,
            )
        return found

    def segment_writers(self) -> int:
        """Processes writing each shard's word segment besides this one: the workers,
        shared by the shards (0, with one worker: the segment is written here)."""
        workers = self.request.workers or default_workers()
        return max(1, workers // self.shards) if workers > 1 else 0

    def shard_layouts(self) -> list[IndexLayout]:
        """Each shard's generation after this update: new where it changed."""
        layouts = []
        for shard, previous in enumerate(self.previous_shards):
            writer = self.writers.get(shard)
            layout = writer.layout if writer is not None else previous
            assert layout is not None, "a new sharded index writes every shard"
            layouts.append(layout)
        return layouts

    def _know_previous(self) -> None:
        """Read the previous shards' files and reports, and the next ordinals."""
        previous = self.previous
        if previous is not None and previous.is_cluster:
            manifest = Manifest.read(previous.root)
            self.next_report, self.next_passage = manifest.next_report, manifest.next_passage
        if self.shards > 1 and previous is None:
            for shard in range(self.shards):
                self.writer(shard)  # a new sharded index has every shard
        for shard, layout in enumerate(self.previous_shards):
            if layout is None:
                continue
            store = ReportStore(layout.store)
            for key, record in store.files().items():
                self.known[key] = record
                self.recorded_in[key] = shard
            self.stats.update(store.file_stats())
            self.existing.update(dict.fromkeys(store.report_ids(), shard))
            if self.shards == 1:
                self.next_report, self.next_passage = store.next_ordinals()
            store.close()

    def _dated(self) -> dict[str, tuple[str, str]]:
        """When the current generation's reports came, for a rebuild from scratch to keep."""
        current = IndexLayout.current(self.index_root)
        if self.previous is not None or current is None or not current.is_complete():
            return {}
        dated: dict[str, tuple[str, str]] = {}
        try:
            for layout in members(current):
                store = ReportStore(layout.store)
                try:
                    dated.update(store.added())
                finally:
                    store.close()
        except (OSError, ValueError, KeyError, sqlite3.Error):
            return {}  # an unreadable old store: the rebuild dates everything anew
        return dated

    def _add(self, file: FileRead, added: list[int]) -> None:
        """Number the file's reports to add across the whole index, in the file's order,
        and give each shard's its writer."""
        by_shard: dict[int, tuple[list[int], list[int], list[int]]] = {}
        for place in added:
            report = file.reports[place]
            places, reports, firsts = by_shard.setdefault(
                shard_of(report.report_id, self.shards), ([], [], [])
            )
            places.append(place)
            reports.append(self.next_report)
            firsts.append(self.next_passage)
            self.next_report += 1
            self.next_passage += len(report.passages)
            self.existing[report.report_id] = shard_of(report.report_id, self.shards)
        for shard, (places, reports, firsts) in sorted(by_shard.items()):
            self.writer(shard).add(file.batch(places, reports, firsts))
            self.summary.reports_added += len(places)

    def _record(self, key: str, digest: str, report_ids: list[str]) -> None:
        """Record a file where its first report lives (with none: by its own key)."""
        shard = shard_of(report_ids[0] if report_ids else key, self.shards)
        before = self.recorded_in.get(key)
        if before is not None and before != shard:
            self.writer(before).forget_file(key)
        self.writer(shard).set_file(key, digest, report_ids, self.stats_now.get(key))
        self.recorded_in[key] = shard

    def _counts(self) -> tuple[int, int]:
        reports = passages = 0
        for shard, layout in enumerate(self.previous_shards):
            writer = self.writers.get(shard)
            if writer is not None:
                counted = writer.counts()
            else:
                assert layout is not None, "a shard without a writer has its previous"
                store = ReportStore(layout.store)
                counted = store.counts()
                store.close()
            reports += counted[0]
            passages += counted[1]
        return reports, passages


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _within(key: str, target: str) -> bool:
    return key == target or key.startswith(target.rstrip("/") + "/")
