"""`python -m webapp` (and `report-search-web`): check the port and the index, then serve.

The command line of the web app, a thin shell like `indexer.cli`: it reads its options
with click, says what is wrong in Chinese (a taken port, a missing index) and runs
gunicorn's worker processes over the app (`serving.server`).
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

import click

from indexer.cli.usage import ChineseCommand
from indexer.errors import IndexMissingError
from indexer.search.engine import open_index
from indexer.settings import DEFAULT_INDEX_DIR, INDEX_DIR_ENV
from webapp import create_app
from webapp.serving.ports import listen_problem
from webapp.serving.server import (
    DEFAULT_THREADS,
    GunicornServer,
    default_workers,
    gunicorn_options,
    warm,
)


@click.command(cls=ChineseCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--index",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help=f"索引文件夹（默认：${INDEX_DIR_ENV}，否则 {DEFAULT_INDEX_DIR}）",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=5000,
    show_default=True,
    help="监听端口（0：任选空闲端口）",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=default_workers,
    show_default="每个 CPU 核一个",
    help="工作进程数",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=DEFAULT_THREADS,
    show_default=True,
    help="每个进程同时处理的连接数",
)
def main(index: Path | None, host: str, port: int, workers: int, threads: int) -> None:
    """提供报告检索网页服务（gunicorn 多进程，绝不用 Flask 的调试服务器）。"""
    problem = listen_problem(host, port)
    if problem is not None:
        message, hint = problem
        click.echo(f"错误：{message}。\n{hint}。", err=True)
        sys.exit(2)
    overrides: dict[str, object] = {"BIND_HOST": host}
    if index:
        overrides["INDEX_DIR"] = index
    app = create_app(overrides)
    index_dir = app.config["INDEX_DIR"]
    try:
        warm(open_index(index_dir))  # loaded once here, before the workers fork
    except IndexMissingError as exc:
        click.echo(f"错误：{exc.message}", err=True)
        click.echo(f"先建立索引：python -m indexer build data/sample --index {index_dir}", err=True)
        sys.exit(2)

    def on_ready(arbiter: Any) -> None:
        bound_host, bound_port = arbiter.LISTENERS[0].sock.getsockname()[:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        click.echo(
            f"正在提供检索服务：http://{shown}:{bound_port}/ （索引 {index_dir}；"
            f"{workers} 个进程 × 每个 {threads} 个线程；按 Ctrl-C 停止）"
        )

    # What the master loaded is shared by the forked workers page for page as long as
    # nothing writes to it; moving it out of the collector's reach keeps the collector
    # from touching (and so copying) every object in every worker.
    gc.collect()
    gc.freeze()
    GunicornServer(app, gunicorn_options(host, port, workers, threads, on_ready)).run()
