"""Connecting this process to a Ray cluster: `local`, `auto` or an address, said in Chinese.

`--ray ADDRESS` takes three forms. `local` starts a Ray cluster on this machine for the
command and stops it after; `auto` joins the cluster already running here (`ray start
--head`, or `RAY_ADDRESS`); anything else is the address of a cluster's head node,
`host:port` (its GCS port, 6379 unless `ray start --port` said otherwise). An address
that does not answer is refused in a few seconds (Ray itself would wait minutes), and a
missing Ray install is said with what to install: Ray is optional (`requirements-ray.txt`).

Every process of the cluster runs this package as the connecting process has it: the
`indexer` folder is shipped to the cluster with the job (Ray's `py_modules`), so a build's
tasks and a shard's actors run the code of the command that started them, not whatever
version a node has installed. The other packages (`requirements.txt`, Ray's) must be
installed on every node.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import indexer
from indexer.errors import ReportSearchError

LOCAL = "local"
AUTO = "auto"
NAMESPACE = "report-search"  # named actors (the shards' services) are looked up in it
ANSWER_SECONDS = 3.0  # how long a head node's address may take to accept a connection
TOKEN_LOGGER = "ray._private.authentication.authentication_token_setup"


class RayUnavailableError(ReportSearchError):
    """Ray is not installed, or its cluster does not answer."""

    status = 503


def require_ray() -> None:
    """Fail in Chinese, saying what to install, when Ray cannot be imported."""
    try:
        import ray  # noqa: F401
    except ImportError:
        raise RayUnavailableError(
            "没有安装 Ray：--ray 要用它在集群上建索引和提供检索",
            hint="安装可选依赖：.venv/bin/pip install -r requirements-ray.txt"
            "（scripts/test 会装，scripts/run 不装）",
        ) from None


def check_address(address: str) -> None:
    """Fail in Chinese unless the cluster address is one Ray can try: `local`, `auto`, or a
    host:port that accepts a connection within `ANSWER_SECONDS`."""
    if address in (LOCAL, AUTO):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise RayUnavailableError(
            f"Ray 集群地址 {address} 的格式不对",
            hint="写成 主机:端口（如 10.0.0.5:6379），或用 local、auto",
        )
    try:
        socket.create_connection((host.strip("[]"), int(port)), ANSWER_SECONDS).close()
    except OSError as exc:
        raise RayUnavailableError(
            f"Ray 集群地址 {address} 没有应答（{exc.strerror or exc}）",
            hint="确认头节点已用 ray start --head 启动、地址和端口无误、防火墙放行；"
            "或用 --ray local 在本机启动一个",
        ) from None


def init_options(address: str) -> dict[str, Any]:
    """What `ray.init` is given: the address, our namespace, this package shipped along."""
    package = Path(indexer.__file__).parent
    options: dict[str, Any] = {
        "address": address,
        "namespace": NAMESPACE,
        "runtime_env": {"py_modules": [str(package)], "excludes": ["__pycache__"]},
        "logging_level": logging.WARNING,
    }
    if address == LOCAL:
        options["include_dashboard"] = False
    return options


def join(address: str) -> bool:
    """Connect this process to the cluster at `address` unless it is connected already;
    return whether this call connected it (so its caller disconnects it)."""
    require_ray()
    import ray

    if ray.is_initialized():
        return False
    check_address(address)
    # Ray says in English, for every process joining, that the cluster wants a token:
    # the README says so once (and what to copy to each node).
    logging.getLogger(TOKEN_LOGGER).setLevel(logging.ERROR)
    if address == LOCAL:
        # A cluster of our own is nobody's to report on: no usage statistics sent.
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    else:
        # Ray protects a cluster it starts with a token (~/.ray/auth_token), and uses the
        # token to join one only when it finds the cluster itself (`auto`): by address too.
        from ray._private.authentication.authentication_token_setup import (
            maybe_enable_token_auth_if_token_available,
        )

        maybe_enable_token_auth_if_token_available(warn_if_disabled=False)
    try:
        ray.init(**init_options(address))
    except ConnectionError as exc:
        raise RayUnavailableError(
            f"没有找到 Ray 集群（{address}）：{exc}",
            hint="先在头节点运行 ray start --head，再用 --ray auto 或 --ray 主机:端口"
            "（集群用令牌认证时，把头节点的 ~/.ray/auth_token 复制到本机同一位置）；"
            "或用 --ray local 在本机启动一个",
        ) from None
    return True


@contextlib.contextmanager
def connected(address: str) -> Iterator[str]:
    """Be connected to the cluster at `address` for the body; yield its GCS address.

    A process connected already stays so (its connection is its owner's to end); else
    the connection made here ends after the body, and with `local` the cluster stops.
    """
    joined = join(address)
    import ray

    try:
        yield str(ray.get_runtime_context().gcs_address)
    finally:
        if joined:
            ray.shutdown()
