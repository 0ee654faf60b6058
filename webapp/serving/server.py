"""Serve the app: gunicorn worker processes for `python -m webapp`, werkzeug's in tests.

Never Flask's debug server. `python -m webapp` runs a gunicorn master and --workers worker
processes (default: one per core), each with --threads threads (gthread). The app and
its index are loaded once in the master before the workers fork (preload), so the
workers share the index's memory instead of loading a copy each. In each worker the
admission gate (`admission.py`) runs the app on MAX_ACTIVE compute threads, queues up
to MAX_QUEUE requests and answers 503 + Retry-After beyond; connections beyond
WORKER_CONNECTIONS wait in the listen backlog (BACKLOG), and past that are refused.

`BackgroundServer` serves an app object in-process (werkzeug's threaded server), for tests.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]
from werkzeug.serving import make_server

from indexer.errors import ReportSearchError
from indexer.search.interface import Engine
from webapp.serving.admission import SECURITY_HEADERS, Admission
from webapp.serving.worker import RawUTF8Worker


def serving_app(app: Flask) -> Admission:
    """Return what a server runs: `app` behind the admission gate its config describes."""
    config = app.config
    return Admission(
        app,
        active=config["MAX_ACTIVE"],
        queue=config["MAX_QUEUE"],
        queue_timeout=config["QUEUE_TIMEOUT"],
        request_timeout=config["REQUEST_TIMEOUT"],
        retry_after=config["RETRY_AFTER"],
        exports=config["MAX_EXPORTS"],
        export_queue=config["EXPORT_QUEUE"],
        export_timeout=config["EXPORT_TIMEOUT"],
        headers=SECURITY_HEADERS,
        cheap=app.extensions["report_search_caches"].has_page,
    )


class BackgroundServer:
    """Serve `app` from a background thread (werkzeug's threaded server), e.g. for a browser
    test, behind the same admission gate as `python -m webapp`.

    Use as a context manager; `url` is where it listens. Port 0 picks a free port.
    """

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = make_server(host, port, serving_app(app), threaded=True)
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="test-server", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """End the serving loop, then close the listening socket."""
        self.server.shutdown()
        self._thread.join()
        self.server.server_close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


DEFAULT_THREADS = 96  # per worker: above 1 + MAX_QUEUE + MAX_EXPORTS + EXPORT_QUEUE (93),
# so the bounds of the lines are what refuse, not a lack of threads
WORKER_CONNECTIONS = 256  # open connections per worker, kept-alive ones included
BACKLOG = 256  # connections the kernel queues before accepting
KEEPALIVE = 2  # seconds an idle connection is kept open
TIMEOUT = 60  # seconds: a worker that stops answering its master this long is restarted


def warm(engine: Engine) -> None:
    """Have the engine read now what it reads on first use, so forked workers share it.

    One search through every filter loads the report table, the section paths, the
    segmenter and the literal index's pages, in the master, once (of every shard, for a
    sharded index: each forked worker then asks them from its own threads).
    """
    filters = {name: ["法"] for name in ("region", "dept", "issuer", "law", "section")}
    # An engine that no longer takes one of these filters loads the rest on first use.
    with contextlib.suppress(ReportSearchError):
        engine.search("法", filters=filters).facets  # noqa: B018  (counting is the point)


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class GunicornServer(BaseApplication):
    """gunicorn, configured from a dict and serving an app object we made (not an import path)."""

    def __init__(self, app: Flask, options: dict[str, object]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Admission:
        return serving_app(self.application)


def gunicorn_options(
    host: str,
    port: int,
    workers: int,
    threads: int,
    on_ready: Callable[[Any], None] | None = None,
) -> dict[str, object]:
    """Return the gunicorn settings for serving on host:port with these processes."""
    bracketed = f"[{host}]" if ":" in host else host
    options: dict[str, object] = {
        "bind": f"{bracketed}:{port}",
        "workers": workers,
        "worker_class": RawUTF8Worker,  # gthread, taking raw UTF-8 in the request line
        "http_parser": "python",  # the parser RawUTF8Worker extends (worker.py)
        "threads": threads,
        "preload_app": True,
        "worker_connections": WORKER_CONNECTIONS,
        "backlog": BACKLOG,
        # Gunicorn's ceiling: a 500-character query percent-encodes to 4,500 bytes, past
        # its 4,094-byte default, which would answer in English before the app can.
        "limit_request_line": 8190,
        "keepalive": KEEPALIVE,
        "timeout": TIMEOUT,
        "graceful_timeout": 30,
        "proc_name": "report-search",
        "loglevel": "warning",
        "errorlog": "-",
    }
    if on_ready is not None:
        options["when_ready"] = on_ready
    return options
