"""Serve the app with waitress (never Flask's debug server)."""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from flask import Flask
from waitress import wasyncore
from waitress.server import create_server

from indexer.engine import SearchEngine
from indexer.errors import IndexMissingError

from . import DEFAULT_INDEX_DIR, create_app


def make_server(app: Flask, host: str = "127.0.0.1", port: int = 5000, threads: int = 4):
    """Return a waitress server for `app`; call `.run()` to serve and `.close()` to stop.

    Port 0 picks a free port: read it back from `server.effective_port`.
    """
    return create_server(app, host=host, port=port, threads=threads, ident="report-search")


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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m webapp",
        description="Serve the report search web front end with waitress.",
    )
    parser.add_argument(
        "--index",
        type=Path,
        default=None,
        help=f"index directory (default: $REPORT_SEARCH_INDEX, else {DEFAULT_INDEX_DIR})",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=5000, help="port to listen on (0: any free)")
    parser.add_argument("--threads", type=int, default=4, help="worker threads")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Check that the index exists, then serve until interrupted."""
    args = parse_args(argv)
    app = create_app({"INDEX_DIR": args.index} if args.index else None)
    index_dir = app.config["INDEX_DIR"]
    try:
        SearchEngine.open(index_dir)  # loads the index now, so the first request is fast
    except IndexMissingError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        print(
            f"先建立索引：python -m indexer build data/sample --index {index_dir}",
            file=sys.stderr,
        )
        return 2
    server = make_server(app, args.host, args.port, args.threads)
    print(
        f"Serving {index_dir} on http://{server.effective_host}:{server.effective_port}/ "
        "(Ctrl-C to stop)",
        flush=True,
    )
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0
