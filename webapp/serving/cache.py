"""Caches for repeated queries, keyed by the index's build id.

Two layers, wrapped around the views rather than inside them:

- **results**, in each process's memory: `engine.search(q, filters=…, sort=…)` per
  (query, filters, sort). A cached result keeps its ranking and, once counted, its
  facets; page 4, another page size, the API window and the CSV export of a query
  already searched skip matching and ranking. The request's engine (`g.engine`, which
  `webapp.engine.get_engine` returns) is a `CachedEngine` that answers `search` from here
  and passes everything else through.
- **pages**, as files in one folder that all worker processes share (the OS keeps hot
  ones in memory): the whole 200 response of a first page, `/` and `/search` pages 1–3
  and `/api/search` windows within the first 100 passages, and of a report page
  (`/reports/<id>`, `/api/reports/<id>`, with its ?q=). A repeated request costs a file
  read, whichever worker computed it first.

The key includes the engine's `build_id`, unique to each generation of the index: when a
build makes a new generation current, `open_index` hands out its engine, whose new
id empties both caches, so an entry never outlives its index and an old engine (holding
its generation's files) is not kept alive by results that point at it. Both caches are
bounded in bytes. What some shards of a sharded index were missing from (a request with
`partial=1` while a shard is down) is kept in neither.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request

from indexer.errors import ReportSearchError
from indexer.search.engine import open_index
from webapp.partial import wants_partial
from webapp.serving.engine import CachedEngine, GenerationCache, shard_sets

FIRST_PAGES = 3  # HTML pages 1–3 are page-cached
FIRST_PASSAGES = 100  # API windows ending within the first 100 passages are page-cached
MAX_PAGE_BYTES = 4 * 2**20  # a larger body is served but not kept
PAGE_ROUTES = ("/", "/search", "/api/search")
REPORT_ROUTES = ("/reports/", "/api/reports/")  # a report is the same for a build and ?q=
KEPT_HEADERS = ("Content-Type",)


def current_build_id(index_dir: Path) -> str | None:
    """Return the build id of the index's current generation, None if it cannot be opened."""
    try:
        return open_index(index_dir, shard_sets()).build_id
    except (ReportSearchError, OSError):
        return None


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    headers: tuple[tuple[str, str], ...]


class PageStore:
    """Pages as files under `folder/<build>/`, shared by processes, bounded in bytes.

    A write goes to a temporary file renamed into place, so a reader sees a whole page or
    none. A read refreshes the file's time; past the budget, whoever notices removes the
    least recently used files. A new build id removes the older builds' folders.
    """

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.hits = self.misses = 0
        self._written = 0  # bytes this process wrote since it last checked the total
        self._lock = threading.Lock()

    @staticmethod
    def _digest(value: object) -> str:
        return hashlib.sha256(repr(value).encode("utf-8", "surrogatepass")).hexdigest()

    def _path(self, build_id: str, key: Hashable) -> Path:
        return self.folder / self._digest(build_id)[:16] / self._digest(key)

    def __contains__(self, build_key: tuple[str, Hashable]) -> bool:
        return self._path(*build_key).exists()

    def get(self, build_id: str, key: Hashable) -> CachedPage | None:
        path = self._path(build_id, key)
        try:
            data = path.read_bytes()
            os.utime(path)
        except OSError:
            self.misses += 1
            return None
        head, _, body = data.partition(b"\n")
        self.hits += 1
        return CachedPage(body, tuple((h, v) for h, v in json.loads(head)))

    def put(self, build_id: str, key: Hashable, page: CachedPage) -> None:
        path = self._path(build_id, key)
        data = json.dumps(page.headers).encode() + b"\n" + page.body
        if len(data) > self.max_bytes:
            return
        if not path.parent.is_dir():
            self._start_generation(path.parent)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            temporary.write_bytes(data)
            temporary.replace(path)
        except OSError:
            temporary.unlink(missing_ok=True)
            return
        with self._lock:
            self._written += len(data)
            check = self._written > self.max_bytes // 8
            if check:
                self._written = 0
        if check:
            self._trim(path.parent)

    def _start_generation(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for other in self.folder.iterdir():
            if other != folder and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)

    def _trim(self, folder: Path) -> None:
        files = []
        for entry in os.scandir(folder):
            try:
                info = entry.stat()
            except OSError:
                continue
            files.append((info.st_mtime, info.st_size, entry.path))
        total = sum(size for _, size, _ in files)
        files.sort()
        for _, size, name in files:
            if total <= self.max_bytes * 0.8:
                break
            Path(name).unlink(missing_ok=True)
            total -= size


def _small_int(value: str | None, default: int) -> int:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 9 else default


