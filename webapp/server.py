"""Serve the app: gunicorn worker processes for `python -m webapp`, waitress in tests.

Never Flask's debug server. `python -m webapp` runs a gunicorn master and --workers worker
processes (default: one per core), each with --threads threads (gthread). The app and
its index are loaded once in the master before the workers fork (preload), so the
workers share the index's memory instead of loading a copy each. In each worker the
admission gate (`admission.py`) runs the app on MAX_ACTIVE compute threads, queues up
to MAX_QUEUE requests and answers 503 + Retry-After beyond; connections beyond
WORKER_CONNECTIONS wait in the listen backlog (BACKLOG), and past that are refused.

`BackgroundServer` serves an app object in-process with waitress, for tests.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
import threading
from pathlib import Path

from flask import Flask
from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]
from waitress import wasyncore
from waitress.server import create_server

from indexer.engine import SearchEngine
from indexer.errors import IndexMissingError, ReportSearchError

from . import DEFAULT_INDEX_DIR, SECURITY_HEADERS, create_app
from .admission import Admission
from .ports import listen_problem
from .worker import RawUTF8Worker


def serving_app(app: Flask) -> Admission:
    """Return what a server runs: `app` behind the admission gate its config describes."""
    config = app.config
    return Admission(
        app,
        active=int(config["MAX_ACTIVE"]),
        queue=int(config["MAX_QUEUE"]),
        queue_timeout=float(config["QUEUE_TIMEOUT"]),
        request_timeout=float(config["REQUEST_TIMEOUT"]),
        retry_after=int(config["RETRY_AFTER"]),
        exports=int(config["MAX_EXPORTS"]),
        export_queue=int(config["EXPORT_QUEUE"]),
        export_timeout=float(config["EXPORT_TIMEOUT"]),
        headers=SECURITY_HEADERS,
        cheap=app.extensions["report_search_caches"].has_page,
    )


def make_server(app: Flask, host: str = "127.0.0.1", port: int = 5000, threads: int = 4):
    """Return a waitress server for `app`; call `.run()` to serve and `.close()` to stop.

    Port 0 picks a free port: read it back from `server.effective_port`.
    """
    return create_server(
        serving_app(app), host=host, port=port, threads=threads, ident="report-search"
    )


class BackgroundServer:
    """Serve `app` with waitress from a background thread, e.g. for a browser test.

    Use as a context manager; `url` is where it listens. Port 0 picks a free port.
    """

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0, threads: int = 4):
        self.server = make_server(app, host, port, threads)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="waitress-loop", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.server.effective_host}:{self.server.effective_port}"

    def _loop(self) -> None:
        # waitress's own run() loops forever; a short loop lets stop() end it cleanly.
        while not self._stopping.is_set():
            wasyncore.loop(timeout=0.1, map=self.server._map, count=1)

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Finish the requests in progress, end the loop, then close every socket."""
        self.server.task_dispatcher.shutdown()
        self._stopping.set()
        self._thread.join()
        wasyncore.close_all(self.server._map)

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


def warm(engine: SearchEngine) -> None:
    """Have the engine read now what it reads on first use, so forked workers share it.

    One search through every filter loads the report table, the section paths, the
    segmenter and the literal index's pages, in the master, once.
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


def gunicorn_options(args: argparse.Namespace, on_ready=None) -> dict[str, object]:
    """Return the gunicorn settings for the command line's arguments."""
    host = f"[{args.host}]" if ":" in args.host else args.host
    options: dict[str, object] = {
        "bind": f"{host}:{args.port}",
        "workers": args.workers,
        "worker_class": RawUTF8Worker,  # gthread, taking raw UTF-8 in the request line
        "http_parser": "python",  # the parser RawUTF8Worker extends (worker.py)
        "threads": args.threads,
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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m webapp",
        description="提供报告检索网页服务（gunicorn 多进程）。",
    )
    parser.add_argument(
        "--index",
        type=Path,
        default=None,
        help=f"索引文件夹（默认：$REPORT_SEARCH_INDEX，否则 {DEFAULT_INDEX_DIR}）",
    )
    parser.add_argument("--host", default="127.0.0.1", help="监听地址")
    parser.add_argument("--port", type=int, default=5000, help="监听端口（0：任选空闲端口）")
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="工作进程数（默认每个 CPU 核一个，本机 %(default)s）",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help="每个进程同时处理的连接数（默认 %(default)s）",
    )
    args = parser.parse_args(argv)
    if args.workers < 1 or args.threads < 1:
        parser.error("--workers 和 --threads 至少为 1")
    if not 0 <= args.port <= 65535:
        parser.error("--port 应在 0–65535 之间")
    return args


def main(argv: list[str] | None = None) -> int:
    """Check the port and the index and load it, then serve until interrupted."""
    args = parse_args(argv)
    problem = listen_problem(args.host, args.port)
    if problem is not None:
        message, hint = problem
        print(f"错误：{message}。\n{hint}。", file=sys.stderr)
        return 2
    overrides: dict[str, object] = {"BIND_HOST": args.host}
    if args.index:
        overrides["INDEX_DIR"] = args.index
    app = create_app(overrides)
    index_dir = app.config["INDEX_DIR"]
    try:
        warm(SearchEngine.open(index_dir))  # loaded once here, before the workers fork
    except IndexMissingError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        print(
            f"先建立索引：python -m indexer build data/sample --index {index_dir}",
            file=sys.stderr,
        )
        return 2

    def on_ready(arbiter) -> None:
        host, port = arbiter.LISTENERS[0].sock.getsockname()[:2]
        host = f"[{host}]" if ":" in host else host
        print(
            f"正在提供检索服务：http://{host}:{port}/ （索引 {index_dir}；"
            f"{args.workers} 个进程 × 每个 {args.threads} 个线程；按 Ctrl-C 停止）",
            flush=True,
        )

    # What the master loaded is shared by the forked workers page for page as long as
    # nothing writes to it; moving it out of the collector's reach keeps the collector
    # from touching (and so copying) every object in every worker.
    gc.collect()
    gc.freeze()
    GunicornServer(app, gunicorn_options(args, on_ready)).run()
    return 0
