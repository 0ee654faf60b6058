"""`python -m webapp` (and `report-search-web`): check the port and the index, then serve.

The command line of the web app, a thin shell like `indexer.cli`: it reads its options
with click, says what is wrong in Chinese (a taken port, a missing index) and runs
gunicorn's worker processes over the app (`serving.server`).
"""

from __future__ import annotations

import contextlib
import gc
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask

from indexer.cli.usage import ChineseCommand
from indexer.errors import IndexMissingError, ReportSearchError
from indexer.search.engine import current_generation, open_index
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
@click.option(
    "--ray",
    "ray_address",
    default=None,
    metavar="ADDRESS",
    help="分片索引的各分片由 Ray 集群上的 actor 提供检索：local（为本服务在本机启动一个集群）、"
    "auto（加入本机已运行的集群）或头节点的 主机:端口",
)
@click.option(
    "--replicas",
    type=click.IntRange(1, 16),
    default=1,
    show_default=True,
    help="--ray 时每个分片的副本数（轮流应答，一个挂掉时由其余的应答，并自动重启）",
)
def main(
    index: Path | None,
    host: str,
    port: int,
    workers: int,
    threads: int,
    ray_address: str | None,
    replicas: int,
) -> None:
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
    with contextlib.ExitStack() as stack:
        try:
            if ray_address is None:
                warm(open_index(index_dir))  # loaded once here, before the workers fork
                hooks: dict[str, object] = {}
            else:
                hooks = _serve_on_ray(app, stack, index_dir, ray_address, replicas)
        except ReportSearchError as exc:
            click.echo(f"错误：{exc.message}", err=True)
            if isinstance(exc, IndexMissingError):
                hint = f"先建立索引：python -m indexer build data/sample --index {index_dir}"
            else:
                hint = exc.hint or ""
            click.echo(hint, err=True)
            sys.exit(2)
        _serve(app, host, port, workers, threads, index_dir, hooks)


def _serve_on_ray(
    app: Flask, stack: contextlib.ExitStack, index_dir: Path, address: str, replicas: int
) -> dict[str, object]:
    """Have the shards served by Ray actors (an owner process holds them while the server
    runs, `distributed/hosting.py`), reached through `SHARD_SETS`; return the gunicorn hook
    that connects each worker to the cluster after the fork."""
    from indexer.distributed.connecting import require_ray

    require_ray()
    from indexer.distributed.connecting import join
    from indexer.distributed.hosting import hosted
    from indexer.distributed.serving import TIMEOUT_SECONDS

    current_generation(index_dir)  # a missing index is said before a cluster starts
    shard_sets = stack.enter_context(
        hosted(index_dir, address, replicas=replicas, timeout=TIMEOUT_SECONDS)
    )
    app.config["SHARD_SETS"] = shard_sets

    def connect_worker(_server: Any, _worker: Any) -> None:  # gunicorn's post_fork
        join(shard_sets.address)

    return {"post_fork": connect_worker}


def _serve(
    app: Flask,
    host: str,
    port: int,
    workers: int,
    threads: int,
    index_dir: Path,
    hooks: dict[str, object],
) -> None:
    """Run gunicorn's master and workers over the app until stopped."""

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
    options = gunicorn_options(host, port, workers, threads, on_ready)
    GunicornServer(app, {**options, **hooks}).run()
