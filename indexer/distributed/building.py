"""A build on a Ray cluster: files read in Ray tasks, each shard written in a Ray actor.

The coordinator stays the build's own process (`build/steps.py`): it scans, numbers the
reports in the files' order and routes each to its shard, exactly as on one machine, so
the index is the same. `RayBackend` only moves the work: every new or changed file is
read (parsed, described, its words counted) by a Ray task wherever the cluster has a
free core, the results taken back in the files' order through a bounded window; every
generation is written by a `GenerationWriter` living in a Ray actor, spread over the
nodes, reached through `RemoteWriter`. Calls that change a writer are sent without
waiting (the actor runs them in order), so the shards add and finish at once; a call that
answers, `wait`, or a full window of unanswered adds waits, and raises what failed.

The index folder and the files are read and written by path on every node: they must be
on storage all nodes share (`storage.py` checks before anything is written).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import ray

from indexer.build.backend import Job, Writer
from indexer.build.generation import GenerationWriter
from indexer.build.reading import FileRead, ReadSettings, ReportBatch, read_in_any_worker
from indexer.distributed.storage import check_shared
from indexer.index.analysis import Entry
from indexer.index.layout import IndexLayout
from indexer.index.store_rows import FileStat
from indexer.ingest.s1_names import readable
from indexer.models import Skipped

PENDING_CALLS = 16  # changes sent to a writer before the coordinator waits for the oldest
CLOSE_SECONDS = 30.0  # how long a failed build waits for a writer to let go of its files


def read_task(settings: ReadSettings, job: Job) -> FileRead:
    """Read one file in a Ray worker (`reading.read_in_any_worker`)."""
    return read_in_any_worker(settings, job)


class WriterActor:
    """A `GenerationWriter` in a Ray actor: its calls by name, its summary set."""

    def __init__(self, *args: Any, **options: Any) -> None:
        self.writer = GenerationWriter(*args, **options)

    def call(self, method: str, *args: Any) -> Any:
        return getattr(self.writer, method)(*args)

    def set_summary(self, summary: dict[str, object]) -> None:
        self.writer.summary = summary

    def indexed(self) -> set[str]:
        return self.writer.indexed


class RemoteWriter:
    """The coordinator's handle on a `WriterActor`: a `build.backend.Writer`."""

    def __init__(self, layout: IndexLayout, actor: Any) -> None:
        self.layout = layout
        self._actor = actor
        self._pending: deque[Any] = deque()
        self._summary: dict[str, object] = {}

    def _send(self, method: str, *args: Any) -> None:
        """Have the actor run a call after those sent before; wait for the oldest when
        too many are unanswered, so memory holds a bounded number of batches."""
        self._pending.append(self._actor.call.remote(method, *args))
        if len(self._pending) > PENDING_CALLS:
            ray.get(self._pending.popleft())

    def _ask(self, method: str, *args: Any) -> Any:
        self.wait()
        return ray.get(self._actor.call.remote(method, *args))

    def wait(self) -> None:
        while self._pending:
            ray.get(self._pending.popleft())

    @property
    def summary(self) -> dict[str, object]:
        return self._summary

    @summary.setter
    def summary(self, summary: dict[str, object]) -> None:
        self._summary = summary
        self._pending.append(self._actor.set_summary.remote(summary))

    @property
    def indexed(self) -> set[str]:
        self.wait()
        found: set[str] = ray.get(self._actor.indexed.remote())
        return found

    def add(self, batch: ReportBatch) -> None:
        self._send("add", batch)

    def set_file(
        self, key: str, digest: str, report_ids: list[str], stat: FileStat | None = None
    ) -> None:
        self._send("set_file", key, digest, report_ids, stat)

    def forget_file(self, key: str) -> None:
        self._send("forget_file", key)

    def finish(self, key: str) -> None:
        self._send("finish", key)

    def remove(self, report_ids: list[str]) -> int:
        removed: int = self._ask("remove", report_ids)
        return removed

    def counts(self) -> tuple[int, int]:
        reports, passages = self._ask("counts")
        return reports, passages

    def seal(self, corrections: str) -> None:
        self._ask("seal", corrections)

    def close(self) -> None:
        """Let go of the generation's files (a failed build), then end the actor."""
        self._pending.clear()
        # A dead or stuck actor answers with an error: ending it frees its files all the same.
        with contextlib.suppress(Exception):
            ray.get(self._actor.call.remote("close"), timeout=CLOSE_SECONDS)
        ray.kill(self._actor)


