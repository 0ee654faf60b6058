"""Which Host names the app answers to, and the public base URL of the links it gives out.

A request whose Host header names another host gets a 400 before any view runs: a page
reached through a name we do not own (DNS rebinding, a spoofed Host in a cache) is refused
rather than served. ALLOWED_HOSTS lists the names; a name starting with a dot also allows
its subdomains, and "*" allows any. By default: the localhost names and the address the
server is bound to (BIND_HOST, set by `python -m webapp`).

External links (the permalinks in CSV exports) are built from PUBLIC_BASE_URL when it is
set (e.g. https://search.example.org/reports), not from the Host the request came with.

Why not Flask's TRUSTED_HOSTS: werkzeug cuts each trusted name at its first colon (to drop
a port), so an IPv6 address such as ::1 can never be trusted, and `python -m webapp --host
::1` would refuse its own address; its refusal is also werkzeug's English 400.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, request

from indexer.errors import ReportSearchError

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
WILDCARD_BINDS = ("", "0.0.0.0", "::")


class HostNotAllowed(ReportSearchError):
    """The request's Host header names a host this app does not serve."""

    status = 400


def parse_hosts(value: str | Iterable[str] | None) -> list[str] | None:
    """Read a host list from config: a list, or a comma- or space-separated string."""
    if value is None:
        return None
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    return [normalize_host(h) for h in items if h.strip()]


def normalize_host(host: str) -> str:
    """Return a host name without port or IPv6 brackets, lower case: what lists compare."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    if host.count(":") == 1:  # name:port; more colons is a bare IPv6 address
        host = host.partition(":")[0]
    return host.rstrip(".")


def default_hosts(bind_host: str | None) -> list[str]:
    hosts = list(LOCAL_HOSTS)
    if bind_host and bind_host not in WILDCARD_BINDS:
        hosts.append(normalize_host(bind_host))
    return hosts


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    """Tell whether a Host header value (`name[:port]`) matches the allowed list."""
    name = normalize_host(host)
    if not name:
        return False
    for entry in allowed:
        if entry == "*" or entry == name:
            return True
        if entry.startswith(".") and (name.endswith(entry) or name == entry[1:]):
            return True
    return False


def check_public_base_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"PUBLIC_BASE_URL must be an http(s) URL without query: {value!r}")
    return value.rstrip("/")


class PublicURLFlask(Flask):
    """Flask, building external URLs on PUBLIC_BASE_URL when it is configured."""

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        base = self.config.get("PUBLIC_BASE_URL")
        if not base or not _external:
            return super().url_for(
                endpoint,
                _anchor=_anchor,
                _method=_method,
                _scheme=_scheme,
                _external=_external,
                **values,
            )
        # The base URL says scheme, host and the path the app is mounted on.
        path = super().url_for(endpoint, _anchor=_anchor, _method=_method, **values)
        root = request.script_root if request else ""
        if root and path.startswith(root):
            path = path[len(root) :]
        return str(base) + path


def init_app(app: Flask) -> None:
    """Resolve ALLOWED_HOSTS and PUBLIC_BASE_URL, and refuse requests for other hosts."""
    allowed = parse_hosts(app.config.get("ALLOWED_HOSTS"))
    if allowed is None:
        allowed = default_hosts(app.config.get("BIND_HOST"))
    app.config["ALLOWED_HOSTS"] = allowed
    if app.config.get("PUBLIC_BASE_URL"):
        app.config["PUBLIC_BASE_URL"] = check_public_base_url(app.config["PUBLIC_BASE_URL"])
        public = urlsplit(app.config["PUBLIC_BASE_URL"]).hostname or ""
        if "*" not in allowed and not host_allowed(public, allowed):
            allowed.append(normalize_host(public))

    @app.before_request
    def check_host() -> None:
        host = request.headers.get("Host") or request.environ.get("SERVER_NAME", "")
        if not host_allowed(host, app.config["ALLOWED_HOSTS"]):
            raise HostNotAllowed(
                "不接受这个主机名",
                hint="请用服务器配置的网址访问（ALLOWED_HOSTS / REPORT_SEARCH_ALLOWED_HOSTS）",
            )


def is_loopback(host: str) -> bool:
    """Tell whether a host is a loopback address or the name localhost."""
    name = normalize_host(host)
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
