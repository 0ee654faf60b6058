#!/usr/bin/env python3
"""Load-test a running report search server on this machine, then report what it took.

    .venv/bin/python scripts/load.py --url http://127.0.0.1:5000 --clients 50 --duration 30

N clients, each a thread with its own keep-alive connection, send requests one after the
other for T seconds: searches for frequent and rare terms (popular ones more often, as
in search logs, plus a share of never-seen queries), with and without filters and
sorts, pages 1–3, as HTML pages (60%) and through the JSON API, now and then a report
opened from a hit (5%) and a CSV export (1%) of a query drawn like the searches (popular
ones more often: exports of 行政复议 or 人民政府, megabytes each, not only of rare terms).
Then it prints requests per second, latency percentiles (p50, p95, p99, max) and errors
(any answer but 200, or no answer; by status) overall and per kind: search page (html),
API, report page, export. `--json` prints the same as one JSON object.

Bounded by design: only loopback targets (127.0.0.0/8, ::1, localhost) are accepted,
the run stops by itself after --warmup plus --duration seconds or --max-requests
requests (all capped), and every request has a timeout. Uses only the standard library.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import random
import socket
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import unquote, urlencode, urlsplit

MAX_CLIENTS = 500
MAX_DURATION = 600.0  # seconds
MAX_REQUESTS = 1_000_000

# Queries in order of popularity (the first asked most often, as in real search logs):
# frequent and rare terms of Chinese official text, a few operators, a few filters.
QUERIES = [
    "行政复议",
    "人民政府",
    "行政处罚",
    "法",
    "安全生产",
    "的",
    "法治政府建设",
    "环境保护",
    "罚款",
    "行政许可",
    "国家",
    "行政复议 OR 行政诉讼",
    "管理",
    "监督检查",
    "居民身份证",
    "行政处罚 -罚款",
    "反电信网络诈骗",
    "规定",
    "(许可 OR 审批) 监督",
    '"行政 复议"',
    "双随机一公开",
    "放管服",
    "一证通办",
    "浙民法〔2023〕45号",
]
FILTERS = [{"year": "2018-2023"}, {"region": "山东"}, {"dept": "人民政府"}, {"region": "浙江"}]
CHARS = "法律行政管理国家人民政府监督规定安全环境保护许可审批处罚复议诉讼"
WEIGHTS = [1 / rank for rank in range(1, len(QUERIES) + 1)]  # Zipf
KINDS = ("html", "api", "report", "export")  # search page, JSON API, report page, CSV export


class RefusedTarget(ValueError):
    """The target is not on this machine's loopback interface."""


