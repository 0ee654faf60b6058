"""The admission gate: a few threads compute, a bounded line waits, exports wait their turn."""

from __future__ import annotations

import json
import threading
import time

from webapp.serving.admission import Admission, Turns


class Blocking:
    """A WSGI app whose requests wait for `release` (or answer at once for /fast)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Semaphore(0)

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] != "/fast":
            self.entered.release()
            self.release.wait(5)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"done"]


def _call(gate, path="/search"):
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    result = gate({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()  # as a server does
    return seen["status"], seen["headers"], body


def _in_thread(gate, path="/search"):
    out = {}
    thread = threading.Thread(target=lambda: out.update(result=_call(gate, path)))
    thread.start()
    return thread, out


def test_a_full_queue_gets_503_with_retry_after_at_once():
    app = Blocking()
    gate = Admission(app, active=1, queue=1, queue_timeout=5, retry_after=7)
    busy, busy_out = _in_thread(gate)
    assert app.entered.acquire(timeout=5)  # computing
    queued, queued_out = _in_thread(gate)
    deadline = time.monotonic() + 5
    while gate.waiting < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    status, headers, body = _call(gate, "/api/search")
    assert time.monotonic() - started < 1
    assert status.startswith("503")
    assert headers["Retry-After"] == "7"
    assert "繁忙" in json.loads(body)["error"]
    app.release.set()
    busy.join(5)
    queued.join(5)
    assert busy_out["result"][0] == queued_out["result"][0] == "200 OK"
    assert gate.waiting == 0 and gate.refused == 1


def test_a_request_that_waits_too_long_gets_503_and_never_runs():
    app = Blocking()
    gate = Admission(app, active=1, queue=5, queue_timeout=0.2)
    busy, _ = _in_thread(gate)
    assert app.entered.acquire(timeout=5)
    status, headers, body = _call(gate)
    assert status.startswith("503") and "Retry-After" in headers
    assert "繁忙" in body.decode()
    app.release.set()
    busy.join(5)
    assert gate.waiting == 0


def test_a_request_that_computes_too_long_gets_504():
    app = Blocking()
    gate = Admission(app, active=1, queue=5, request_timeout=0.2)
    status, _, _ = _call(gate)
    assert status.startswith("504")
    app.release.set()


def test_cheap_requests_and_exports_skip_the_compute_queue():
    app = Blocking()
    gate = Admission(app, active=1, queue=0, exports=1, cheap=lambda e: e["PATH_INFO"] == "/fast")
    assert _call(gate, "/fast")[0] == "200 OK"  # queue=0 refuses anything queued, not this
    assert _call(gate, "/search")[0].startswith("503")
    app.release.set()
    assert _call(gate, "/export.csv")[0] == "200 OK"
    assert gate.streaming == 0


def _wait_for(condition, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert condition()


def test_an_export_waits_for_its_turn_and_is_refused_only_when_the_line_is_full():
    app = Blocking()
    gate = Admission(app, active=1, exports=1, export_queue=1, export_timeout=10)
    first, first_out = _in_thread(gate, "/export.csv")
    assert app.entered.acquire(timeout=5)  # streaming
    second, second_out = _in_thread(gate, "/export.csv")
    _wait_for(lambda: gate.exports.waiting == 1)
    started = time.monotonic()
    status, headers, body = _call(gate, "/export.csv")  # the line (1) is full
    assert time.monotonic() - started < 1
    assert status.startswith("503") and headers["Retry-After"]
    assert "繁忙" in body.decode()
    app.release.set()
    first.join(5)
    second.join(5)
    assert first_out["result"][0] == second_out["result"][0] == "200 OK"
    assert gate.streaming == 0 and gate.exports.waiting == 0 and gate.refused == 1


def test_an_export_that_waits_past_the_timeout_gets_503():
    app = Blocking()
    gate = Admission(app, active=1, exports=1, export_queue=5, export_timeout=0.2)
    first, _ = _in_thread(gate, "/export.csv")
    assert app.entered.acquire(timeout=5)
    started = time.monotonic()
    assert _call(gate, "/export.csv")[0].startswith("503")
    assert 0.2 <= time.monotonic() - started < 2
    app.release.set()
    first.join(5)
    assert gate.streaming == 0 and gate.exports.waiting == 0


def test_turns_are_handed_over_in_arrival_order():
    turns = Turns(slots=1, queue=10, timeout=5)
    assert turns.enter()
    order: list[int] = []
    threads = []
    for n in range(4):
        thread = threading.Thread(target=lambda n=n: turns.enter() and order.append(n))
        thread.start()
        threads.append(thread)
        _wait_for(lambda n=n: turns.waiting == n + 1)
    for _ in range(4):
        turns.leave()
        _wait_for(lambda: len(order) + turns.waiting == 4)
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3]
    turns.leave()
    assert turns.holding == 0 and turns.waiting == 0
