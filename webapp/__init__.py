"""Web front end for the report search engine: a Flask app factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from .hosts import PublicURLFlask

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INDEX_DIR = REPO_ROOT / "data" / "index"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

# Serving settings, per worker process; each can be set as REPORT_SEARCH_<KEY> too.
SERVING_DEFAULTS: dict[str, Any] = {
    "ALLOWED_HOSTS": None,  # Host names served; None: localhost names and BIND_HOST
    "BIND_HOST": None,  # the address the server listens on (set by python -m webapp)
    "PUBLIC_BASE_URL": None,  # e.g. https://search.example.org: base of external links
    # The admission gate of a served app (admission.py), per worker process:
    "MAX_ACTIVE": 1,  # requests computing at once (one interpreter lock: more only contend)
    "MAX_QUEUE": 64,  # requests waiting for a turn; more get 503 + Retry-After
    "QUEUE_TIMEOUT": 5.0,  # seconds a request may wait for its turn before a 503
    "REQUEST_TIMEOUT": 30.0,  # seconds a request may compute before a 504
    "RETRY_AFTER": 2,  # seconds, in the 503's Retry-After
    "MAX_EXPORTS": 4,  # CSV exports streaming at once, per worker
    "EXPORT_QUEUE": 24,  # exports waiting for one of those; more get 503 + Retry-After
    "EXPORT_TIMEOUT": 20.0,  # seconds an export may wait for its turn before a 503
    "RESULT_CACHE_MB": 128,  # per process: search results (rankings, facets) of queries
    "PAGE_CACHE_MB": 256,  # whole first pages of repeated queries, shared by processes
    "PAGE_CACHE_DIR": None,  # where those pages are kept; None: a temporary folder
}


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app: defaults, then instance/config.py, then the environment, then `test_config`.

    The environment variable REPORT_SEARCH_INDEX sets INDEX_DIR; REPORT_SEARCH_<KEY> sets
    each key of SERVING_DEFAULTS (e.g. REPORT_SEARCH_ALLOWED_HOSTS="search.example.org").
    """
    app = PublicURLFlask(__name__, instance_relative_config=True)
    app.config.from_mapping(INDEX_DIR=DEFAULT_INDEX_DIR, **SERVING_DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    if os.environ.get("REPORT_SEARCH_INDEX"):
        app.config["INDEX_DIR"] = os.environ["REPORT_SEARCH_INDEX"]
    for key in SERVING_DEFAULTS:
        if os.environ.get(f"REPORT_SEARCH_{key}"):
            app.config[key] = os.environ[f"REPORT_SEARCH_{key}"]
    if test_config:
        app.config.from_mapping(test_config)
    app.config["INDEX_DIR"] = Path(app.config["INDEX_DIR"])

    # Same key order as the CLI's --json output, and Chinese left readable.
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    from . import api, cache, errors, export, hosts, provenance, reports, search, similar
    from .render import excerpt, mark_spans

    app.add_template_global(excerpt)
    app.add_template_global(mark_spans)

    app.register_blueprint(search.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(export.bp)
    app.register_blueprint(provenance.bp)
    app.register_blueprint(similar.bp)  # similar passages, cited-law links
    errors.init_app(app)
    hosts.init_app(app)  # first: a request for another host gets nothing else
    cache.init_app(app)

    @app.after_request
    def add_security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app
