"""Web front end for the report search engine: a Flask app factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

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


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app: defaults, then instance/config.py, then the environment, then `test_config`.

    The environment variable REPORT_SEARCH_INDEX sets INDEX_DIR.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(INDEX_DIR=DEFAULT_INDEX_DIR)
    app.config.from_pyfile("config.py", silent=True)
    if os.environ.get("REPORT_SEARCH_INDEX"):
        app.config["INDEX_DIR"] = os.environ["REPORT_SEARCH_INDEX"]
    if test_config:
        app.config.from_mapping(test_config)
    app.config["INDEX_DIR"] = Path(app.config["INDEX_DIR"])

    # Same key order as the CLI's --json output, and Chinese left readable.
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    from . import api, errors, export, reports, search
    from .render import excerpt, mark_spans

    app.add_template_global(excerpt)
    app.add_template_global(mark_spans)

    app.register_blueprint(search.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(export.bp)
    errors.init_app(app)

    @app.after_request
    def add_security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app
