"""Whether the server can listen where it is asked to, said in Chinese before gunicorn tries.

gunicorn meets a taken port with English "Connection in use" lines, retries for seconds
and gives up with "Can't connect", naming no way out. `python -m webapp` (and so
`scripts/run`) asks `listen_problem` first and, on a problem, prints it with what to do
and exits with status 2. A port taken between this check and gunicorn's bind still gets
gunicorn's own message: the check makes the common case clear, it cannot reserve the port.
"""

from __future__ import annotations

import errno
import socket

PORTS_TRIED = 20  # ports after a taken one tried for a free one to suggest
FALLBACK_PORT = 8080


def _bind_error(family: int, address: tuple) -> OSError | None:
    """Bind a socket to `address` as gunicorn will (SO_REUSEADDR); return the error, if any."""
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            return exc
    return None


def _free_port_after(family: int, address: tuple) -> int:
    """A port after `address`'s that is free now, to suggest; FALLBACK_PORT if none is."""
    host, port, *rest = address
    for candidate in range(port + 1, min(port + PORTS_TRIED, 65535) + 1):
        if _bind_error(family, (host, candidate, *rest)) is None:
            return candidate
    return FALLBACK_PORT


def listen_problem(host: str, port: int) -> tuple[str, str] | None:
    """Return (what is wrong, what to do) if the server cannot listen on host:port, else None."""
    if port == 0:  # any free port: nothing to check
        return None
    try:
        family, _, _, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError):
        return f"无法识别监听地址 {host}", "用本机的 IP 地址，例如 --host 127.0.0.1"
    error = _bind_error(family, address)
    if error is None:
        return None
    if error.errno == errno.EADDRINUSE:
        free = _free_port_after(family, address)
        return (
            f"端口 {port} 已被占用：{host}:{port} 上已有程序在监听（可能是另一个检索服务）",
            f"换一个端口，例如 scripts/run --port {free}（或 python -m webapp --port {free}）；"
            "或先停掉占用这个端口的程序",
        )
    if error.errno == errno.EACCES:
        return (
            f"没有权限监听端口 {port}（1024 以下的端口要管理员权限）",
            f"换一个 1024 以上的端口，例如 scripts/run --port {FALLBACK_PORT}",
        )
    if error.errno == errno.EADDRNOTAVAIL:
        return f"本机没有地址 {host}，无法在它上面监听", "用本机的地址，例如 --host 127.0.0.1"
    return (
        f"无法监听 {host}:{port}（{error.strerror}）",
        f"换一个端口，例如 scripts/run --port {FALLBACK_PORT}",
    )
