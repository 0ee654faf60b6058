"""Web front end for the report search engine: a Flask app factory.

The app only parses requests, calls the library (`indexer`) and renders; nothing here
knows how a token is made or a passage matched.

======================  ==========================================================
module                  what
======================  ==========================================================
cli                     python -m webapp: check the port and the index, then serve
views                   what a request sees: the blueprints and their helpers
serving                 how the app is served: workers, admission, caches, hosts
errors                  errors as pages or JSON, with their status, one handler
partial                 partial answers: downloads never, a partial page's links keep asking
======================  ==========================================================
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Response

from indexer.settings import DEFAULT_INDEX_DIR, INDEX_DIR_ENV
from webapp.serving.admission import SECURITY_HEADERS
from webapp.serving.hosts import PublicURLFlask

ENV_PREFIX = INDEX_DIR_ENV.removesuffix("_INDEX")  # REPORT_SEARCH


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
    # How a sharded index's shards are reached (a ShardSetFactory, `open_index`'s `shards`):
    # None, in this process; python -m webapp --ray sets a Ray cluster's actors.
    "SHARD_SETS": None,
}


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app: defaults, then instance/config.py, then the environment, then `test_config`.

    REPORT_SEARCH_<KEY> sets each key (Flask's `from_prefixed_env`: numbers and lists are
    read as JSON, e.g. REPORT_SEARCH_MAX_QUEUE=128); REPORT_SEARCH_INDEX names the index
    folder (INDEX_DIR), as it does for the command line.
    """
    app = PublicURLFlask(__name__, instance_relative_config=True)
    app.config.from_mapping(INDEX_DIR=DEFAULT_INDEX_DIR, **SERVING_DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env(ENV_PREFIX)
    if "INDEX" in app.config:  # REPORT_SEARCH_INDEX, the variable the CLI reads too
        app.config["INDEX_DIR"] = app.config.pop("INDEX")
    if test_config:
        app.config.from_mapping(test_config)
    app.config["INDEX_DIR"] = Path(app.config["INDEX_DIR"])

    # Same key order as the CLI's --json output, and Chinese left readable.
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    from webapp import errors, partial
    from webapp.serving import cache, hosts
    from webapp.views import (
        api,
        compare,
        export,
        feeds,
        kwic,
        provenance,
        reports,
        search,
        similar,
    )
    from webapp.views.render import excerpt, mark_spans

    app.add_template_global(excerpt)
    app.add_template_global(mark_spans)

    app.register_blueprint(search.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(export.bp)
    app.register_blueprint(kwic.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(compare.bp)
    app.register_blueprint(provenance.bp)
    app.register_blueprint(similar.bp)  # similar passages, cited-law links
    errors.init_app(app)
    partial.init_app(app)  # links of a partial page keep partial=1
    hosts.init_app(app)  # first: a request for another host gets nothing else
    cache.init_app(app)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app