def page_key(
    path: str, args: Mapping[str, str], query_string: bytes, root: str = ""
) -> Hashable | None:
    """Return the page-cache key of a request, or None if its page is not a first page."""
    if path.startswith(REPORT_ROUTES):
        return _key(root, path, query_string)
    if path not in PAGE_ROUTES:
        return None
    if path == "/api/search":
        end = _small_int(args.get("offset"), 0) + _small_int(args.get("limit"), 20)
        if end > FIRST_PASSAGES:
            return None
    elif _small_int(args.get("page"), 1) > FIRST_PAGES:
        return None
    return _key(root, path, query_string)


def _key(root: str, path: str, query_string: bytes) -> Hashable:
    """The raw query string: the same link gives the same page, byte for byte. The root the
    app is mounted at is in every link of the page; today's date is in its GB/T 7714
    citations (their 引用日期), so a page cached yesterday is not served today."""
    return (root, path, query_string, date.today().isoformat())


@dataclass
class Caches:
    """The caches of one app (`app.extensions["report_search_caches"]`)."""

    index_dir: Path
    results: GenerationCache
    pages: PageStore

    def has_page(self, environ: Mapping[str, Any]) -> bool:
        """Tell whether a WSGI request's page is cached now (so answering it is cheap).

        An admission gate uses this to serve cached pages without queueing them behind
        searches; the app still runs for them, host check included.
        """
        path = environ.get("PATH_INFO", "")
        cacheable = path in PAGE_ROUTES or path.startswith(REPORT_ROUTES)
        if environ.get("REQUEST_METHOD") != "GET" or not cacheable:
            return False
        if self.pages.max_bytes <= 0:
            return False
        build_id = current_build_id(self.index_dir)
        # The key as the app makes it from Flask's request.script_root and .query_string.
        root = environ.get("SCRIPT_NAME", "").rstrip("/")
        query_string = environ.get("QUERY_STRING", "").encode("latin-1")
        return build_id is not None and (build_id, _key(root, path, query_string)) in self.pages

    def stats(self) -> dict[str, dict[str, int]]:
        return {
            "results": {"hits": self.results.hits, "misses": self.results.misses},
            "pages": {"hits": self.pages.hits, "misses": self.pages.misses},
        }


def _page_folder(app: Flask) -> Path:
    """The configured PAGE_CACHE_DIR, or a private temporary folder removed at exit."""
    if app.config.get("PAGE_CACHE_DIR"):
        folder = Path(app.config["PAGE_CACHE_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    folder = Path(tempfile.mkdtemp(prefix="report-search-pages-"))
    # Only the process that made it removes it: forked workers exit before the master.
    weakref.finalize(app, _remove_if_owner, folder, os.getpid())
    return folder


def _remove_if_owner(folder: Path, owner: int) -> None:
    if os.getpid() == owner:
        shutil.rmtree(folder, ignore_errors=True)


def init_app(app: Flask) -> Caches:
    """Give every request a caching engine on `g`, and serve and keep first pages.

    Config: RESULT_CACHE_MB per process; PAGE_CACHE_MB for the shared page folder,
    PAGE_CACHE_DIR (default: a temporary folder of this app's); 0 MB turns a cache off.
    """
    caches = Caches(
        index_dir=Path(app.config["INDEX_DIR"]),
        results=GenerationCache(int(float(app.config["RESULT_CACHE_MB"]) * 2**20)),
        pages=PageStore(_page_folder(app), int(float(app.config["PAGE_CACHE_MB"]) * 2**20)),
    )
    app.extensions["report_search_caches"] = caches

    @app.before_request
    def use_caches() -> Response | None:
        # webapp.engine.get_engine returns g.engine when it is set.
        partial = wants_partial(request.args, request.path)
        g.engine = CachedEngine(caches.index_dir, caches.results, partial=partial)
        if request.method != "GET" or caches.pages.max_bytes <= 0:
            return None
        key = page_key(request.path, request.args, request.query_string, request.script_root)
        if key is None:
            return None
        build_id = g.engine.build_id  # opens the engine, as the view would
        page = caches.pages.get(build_id, key)
        if page is not None:
            return Response(page.body, status=200, headers=list(page.headers))
        g.page_cache_key = (build_id, key)
        return None

    @app.after_request
    def keep_page(response: Response) -> Response:
        build_id, key = g.pop("page_cache_key", (None, None))
        if (
            key is not None
            and response.status_code == 200
            and g.engine.answered.complete  # a page some shards are missing from is not kept
            and not response.is_streamed
            and not response.direct_passthrough
        ):
            body = response.get_data()
            if len(body) <= MAX_PAGE_BYTES:
                kept = tuple((h, v) for h, v in response.headers.items() if h in KEPT_HEADERS)
                caches.pages.put(build_id, key, CachedPage(body, kept))
        return response

    return caches
