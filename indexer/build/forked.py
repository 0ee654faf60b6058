"""Forked worker processes that map a function over jobs and give results in job order.

`multiprocessing.Pool` keeps three threads in the calling process, and one of them
(`_handle_workers`) wakes whenever a result waits in the pipe, until another thread has
read it: in a 2-worker build of the laws corpus it woke 42,853 times for 870 results,
each time taking the interpreter lock from the build's own thread. Here the calling
thread does all the bookkeeping when it asks for a result, and no thread of its own
runs between: a worker keeps `ahead` of work in hand (jobs, or their `weight`: a file's
bytes), so it reads on while the caller adds. The caller may be away for a while (a
build's process sorts its word postings every few hundred files, 0.1-0.2 s): with four
files in hand both workers of a 2-worker build sat idle 0.87 s each over the laws
corpus, with a megabyte 0.03-0.15 s, at the start and the end.

Jobs go to whichever worker gave a result back, in job order, so each worker runs its
jobs in increasing order: what a worker carries from job to job (a lexicon's new words)
is taken back in the order it was made.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

Job = TypeVar("Job")
Result = TypeVar("Result")

_STOP = None


class WorkerFailed(RuntimeError):
    """A worker stopped (its `exitcode`, and the `jobs` it had in hand), or raised an
    error that could not be sent back as it was (its traceback is the message)."""

    def __init__(self, message: str, exitcode: int | None = None, jobs: Sequence[Any] = ()):
        super().__init__(message)
        self.exitcode, self.jobs = exitcode, list(jobs)


def _serve(
    connection: Connection,
    function: Callable[[Any], Any],
    initializer: Callable[..., None] | None,
    initargs: tuple[Any, ...],
) -> None:
    """A worker's loop: (number, job) in, (number, True, result) or (number, False,
    error) out, until the stop message or the caller's end of the pipe closes."""
    try:
        if initializer is not None:
            initializer(*initargs)
        while (message := connection.recv()) is not _STOP:
            number, job = message
            try:
                reply = (number, True, function(job))
            except Exception as error:  # sent back: the caller raises it in its turn
                reply = (number, False, _sendable(error))
            connection.send(reply)
    except (EOFError, OSError, KeyboardInterrupt):
        return  # the caller is gone or stopping (Ctrl-C reaches the whole group)


def _sendable(error: Exception) -> Exception:
    """The error itself if it pickles, else one that says what it was and where."""
    try:
        multiprocessing.reduction.ForkingPickler.dumps(error)
    except Exception:
        return WorkerFailed("".join(traceback.format_exception(error)))
    return error


class _Worker:
    def __init__(self, process: multiprocessing.process.BaseProcess, connection: Connection):
        self.process, self.connection = process, connection
        self.jobs: deque[int] = deque()  # numbers in hand, in the order given
        self.held = 0.0  # their weight


class OrderedWorkers(Generic[Job, Result]):
    """`processes` forked workers running `function`; `map` yields in job order.

    A context manager: leaving it stops the workers (at once if a job failed)."""

    def __init__(
        self,
        function: Callable[[Job], Result],
        processes: int,
        *,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
        ahead: float = 4,
        weight: Callable[[Job], float] | None = None,
    ) -> None:
        """Each worker is given jobs while the `weight`s of those in its hand (1 each,
        by default) sum to less than `ahead`."""
        context = multiprocessing.get_context("fork")
        self.ahead, self.weight = ahead, weight
        self._workers: list[_Worker] = []
        try:
            for number in range(processes):
                mine, theirs = context.Pipe()
                process = context.Process(
                    target=_serve,
                    args=(theirs, function, initializer, initargs),
                    name=f"reader-{number}",
                    daemon=True,  # never outlives the build, whatever stops it
                )
                process.start()
                theirs.close()
                self._workers.append(_Worker(process, mine))
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> OrderedWorkers[Job, Result]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def map(self, jobs: Iterable[Job]) -> Iterator[Result]:
        """Yield `function(job)` for each job, in the jobs' order."""
        pending: Sequence[Job] = list(jobs)
        weights = [1.0] * len(pending) if self.weight is None else list(map(self.weight, pending))
        results: dict[int, tuple[bool, Any]] = {}  # number: (succeeded, result or error)
        given = 0  # jobs handed out so far: 0 .. given-1

        def give(worker: _Worker) -> None:
            nonlocal given
            while given < len(pending) and worker.held < self.ahead:
                worker.connection.send((given, pending[given]))
                worker.jobs.append(given)
                worker.held += weights[given]
                given += 1

        for worker in self._workers:
            give(worker)
        for wanted in range(len(pending)):
            # Take every result that is ready (refilling its worker), and wait only
            # while the wanted one is not among them.
            timeout: float | None = 0.0
            while True:
                busy = {w.connection: w for w in self._workers if w.jobs}
                for ready in wait(list(busy), timeout):
                    worker = busy[ready]  # type: ignore[index]
                    number, succeeded, value = self._receive(worker, pending, weights)
                    results[number] = (succeeded, value)
                    give(worker)
                if wanted in results:
                    break
                assert busy, f"job {wanted} is neither done nor in a worker's hand"
                timeout = None
            succeeded, value = results.pop(wanted)
            if not succeeded:  # raised in its turn: the results before it are given
                raise value
            yield value

    def _receive(
        self, worker: _Worker, pending: Sequence[Job], weights: Sequence[float]
    ) -> tuple[int, bool, Any]:
        try:
            number, succeeded, value = worker.connection.recv()
        except (EOFError, OSError) as error:  # killed, or crashed in native code
            worker.process.join(timeout=1)
            code = worker.process.exitcode
            raise WorkerFailed(
                f"worker {worker.process.name} stopped (exit code {code}) "
                f"with jobs {list(worker.jobs)} in hand",
                code,
                [pending[n] for n in worker.jobs],
            ) from error
        expected = worker.jobs.popleft()
        assert number == expected, f"worker answered job {number}, not {expected}"
        worker.held -= weights[number]
        return number, succeeded, value

    def close(self) -> None:
        """Stop the workers: those idle at once, those in a job when it ends (or now,
        if a job failed and the pipe was left with jobs in hand)."""
        for worker in self._workers:
            with contextlib.suppress(OSError):  # gone already
                worker.connection.send(_STOP)
        for worker in self._workers:
            if worker.jobs:  # stopped early: what they are reading is not wanted
                worker.process.terminate()
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.connection.close()
        self._workers = []
