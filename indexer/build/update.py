"""Build or update an index folder from source files: a new generation, step by step.

Every build writes a new numbered generation beside the current one and publishes it by
replacing the `CURRENT` pointer in one atomic rename (`generations.py`), so a failed or
killed build never leaves a half index and a running web app keeps answering from the old
generation until it opens the new one.

A build is incremental: the index mirrors the given sources. Files whose content hash is
unchanged are not read again and their reports keep their ordinals; new and changed files
are read and their reports added; reports no longer in any given file are removed. The
unchanged parts of the previous generation are hard-linked, not copied (the store, one
SQLite file written in place, is copied). New passages are written in batches, each
batch one literal segment, so memory does not grow with the corpus. The work is a list
of named steps (`steps.Steps`) that one loop runs, timing each and cleaning up once.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

from indexer.build.backend import Backend, LocalBackend
from indexer.build.progress import stage
from indexer.build.steps import Request, Steps
from indexer.build.summary import BuildSummary
from indexer.build.writers import BATCH_CHARACTERS, compatible, corrections_fingerprint
from indexer.errors import SourceError
from indexer.index import generations
from indexer.index.analysis import DEFAULT_DICTIONARY, Entry, read_dictionary
from indexer.index.cluster import clean_up_shards, members, shard_count
from indexer.index.generations import fault_point
from indexer.index.layout import GENERATION_FORMAT, IndexLayout, looks_like_index, ocr_cache
from indexer.index.word_index import index_entries
from indexer.ingest.corrections import Correction
from indexer.ingest.s1_names import storable
from indexer.ingest.s1_ocr import prune_cache
from indexer.ingest.s1_read import RealPaths, iter_source_files
from indexer.models import Skipped

__all__ = ["BATCH_CHARACTERS", "BuildSummary", "build_index", "optimize_index", "remove_sources"]

Log = Callable[[str], None]


def _quiet(message: str) -> None:
    """The default log: say nothing."""


def load_dictionaries(extra: Sequence[Path] = ()) -> tuple[Entry, ...]:
    """Read the bundled domain dictionary and any user dictionaries, in that order."""
    entries: list[Entry] = list(read_dictionary(DEFAULT_DICTIONARY))
    for path in extra:
        entries.extend(read_dictionary(Path(path)))
    return tuple(entries)


def build_index(
    sources: Sequence[str | Path],
    index_dir: str | Path,
    *,
    dictionaries: Sequence[Path] = (),
    progress: bool = False,
    workers: int | None = None,
    shards: int | None = None,
    log: Log = _quiet,
    incremental: bool = True,
    wait: bool = False,
    corrections: Sequence[Correction] = (),
    backend: Backend | None = None,
) -> BuildSummary:
    """Make the index in `index_dir` hold exactly the reports of `sources` (files, folders).

    Updates the current generation when there is one (`incremental=False` rebuilds all).
    Raises SourceError when no report would be left; files that cannot be read are
    skipped and listed in the summary, and the rest is stored. Raises BuildLockedError
    when another build holds the folder, unless `wait`. `corrections` override extracted
    metadata; a change of corrections rebuilds everything. `workers` processes read the
    files (default: one per core); the index is the same whatever their number.
    `shards` splits the index by report (`index/cluster.py`; None: as many as it has,
    1 for a new index); a change of their number rebuilds everything, and says so.
    `backend` says where files are read and generations written (`backend.py`; default:
    this machine); the index is the same whichever.
    """
    if shards is not None and shards < 1:
        raise SourceError(f"分片数必须至少为 1，而不是 {shards}", hint="--shards 1 是不分片")
    index_dir = Path(index_dir)
    _refuse_foreign_folder(index_dir)
    real_path = RealPaths()  # finding the files and the scan resolve each path once
    found = list(iter_source_files(sources, real_path))
    request = Request(
        sources=sources,
        files=[item for item in found if isinstance(item, Path)],
        real_path=real_path,
        fresh=not incremental,
        workers=workers,
        shards=shards,
        corrections=list(corrections),
        backend=backend or LocalBackend(),
    )
    update = Update(index_dir, request, dictionaries, progress=progress, log=log, wait=wait)
    update.summary.skipped.extend(item for item in found if isinstance(item, Skipped))
    with update:
        return update.run()


def remove_sources(
    sources: Sequence[str | Path], index_dir: str | Path, *, log: Log = _quiet, wait: bool = False
) -> BuildSummary:
    """Remove the reports of the given files (or of every file under given folders)."""
    targets = [storable(Path(s).resolve()) for s in sources]
    request = Request(drop=targets, workers=1)
    with Update(Path(index_dir), request, (), progress=False, log=log, wait=wait) as update:
        return update.run()


def optimize_index(index_dir: str | Path, *, log: Log = _quiet, wait: bool = False) -> BuildSummary:
    """Merge every literal and Whoosh segment into one and drop removed passages' postings."""
    request = Request(drop=[], optimize=True, workers=1)
    with Update(Path(index_dir), request, (), progress=False, log=log, wait=wait) as update:
        return update.run()