class RayBackend:
    """Read in Ray tasks, write each generation in a Ray actor (`build.backend.Backend`).

    The process must be connected to the cluster (`connecting.connected`); `close` ends
    the writers after the build.
    """

    def __init__(self) -> None:
        self._read = ray.remote(num_cpus=1)(read_task)
        # A writer adds what the tasks counted and is busy once reading is done, when the
        # tasks' cores are free again: it holds no core of Ray's accounting, so shards
        # outnumbering cores never wait for one.
        self._writer = ray.remote(num_cpus=0, scheduling_strategy="SPREAD")(WriterActor)
        self._actors: list[Any] = []

    def check(self, index_root: Path, files: Sequence[Path]) -> None:
        check_shared(index_root, files)

    def read_files(
        self,
        jobs: Sequence[Job],
        settings: ReadSettings,
        *,
        workers: int | None,
        log: Callable[[str], None],
    ) -> Iterator[FileRead]:
        """Each job's `FileRead` in the jobs' order, at most a window of them in flight
        (twice `workers`, default the cluster's cores), so memory stays bounded."""
        if not jobs:
            return
        cores = int(ray.cluster_resources().get("CPU", 1))
        window = 2 * (workers or max(cores, 1))
        shipped = ray.put(dataclasses.replace(settings, progress=False))
        waiting: deque[tuple[Job, Any]] = deque()
        upcoming = iter(jobs)
        for job in upcoming:
            waiting.append((job, self._read.remote(shipped, job)))
            if len(waiting) >= window:
                break
        while waiting:
            job, ref = waiting.popleft()
            following = next(upcoming, None)
            if following is not None:
                waiting.append((following, self._read.remote(shipped, following)))
            yield _taken(job, ref, log)

    def close(self) -> None:
        """End the writers' actors (each build's are done once it returns or fails)."""
        for actor in self._actors:
            ray.kill(actor)
        self._actors.clear()

    def writer(
        self,
        layout: IndexLayout,
        previous: IndexLayout | None,
        entries: tuple[Entry, ...],
        *,
        whole: bool,
        optimize: bool,
        writers: int,
        build: tuple[str, str],
        dated: dict[str, tuple[str, str]],
        builder: ThreadPoolExecutor | None,
    ) -> Writer:
        # Each shard's actor is a process of its own, with its own literal thread: the
        # Whoosh segment is written in it, not in a further fork (`writers`, `builder`).
        actor = self._writer.remote(
            layout, previous, entries, whole=whole, optimize=optimize, build=build, dated=dated
        )
        self._actors.append(actor)
        return RemoteWriter(layout, actor)


def _taken(job: Job, ref: Any, log: Callable[[str], None]) -> FileRead:
    """A task's result; a task whose worker died (a reader crashed the process, memory
    ran out) skips its file with that reason, as a file that cannot be read is skipped."""
    try:
        found: FileRead = ray.get(ref)
    except (ray.exceptions.WorkerCrashedError, ray.exceptions.OutOfMemoryError) as exc:
        path, key, digest = job
        log(f"读取 {readable(str(path))} 的进程中途退出：{type(exc).__name__}")
        reason = (
            "读取这个文件的工作进程中途退出（崩溃或内存不足），已跳过；可单独用本机建索引查看原因"
        )
        return FileRead(path, key, digest, skipped=[Skipped(path, reason)])
    return found
