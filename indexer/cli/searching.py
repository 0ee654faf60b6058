"""The searching commands: search and kwic, as capable as the web pages they mirror.

A malformed query is shown with a caret under the error; a query without hits is offered
the nearby queries that have some (`search.suggest`); links are absolute under
`--base-url` (or $REPORT_SEARCH_PUBLIC_BASE_URL, the web app's setting), else relative.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from indexer.cli.commands import main
from indexer.cli.output import (
    Links,
    base_url_option,
    display_width,
    echo,
    friendly_errors,
    index_option,
    json_text,
    printable,
)
from indexer.errors import QueryError
from indexer.models import UNKNOWN
from indexer.query.help import QUERY_HELP
from indexer.query.rewrite import caret_padding
from indexer.search.kwic import DEFAULT_WIDTH, KWIC_SORTS, MAX_WIDTH
from indexer.settings import SORTS

if TYPE_CHECKING:
    from indexer.search.interface import Engine, Result


def _search(index_dir: Path, query: str, sort: str = "relevance") -> tuple[Engine, Result]:
    """Search (one index or a sharded one), or print the error with a caret under its
    place and exit 1."""
    from indexer.search.engine import open_index

    engine = open_index(index_dir)
    try:
        return engine, engine.search(query, sort=sort)
    except QueryError as error:
        echo(f"错误: {error.message}", err=True)
        if error.position is not None and error.position <= len(query):
            echo(f"  {query}", err=True)
            echo(f"  {caret_padding(query, error.position)}^", err=True)
        if error.hint:
            echo(f"提示: {error.hint}", err=True)
        sys.exit(1)


def _did_you_mean(engine: Engine, query: str) -> None:
    found = engine.suggest(query)
    if found:
        echo("没有找到。您是不是要找：")
        for candidate, passages in found:
            echo(f"  {candidate}  （{passages} 段）")
    else:
        echo("没有找到。换一个更短或更常见的说法试试。")


@main.command(epilog="\b\n" + QUERY_HELP)
@click.argument("query")
@index_option
@click.option(
    "--limit",
    type=click.IntRange(1, 100_000),
    default=10,
    show_default=True,
    help="Number of passages to show.",
)
@click.option("--all", "show_all", is_flag=True, help="Show every matching passage.")
@click.option("--sort", type=click.Choice(list(SORTS)), default="relevance", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON the web API returns.")
@base_url_option
@friendly_errors
def search(
    query: str,
    index_dir: Path,
    limit: int,
    show_all: bool,
    sort: str,
    as_json: bool,
    links: Links,
) -> None:
    """Find every passage containing QUERY; rank by words, group by report.

    Every term is matched literally (单字、数字、跨词的字符串都能找到). The query
    language is below.
    """
    from indexer.search.results import result_to_json

    engine, result = _search(index_dir, query, sort)
    count = None if show_all else limit
    if as_json:
        permalink = links if links.absolute else None
        data = result_to_json(result, links, 0, count, permalink=permalink)
        echo(json_text({**data, "shards": result.shards.as_json()}))
        return
    echo(
        f"{result.interpretation}: {result.total_passages} 段，{result.total_reports} 篇报告，"
        f"{result.total_occurrences} 处，{result.took_ms:.1f} ms"
    )
    if not result.total_passages:
        _did_you_mean(engine, query)
        return
    current = None
    for hit in result.hits(0, count):
        if hit.report_id != current:
            current = hit.report_id
            echo()
            echo(f"{hit.label}  ({hit.issuer or UNKNOWN}, {hit.year or UNKNOWN})", bold=True)
        echo(f"  [{hit.section or '（正文）'}]  {links(hit.report_id, hit.passage_id)}")
        # The text is made printable inside, before the styles' escape codes are added.
        click.echo("    " + _emphasise(printable(hit.text), hit.highlights))


@main.command(epilog="\b\n" + QUERY_HELP)
@click.argument("query")
@index_option
@click.option(
    "--width",
    type=click.IntRange(1, MAX_WIDTH),
    default=DEFAULT_WIDTH,
    show_default=True,
    help="Characters of context on each side.",
)
@click.option(
    "--limit", type=click.IntRange(1, 1_000_000), default=50, show_default=True, help="Lines."
)
@click.option("--offset", type=click.IntRange(0), default=0, help="Lines to skip first.")
@click.option(
    "--sort",
    type=click.Choice(list(KWIC_SORTS)),
    default="report",
    show_default=True,
    help="report: reports in rank order, each from its start; left/right: by the context.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON /api/kwic returns.")
@base_url_option
@friendly_errors
def kwic(
    query: str,
    index_dir: Path,
    width: int,
    limit: int,
    offset: int,
    sort: str,
    as_json: bool,
    links: Links,
) -> None:
    """Every occurrence of QUERY on one line, aligned between its left and right context."""
    engine, result = _search(index_dir, query)
    found = result.concordance(width=width, sort=sort)
    rows = found.rows(offset, limit)
    if as_json:
        data = {
            "query": query,
            "total": found.total,
            "rows": [
                {
                    "report_id": r.report_id,
                    "passage_id": r.passage_id,
                    "left": r.left,
                    "match": r.match,
                    "right": r.right,
                    "url": links(r.report_id, r.passage_id),
                }
                for r in rows
            ],
            "shards": result.shards.as_json(),
        }
        echo(json_text(data))
        return
    echo(f"{result.interpretation}: {found.total} 处，{result.total_passages} 段")
    if not found.total:
        _did_you_mean(engine, query)
        return
    columns = max(display_width(printable(r.left)) for r in rows) if rows else 0
    for row in rows:
        left = printable(row.left)
        pad = " " * (columns - display_width(left))
        match = click.style(printable(row.match), bold=True, fg="red")
        click.echo(
            f"{pad}{left} {match} {printable(row.right)}  {links(row.report_id, row.passage_id)}"
        )


def _emphasise(text: str, spans: list[list[int]], width: int = 160) -> str:
    """Show a window of text around the first match, matches in bold where supported."""
    if not spans:
        return text[:width] + ("…" if len(text) > width else "")
    start = max(0, spans[0][0] - width // 4)
    end = min(len(text), start + width)
    pieces, cursor = [], start
    for left, right in spans:
        if right <= start or left >= end:
            continue
        left, right = max(left, start), min(right, end)
        pieces.append(text[cursor:left])
        pieces.append(click.style(text[left:right], bold=True, fg="red"))
        cursor = right
    pieces.append(text[cursor:end])
    return ("…" if start else "") + "".join(pieces) + ("…" if end < len(text) else "")
