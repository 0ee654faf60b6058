"""The search engine for the current request, opened once per request and kept on `g`."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, g

from indexer.search.engine import SearchEngine


def get_engine() -> SearchEngine:
    """Return this request's engine; `SearchEngine.open` caches the loaded index per process."""
    if "engine" not in g:
        g.engine = SearchEngine.open(Path(current_app.config["INDEX_DIR"]))
    return g.engine
