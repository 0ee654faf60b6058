"""Admission control: a few threads compute, a bounded queue waits, the rest get 503 at once.

Searching and rendering are CPU work under one interpreter lock per process: a dozen
threads computing at once finish no sooner than one after the other, but every one of
them late, and each thread that ever searched keeps its own Whoosh searcher and SQLite
connection (~15 MB). So the server's threads only read requests and write responses;
the app itself runs on a pool of MAX_ACTIVE compute threads per process, in arrival
order. Up to MAX_QUEUE requests wait for it; one that finds the queue full, or waits
QUEUE_TIMEOUT seconds without starting, gets 503 with Retry-After at once, so a client
learns in milliseconds that the server is saturated instead of timing out. A request
that computes longer than REQUEST_TIMEOUT gets 504 (its computation finishes unseen).

Streamed responses (the CSV and .xlsx exports) compute while they are sent, for as long as the
export is: they run on the server thread that serves them, so an export never holds a
compute thread for the whole corpus. At most MAX_EXPORTS stream at a time per process;
up to EXPORT_QUEUE more wait their turn in arrival order, each for at most
EXPORT_TIMEOUT seconds, and only one that finds that queue full or waits that long gets
503 + Retry-After. A user who clicks 导出 in a busy hour gets the file a little later,
not an error page. Static files and requests that `cheap(environ)` says are cheap (a
cached page) skip the pool too: they need no turn, and must not wait behind searches.
"""

from __future__ import annotations

import json
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from werkzeug.wsgi import ClosingIterator

STREAMED_PATHS = ("/export.csv", "/export.xlsx", "/kwic.csv", "/kwic.xlsx")
DIRECT_PREFIXES = ("/static/",)
MESSAGES = {
    503: ("服务器繁忙，请稍后再试", "Service Unavailable"),
    504: ("查询用时太长，已放弃", "Gateway Timeout"),
}

# Sent with every response, refusals included.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class _Recorded:
    """start_response, recorded in the compute thread and replayed by the server thread."""

    def __init__(self) -> None:
        self.args: tuple = ()

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        self.args = (status, headers, exc_info)
        return self._write

    @staticmethod
    def _write(data: bytes) -> None:
        raise NotImplementedError("the write() callable is not supported; return the body")


class Turns:
    """At most `slots` holders at once; up to `queue` more wait, first come first served.

    `enter` returns at once when a slot is free and nobody waits, else waits for one
    handed over by `leave`, at most `timeout` seconds; it returns False (no slot taken)
    when the queue is full or the wait timed out. Every True is followed by one `leave`.
    """

    def __init__(self, slots: int, queue: int, timeout: float) -> None:
        self.slots = slots
        self.queue = queue
        self.timeout = timeout
        self._lock = threading.Lock()
        self._free = slots
        self._line: deque[threading.Event] = deque()

    @property
    def holding(self) -> int:
        return self.slots - self._free

    @property
    def waiting(self) -> int:
        return len(self._line)

    def enter(self) -> bool:
        with self._lock:
            if self._free > 0 and not self._line:
                self._free -= 1
                return True
            if len(self._line) >= self.queue:
                return False
            turn = threading.Event()
            self._line.append(turn)
        if turn.wait(self.timeout):
            return True
        with self._lock:
            if turn.is_set():  # handed a slot just as the wait ended
                return True
            self._line.remove(turn)
            return False

    def leave(self) -> None:
        with self._lock:
            if self._line:
                self._line.popleft().set()  # the slot passes to the first in line
            else:
                self._free += 1


class Admission:
    """WSGI middleware that runs `app` on a small pool of compute threads (module docstring)."""

    def __init__(
        self,
        app: Callable,
        *,
        active: int = 2,
        queue: int = 64,
        queue_timeout: float = 5.0,
        request_timeout: float = 30.0,
        retry_after: int = 2,
        exports: int = 2,
        export_queue: int = 24,
        export_timeout: float = 20.0,
        headers: Mapping[str, str] | None = None,
        cheap: Callable[[dict], bool] | None = None,
    ) -> None:
        self.app = app
        self.cheap = cheap
        self.active = active
        self.queue = queue
        self.queue_timeout = queue_timeout
        self.request_timeout = request_timeout
        self.retry_after = retry_after
        self.exports = Turns(exports, export_queue, export_timeout)
        self.headers = dict(headers or {})
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0
        self.waiting = 0  # submitted, not started
        self.refused = 0

    @property
    def streaming(self) -> int:
        """Streamed responses (exports) being sent now."""
        return self.exports.holding

    def _executor(self) -> ThreadPoolExecutor:
        # Made in the process that uses it: a pool made before a fork has no threads after.
        if self._pool is None or self._pool_pid != os.getpid():
            self._pool = ThreadPoolExecutor(self.active, thread_name_prefix="compute")
            self._pool_pid = os.getpid()
        return self._pool

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(DIRECT_PREFIXES) or (self.cheap is not None and self.cheap(environ)):
            return self.app(environ, start_response)
        if path in STREAMED_PATHS:
            return self._stream(environ, start_response)
        with self._lock:
            full = self.waiting >= self.queue
            if not full:
                self.waiting += 1
                executor = self._executor()
        if full:
            return self._refuse(503, environ, start_response)
        recorded = _Recorded()
        started = threading.Event()
        future = executor.submit(self._compute, started, environ, recorded)
        if not started.wait(self.queue_timeout) and future.cancel():
            self._unqueue()
            return self._refuse(503, environ, start_response)
        try:
            body = future.result(timeout=self.request_timeout)
        except FutureTimeout:
            future.add_done_callback(_close_body)
            return self._refuse(504, environ, start_response)
        start_response(*recorded.args)
        return body

    def _compute(
        self, started: threading.Event, environ: dict[str, Any], recorded: _Recorded
    ) -> Iterable[bytes]:
        self._unqueue()
        started.set()
        # The body of a buffered response is complete when the app returns.
        return self.app(environ, recorded)

    def _unqueue(self) -> None:
        with self._lock:
            self.waiting -= 1

    def _stream(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not self.exports.enter():
            return self._refuse(503, environ, start_response)
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self.exports.leave()
            raise
        return ClosingIterator(body, self.exports.leave)

    def _refuse(self, status: int, environ: dict, start_response: Callable) -> list[bytes]:
        with self._lock:
            self.refused += 1
        message, reason = MESSAGES[status]
        hint = f"{self.retry_after} 秒后重试"
        if environ.get("PATH_INFO", "").startswith("/api/"):
            body = json.dumps({"error": message, "hint": hint}, ensure_ascii=False).encode()
            content_type = "application/json"
        else:
            body = (
                '<!doctype html><html lang="zh-CN"><meta charset="utf-8">'
                f"<title>{status}</title><p>{message}（{hint}）</p></html>"
            ).encode()
            content_type = "text/html; charset=utf-8"
        headers = [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Retry-After", str(self.retry_after)),
            ("Cache-Control", "no-store"),
            *self.headers.items(),
        ]
        start_response(f"{status} {reason}", headers)
        return [body]


def _close_body(future: Future) -> None:
    """Close the body of a response nobody will send (it may hold resources)."""
    if not future.cancelled() and future.exception() is None:
        close = getattr(future.result(), "close", None)
        if close is not None:
            close()
