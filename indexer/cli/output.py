"""What the command line prints: text made safe for a terminal, JSON, links, errors.

Every string printed goes through `printable`; domain errors become one line with a hint
and exit status 1 (`friendly_errors`); links are the web app's, relative, or absolute
under a configured base URL (`Links`).
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path

import click

from indexer.errors import ReportSearchError
from indexer.settings import DEFAULT_INDEX_DIR, INDEX_DIR_ENV

BASE_URL_ENV = "REPORT_SEARCH_PUBLIC_BASE_URL"
"""The base URL of absolute links: the web app's PUBLIC_BASE_URL setting, read by both."""


def cli_link(report_id: str, passage_id: str | None) -> str:
    """The web app's permalink of a report or passage, for JSON printed outside a request.

    The web app builds the same links with url_for; tests/test_cli.py checks they agree.
    """
    return f"/reports/{report_id}" + (f"#p-{passage_id}" if passage_id else "")


@dataclass(frozen=True)
class Links:
    """Links as the command line prints them: relative, or under `base` (https://…)."""

    base: str = ""

    def __call__(self, report_id: str, passage_id: str | None = None) -> str:
        return self.base.rstrip("/") + cli_link(report_id, passage_id)

    @property
    def absolute(self) -> bool:
        return bool(self.base)


def base_url(value: str | None) -> Links:
    """Check a --base-url value: an http(s) address, so printed links work in a browser."""
    if not value:
        return Links()
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
        raise click.BadParameter(
            f"「{value[:60]}」不是网址，应写成 https://search.example.org 这样",
            param_hint="--base-url",
        )
    return Links(value)


# What must never reach a terminal raw: C0 controls but \t \n (and \r before \n), DEL, C1
# controls (ESC, CSI, … start escape sequences) and lone surrogates (which cannot be encoded).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]|\r(?!\n)")
# What json.dumps(ensure_ascii=False) leaves raw of those (it escapes C0 itself).
_JSON_RAW = re.compile("[\x7f-\x9f\ud800-\udfff]")


def printable(text: object) -> str:
    """Return `text` safe to print: each control character or lone surrogate becomes U+FFFD.

    Every string this package prints goes through here. One character for one keeps the
    offsets of highlights valid. A file name is passed through `s1_names.readable` first.
    """
    return _UNPRINTABLE.sub("\ufffd", str(text))


def echo(text: object = "", *, err: bool = False, bold: bool = False, nl: bool = True) -> None:
    """Print `text` made `printable`."""
    click.secho(printable(text), err=err, bold=bold or None, nl=nl)


def json_text(data: object) -> str:
    """Return `data` as indented JSON in which DEL, C1 controls and surrogates are escaped."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def display_width(text: str) -> int:
    """Columns a terminal gives `text`: two for a wide (CJK) character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_INDEX_DIR,
    show_default="data/index",
    envvar=INDEX_DIR_ENV,
    help="Folder holding the document store and search index.",
)

base_url_option = click.option(
    "--base-url",
    "links",
    envvar=BASE_URL_ENV,
    callback=lambda _ctx, _param, value: base_url(value),
    help=f"Print absolute links under this address (default ${BASE_URL_ENV}; else relative).",
)


def friendly_errors(command: Callable) -> Callable:
    """Turn domain errors into a one-line message with a hint and exit status 1."""

    @wraps(command)
    def wrapper(*args: object, **kwargs: object) -> object:
        try:
            return command(*args, **kwargs)
        except ReportSearchError as error:
            echo(f"错误: {error.message}", err=True)
            if error.hint:
                echo(f"提示: {error.hint}", err=True)
            sys.exit(1)

    return wrapper