class Update:
    """One update under the folder's lock: a new generation from the current one."""

    def __init__(
        self,
        index_dir: Path,
        request: Request,
        dictionaries: Sequence[Path],
        *,
        progress: bool,
        log: Log,
        wait: bool,
    ) -> None:
        # A symlinked --index stays a symlink: generations are written inside its target.
        self.index_dir = index_dir
        self.root = index_dir.resolve()
        self.request = request
        self.dictionaries = dictionaries
        self.progress = progress
        self.log = log
        self.summary = BuildSummary(index_dir=index_dir)
        self._lock = generations.build_lock(self.root, wait=wait)
        self.previous: IndexLayout | None = None

    def __enter__(self) -> Update:
        generations.make_children_die_with_parent()
        self._lock.__enter__()
        generations.clean_up(self.root)
        fault_point("locked")
        self.previous = IndexLayout.current(self.root)
        if self.previous is not None and not self.previous.is_complete():
            self.previous = None
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._lock.__exit__(kind, error, trace)

    def run(self) -> BuildSummary:
        """Write the new generation step by step, publish it, and clean up the old ones."""
        started = time.perf_counter()
        previous, entries, fingerprint = self._base()
        shards = self.summary.shards = self._shards(previous)
        if shards != shard_count(previous):
            previous = None
        name = generations.next_generation(self.root)
        layout = IndexLayout(self.root / name)
        layout.root.mkdir()
        self.summary.generation = name
        steps = Steps(
            self.request,
            layout,
            previous,
            entries,
            self.summary,
            shards=shards,
            fingerprint=fingerprint,
            index_root=self.root,
            progress=self.progress,
            log=self.log,
        )
        try:
            self._run_steps(steps)
            steps.release()
            layout.write_meta(fingerprint)
            layout.build_id.write_text(uuid.uuid4().hex, encoding="utf-8")
            fault_point("before-publish")
            with stage("启用新索引", show=self.progress, log=self.log):
                generations.fsync_tree(layout.root)
                generations.publish(self.root, name, layout.build_id.read_text().strip())
        except BaseException:
            steps.close()
            for folder in steps.written_folders():
                shutil.rmtree(folder, ignore_errors=True)
            raise
        generations.clean_up(self.root)
        clean_up_shards(self.root)
        prune_cache(ocr_cache(self.root), steps.indexed)  # keeps entries of files indexed
        fault_point("after-cleanup")
        self.summary.seconds["total"] = time.perf_counter() - started
        return self.summary

    def _run_steps(self, steps: Steps) -> None:
        for key, label, step in steps.steps():
            clock = time.perf_counter()
            with stage(label, show=self.progress, log=self.log):
                step()
            self.summary.seconds[key] = time.perf_counter() - clock
            fault_point(f"after-{key}")

    def _shards(self, previous: IndexLayout | None) -> int:
        """How many shards the new generation has: as asked, or as the index has."""
        current = IndexLayout.current(self.root)
        had = shard_count(current if current is not None and current.is_complete() else None)
        wanted = self.request.shards or had
        if current is not None and wanted != had:
            self.log(f"分片数从 {had} 改为 {wanted}：整体重建索引")
            self.summary.resharded = (had, wanted)
        return wanted

    def _base(self) -> tuple[IndexLayout | None, tuple[Entry, ...], str]:
        """The generation to build on (None: from scratch), the dictionary and corrections.

        remove and optimize keep the dictionary and corrections the index was built with,
        and need an index of this format to work on.
        """
        previous = self.previous
        if self.request.drop is not None:
            if previous is None:
                raise SourceError(
                    f"{self.index_dir} 里没有索引", hint="先运行 python -m indexer build"
                )
            meta = previous.read_meta()
            if meta.get("format") != GENERATION_FORMAT:
                raise SourceError(
                    f"{self.index_dir} 的索引是旧版本建的（格式 {meta.get('format', '4 或更早')}，"
                    f"现在是 {GENERATION_FORMAT}），不能就地删除或合并",
                    hint="先用 python -m indexer build 重新建立索引",
                )
            return previous, index_entries(members(previous)[0]), meta.get("corrections", "")
        entries = load_dictionaries(self.dictionaries)
        fingerprint = corrections_fingerprint(self.request.corrections)
        if previous is None or self.request.fresh:
            return None, entries, fingerprint
        if not compatible(previous, entries, fingerprint):
            return None, entries, fingerprint
        return previous, entries, fingerprint


def _refuse_foreign_folder(index_dir: Path) -> None:
    """Refuse to write into a folder that holds something other than an index.

    Pointed by mistake at a folder of reports or a home directory, a build must not mix
    its files with what is there, nor delete any of it.
    """
    if index_dir.exists() and not index_dir.is_dir():
        raise SourceError(f"{index_dir} 不是文件夹", hint="--index 要指向一个文件夹")
    if index_dir.is_dir() and any(index_dir.iterdir()) and not looks_like_index(index_dir):
        raise SourceError(
            f"{index_dir} 里已有其他文件，不是本工具建的索引，不会覆盖",
            hint="--index 请指向空文件夹或新文件夹",
        )