def loopback_target(url: str) -> tuple[str, int]:
    """Return (host, port) of an http:// URL on loopback; refuse anything else."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise RefusedTarget(f"only http:// URLs on this machine are load-tested, not {url!r}")
    host = parts.hostname
    try:
        port = parts.port or 80
    except ValueError as exc:
        raise RefusedTarget(f"bad port in {url!r}") from exc
    if host == "localhost":
        # Whatever localhost resolves to must be loopback too.
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    else:
        addresses = {host}
    for address in addresses:
        try:
            loopback = ipaddress.ip_address(address.split("%")[0]).is_loopback
        except ValueError:
            loopback = False  # a name other than localhost: never resolved, never a target
        if not loopback:
            raise RefusedTarget(f"{host} is not a loopback address; load goes to 127.0.0.1 only")
    return host, port


@dataclass
class Sample:
    kind: str
    path: str
    at: float  # seconds into the run when it was sent
    seconds: float
    status: int  # 0: no answer (connection error, timeout)
    size: int


@dataclass
class Plan:
    """Draw the next request of one client: (kind, path)."""

    rng: random.Random
    exports: float
    reports: float
    unique: float
    seen_reports: list[str] = field(default_factory=list)

    def query(self) -> str:
        if self.rng.random() < self.unique:  # a query nobody asked before: a cache miss
            return "".join(self.rng.sample(CHARS, 2)) + " " + "".join(self.rng.sample(CHARS, 2))
        return self.rng.choices(QUERIES, weights=WEIGHTS)[0]

    def next(self) -> tuple[str, str]:
        """Draw what this client asks next: (kind, path)."""
        roll = self.rng.random()
        if roll < self.exports:
            return "export", "/export.csv?" + urlencode({"q": self.query()})
        if roll < self.exports + self.reports and self.seen_reports:
            report_id = self.rng.choice(self.seen_reports)
            return "report", f"/reports/{report_id}?" + urlencode({"q": self.query()})
        args: dict[str, object] = {"q": self.query()}
        if self.rng.random() < 0.2:
            args.update(self.rng.choice(FILTERS))
        if self.rng.random() < 0.1:
            args["sort"] = "year"
        page = self.rng.choices([1, 2, 3], weights=[7, 2, 1])[0]
        if self.rng.random() < 0.6:
            return "html", "/search?" + urlencode({**args, "page": page} if page > 1 else args)
        return "api", "/api/search?" + urlencode({**args, "offset": 20 * (page - 1)})


class Client(threading.Thread):
    """One user: a keep-alive connection, requests back to back until the deadline."""

    def __init__(self, run: Run, number: int) -> None:
        super().__init__(name=f"load-client-{number}", daemon=True)
        self.run_ = run
        self.plan = Plan(
            random.Random(run.seed * 1000 + number), run.exports, run.reports, run.unique
        )
        self.samples: list[Sample] = []
        self.connection: http.client.HTTPConnection | None = None

    def run(self) -> None:
        run = self.run_
        while time.monotonic() < run.deadline and run.take():
            kind, path = self.plan.next()
            started = time.monotonic()
            status, size, body = self.fetch(path)
            took = time.monotonic() - started
            self.samples.append(Sample(kind, path, started - run.start, took, status, size))
            if status == 0:
                time.sleep(0.1)  # no server answering: do not spin
            if kind == "api" and status == 200 and len(self.plan.seen_reports) < 50:
                self.remember_reports(body)
        if self.connection is not None:
            self.connection.close()

    def fetch(self, path: str) -> tuple[int, int, bytes]:
        run = self.run_
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    run.host, run.port, timeout=run.timeout
                )
            self.connection.request("GET", path)
            response = self.connection.getresponse()
            body = response.read()
            if response.will_close:
                self.connection.close()
                self.connection = None
            return response.status, len(body), body
        except (OSError, http.client.HTTPException):
            if self.connection is not None:
                self.connection.close()
            self.connection = None
            return 0, 0, b""

    def remember_reports(self, body: bytes) -> None:
        try:
            hits = json.loads(body)["hits"]
        except (ValueError, KeyError, TypeError):
            return
        for hit in hits[:2]:
            if isinstance(hit, dict) and isinstance(hit.get("report_id"), str):
                self.plan.seen_reports.append(hit["report_id"])


class Run:
    """The shared state of one load run: target, limits, and the request budget."""

    def __init__(self, args: argparse.Namespace, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.timeout = args.timeout
        self.seed = args.seed
        self.exports, self.reports, self.unique = args.exports, args.reports, args.unique
        self.warmup = args.warmup
        self.start = self.deadline = 0.0
        self._budget = args.max_requests
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Spend one request of the budget; False when it is spent."""
        with self._lock:
            if self._budget <= 0:
                return False
            self._budget -= 1
            return True


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, round(fraction * len(sorted_values) + 0.5))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarize(samples: list[Sample], elapsed: float, clients: int) -> dict[str, object]:
    """Figures of the samples: rates, latency percentiles, errors, overall and per kind."""

    def figures(group: list[Sample]) -> dict[str, object]:
        times = sorted(s.seconds for s in group)
        errors = [s for s in group if s.status != 200]
        return {
            "requests": len(group),
            "errors": len(errors),
            "error_statuses": dict(Counter(str(s.status) for s in errors)),
            "p50_ms": round(percentile(times, 0.50) * 1000, 1),
            "p95_ms": round(percentile(times, 0.95) * 1000, 1),
            "p99_ms": round(percentile(times, 0.99) * 1000, 1),
            "max_ms": round((times[-1] if times else 0.0) * 1000, 1),
            "mean_bytes": round(sum(s.size for s in group) / len(group)) if group else 0,
        }

    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_kind[sample.kind].append(sample)
    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests_per_second": round(len(samples) / elapsed, 1) if elapsed else 0.0,
        # error_statuses: "0" is no answer (refused, reset, timed out)
        **figures(samples),
        "by_kind": {kind: figures(group) for kind in KINDS if (group := by_kind.get(kind))},
        "slowest": [
            {
                "ms": round(s.seconds * 1000, 1),
                "at_s": round(s.at, 1),
                "kind": s.kind,
                "path": s.path,
            }
            for s in sorted(samples, key=lambda s: -s.seconds)[:5]
        ],
    }


