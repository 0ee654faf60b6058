"""The build's forked workers: results in job order, errors raised, workers stopped."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from indexer.build.forked import OrderedWorkers, WorkerFailed

_prefix = ""


def _set_prefix(prefix: str) -> None:
    global _prefix
    _prefix = prefix


def _labelled(job: int) -> tuple[str, int, int]:
    """The job, labelled by the worker's initializer, and who ran it; early jobs slow, so
    that later ones finish first and must wait for their turn."""
    time.sleep(0.02 if job % 7 == 0 else 0)
    return f"{_prefix}{job}", job, os.getpid()


def _failing(job: int) -> int:
    if job == 5:
        raise ValueError(f"job {job} is bad")
    return job


class _Unsendable(Exception):
    def __init__(self) -> None:
        super().__init__("holds a lock")
        self.lock = threading.Lock()  # does not pickle


def _unsendable(job: int) -> int:
    if job == 2:
        raise _Unsendable()
    return job


def _dying(job: int) -> int:
    if job == 3:
        os._exit(7)
    return job


def test_results_come_in_job_order_and_each_worker_takes_its_jobs_in_order() -> None:
    with OrderedWorkers(_labelled, 3, initializer=_set_prefix, initargs=("n",), ahead=2) as pool:
        results = list(pool.map(range(40)))
    assert [label for label, _, _ in results] == [f"n{n}" for n in range(40)]
    by_worker: dict[int, list[int]] = {}
    for _, job, pid in results:
        by_worker.setdefault(pid, []).append(job)
    assert os.getpid() not in by_worker
    assert len(by_worker) > 1, "the jobs were shared"
    assert all(jobs == sorted(jobs) for jobs in by_worker.values())


def test_each_worker_is_given_jobs_while_their_weight_is_under_ahead() -> None:
    weights = [5.0 if n % 10 == 0 else 1.0 for n in range(60)]  # a heavy job now and then
    most_held = 0
    with OrderedWorkers(_labelled, 2, ahead=3, weight=weights.__getitem__) as pool:
        labels, pid_of = [], {}
        for label, job, pid in pool.map(range(60)):
            labels.append(label)
            pid_of[job] = pid
            for worker in pool._workers:
                held = [weights[n] for n in worker.jobs]
                assert not held or sum(held) - held[-1] < 3, "given past `ahead`"
                most_held = max(most_held, len(held))
    assert labels == [str(n) for n in range(60)]
    assert most_held >= 2, "light jobs are given several at a time"
    # At the start the first worker takes job 0 alone (weight 5), the other jobs 1-3.
    assert pid_of[1] == pid_of[2] == pid_of[3] != pid_of[0]


def test_fewer_jobs_than_workers_and_no_jobs() -> None:
    with OrderedWorkers(_labelled, 4) as pool:
        assert [job for _, job, _ in pool.map([2, 1])] == [2, 1]
        assert list(pool.map([])) == []


def test_an_error_in_a_job_is_raised_here_and_the_workers_stop() -> None:
    pool = OrderedWorkers(_failing, 2, ahead=3)
    processes = [worker.process for worker in pool._workers]
    taken = []
    with pytest.raises(ValueError, match="job 5 is bad"), pool:
        for job in pool.map(range(20)):
            taken.append(job)
    assert taken == [0, 1, 2, 3, 4]
    assert processes and not any(process.is_alive() for process in processes)


def test_an_error_that_does_not_pickle_comes_back_as_its_traceback() -> None:
    pool = OrderedWorkers(_unsendable, 2)
    with pytest.raises(WorkerFailed, match="_Unsendable: holds a lock") as failed, pool:
        list(pool.map(range(6)))
    assert failed.value.exitcode is None and failed.value.jobs == []


def test_a_worker_that_dies_is_an_error_that_says_so() -> None:
    pool = OrderedWorkers(_dying, 2, ahead=1)
    with pytest.raises(WorkerFailed, match=r"stopped \(exit code 7\)") as failed, pool:
        list(pool.map(range(10)))
    assert (failed.value.exitcode, failed.value.jobs) == (7, [3])


def test_leaving_early_stops_workers_with_jobs_in_hand() -> None:
    with OrderedWorkers(_labelled, 2, ahead=4) as pool:
        processes = [worker.process for worker in pool._workers]
        for _, job, _ in pool.map(range(100)):
            if job == 3:
                break
    assert processes and not any(process.is_alive() for process in processes)


def test_a_build_whose_reader_dies_names_the_file_and_keeps_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from indexer.build import build_index, reading
    from indexer.errors import SourceError
    from indexer.search.engine import SearchEngine

    laws = sorted((Path(__file__).parent / "data" / "laws").rglob("*.txt"))[:5]
    assert len(laws) == 5
    folder = tmp_path / "laws"
    folder.mkdir()
    for law in laws[:3]:
        (folder / law.name).write_bytes(law.read_bytes())
    index = build_index([folder], tmp_path / "index", workers=2).index_dir
    served = SearchEngine.open(index).report_summaries()
    for law in laws[3:]:  # two new files, so that workers read them
        (folder / law.name).write_bytes(law.read_bytes())
    fatal = folder / laws[4].name  # kills its reader, as native code or memory can
    read_file = reading.read_file

    tests = os.getpid()

    def dies_on_fatal(job: tuple[Path, str, str]) -> reading.FileRead:
        if job[0].name == fatal.name:
            assert os.getpid() != tests, "read by a worker, not by the tests' process"
            os._exit(-9 % 256)
        return read_file(job)

    monkeypatch.setattr(reading, "read_file", dies_on_fatal)  # the workers are forked
    with pytest.raises(SourceError, match="读取文件的进程意外退出") as failed:
        build_index([folder], index, workers=2)
    assert fatal.stem in str(failed.value)
    assert laws[3].stem not in str(failed.value), "read before it, and well"
    assert SearchEngine.open(index).report_summaries() == served