def load(args: argparse.Namespace) -> dict[str, object]:
    """Run the load described by `args` and return the summary."""
    host, port = loopback_target(args.url)
    run = Run(args, host, port)
    clients = [Client(run, n) for n in range(args.clients)]
    cpu = time.process_time()
    run.start = time.monotonic()
    run.deadline = run.start + args.warmup + args.duration
    for client in clients:
        client.start()
    for client in clients:
        # A request in flight at the deadline ends within its timeout.
        client.join(timeout=max(0.0, run.deadline - time.monotonic()) + args.timeout + 5)
    elapsed = time.monotonic() - run.start - args.warmup
    # What was sent during the warm-up is not counted.
    samples = [s for client in clients for s in client.samples if s.at >= args.warmup]
    summary = summarize(samples, elapsed, args.clients)
    summary["warmup_seconds"] = args.warmup
    # The load generator shares the machine with the server: say how much CPU it took.
    summary["client_cpu_seconds"] = round(time.process_time() - cpu, 1)
    return summary


def bounded(kind: type, low: float, high: float):
    def parse(text: str):
        value = kind(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}")
        return value

    return parse


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/load.py", description=__doc__.split("\n\n")[0].strip()
    )
    parser.add_argument("--url", default="http://127.0.0.1:5000", help="server (loopback only)")
    parser.add_argument(
        "--clients", type=bounded(int, 1, MAX_CLIENTS), default=50, help="concurrent clients"
    )
    parser.add_argument(
        "--duration", type=bounded(float, 0.1, MAX_DURATION), default=30.0, help="seconds"
    )
    parser.add_argument(
        "--warmup",
        type=bounded(float, 0, MAX_DURATION / 2),
        default=0.0,
        help="seconds of load before the measured --duration, not counted (default 0)",
    )
    parser.add_argument(
        "--max-requests",
        type=bounded(int, 1, MAX_REQUESTS),
        default=MAX_REQUESTS,
        help="stop after this many requests in all",
    )
    parser.add_argument(
        "--timeout", type=bounded(float, 0.1, 120), default=30.0, help="seconds per request"
    )
    parser.add_argument(
        "--exports", type=bounded(float, 0, 1), default=0.01, help="share of CSV exports"
    )
    parser.add_argument(
        "--reports", type=bounded(float, 0, 1), default=0.05, help="share of report pages"
    )
    parser.add_argument(
        "--unique", type=bounded(float, 0, 1), default=0.05, help="share of never-seen queries"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the request mix")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    return parser.parse_args(argv)


COLUMNS = ("requests", "errors", "p50_ms", "p95_ms", "p99_ms", "max_ms", "mean_bytes")


def print_summary(summary: dict) -> None:
    print(
        f"{summary['clients']} clients, {summary['seconds']} s: {summary['requests']} requests, "
        f"{summary['requests_per_second']} requests/s, {summary['errors']} errors "
        f"(load generator CPU {summary['client_cpu_seconds']} s)"
    )
    print(f"{'kind':8s}" + "".join(f"{c:>11s}" for c in COLUMNS) + "  statuses")
    for kind, figures in [("all", summary), *summary["by_kind"].items()]:
        row = "".join(f"{figures[c]!s:>11s}" for c in COLUMNS)
        print(f"{kind:8s}{row}  {figures['error_statuses'] or ''}")
    print("slowest:")
    for slow in summary["slowest"]:
        where = f"{slow['ms']:>9} ms at {slow['at_s']:>5} s"
        print(f"  {where}  {slow['kind']:6s} {unquote(slow['path'])}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        summary = load(args)
    except RefusedTarget as exc:
        print(f"load.py: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print_summary(summary)
    return 0 if summary["requests"] and not summary["errors"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
