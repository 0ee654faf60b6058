"""Serving under load: host check, public links, caches, server, load script (the admission
gate: test_admission.py)."""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from gunicorn.workers.gthread import ThreadWorker

from indexer.build import build_index
from webapp import create_app
from webapp.cli import main as serve_command
from webapp.serving.cache import CachedPage, PageStore, page_key
from webapp.serving.engine import CachedEngine, GenerationCache
from webapp.serving.hosts import host_allowed, normalize_host
from webapp.serving.server import BackgroundServer, gunicorn_options

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
sys.path.insert(0, str(ROOT / "scripts"))
import load  # noqa: E402  (scripts/load.py, a script rather than a package module)

# Host check ------------------------------------------------------------------------


def test_requests_for_localhost_are_served(client):
    assert client.get("/search?q=行政复议").status_code == 200
    assert client.get("/", headers={"Host": "127.0.0.1:5000"}).status_code == 200
    assert client.get("/", headers={"Host": "[::1]:5000"}).status_code == 200


def test_a_request_for_another_host_gets_400_before_any_view(client):
    response = client.get("/search?q=行政复议", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "主机名" in response.get_data(as_text=True)
    assert response.headers["X-Frame-Options"] == "DENY"
    api = client.get("/api/search?q=行政复议", headers={"Host": "evil.example:5000"})
    assert api.status_code == 400
    assert "主机名" in api.get_json()["error"]


def test_allowed_hosts_come_from_config_or_environment(sample_index, monkeypatch):
    app = create_app({"INDEX_DIR": sample_index, "ALLOWED_HOSTS": "search.example.org, .gov.cn"})
    client = app.test_client()
    assert client.get("/", headers={"Host": "search.example.org"}).status_code == 200
    assert client.get("/", headers={"Host": "www.sft.gov.cn"}).status_code == 200
    assert client.get("/", headers={"Host": "localhost"}).status_code == 400
    monkeypatch.setenv("REPORT_SEARCH_ALLOWED_HOSTS", "*")
    anyhost = create_app({"INDEX_DIR": sample_index}).test_client()
    assert anyhost.get("/", headers={"Host": "whatever.example"}).status_code == 200


def test_the_bound_address_is_allowed_by_default(sample_index):
    app = create_app({"INDEX_DIR": sample_index, "BIND_HOST": "192.0.2.7"})
    assert "192.0.2.7" in app.config["ALLOWED_HOSTS"]
    assert app.test_client().get("/", headers={"Host": "192.0.2.7:8080"}).status_code == 200
    wildcard = create_app({"INDEX_DIR": sample_index, "BIND_HOST": "0.0.0.0"})
    assert "0.0.0.0" not in wildcard.config["ALLOWED_HOSTS"]


def test_host_matching_ignores_port_case_and_brackets():
    assert normalize_host("[::1]:5000") == "::1"
    assert normalize_host("LocalHost:80") == "localhost"
    assert host_allowed("Search.Example.org.", ["search.example.org"])
    assert not host_allowed("search.example.org.evil.com", ["search.example.org"])
    assert not host_allowed("", ["localhost"])


def _permalinks(client) -> list[str]:
    text = client.get("/export.csv?q=行政复议").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows
    return [row["permalink"] for row in rows]


def test_csv_permalinks_use_the_public_base_url(sample_index):
    app = create_app(
        {"INDEX_DIR": sample_index, "PUBLIC_BASE_URL": "https://search.example.org/rs/"}
    )
    links = _permalinks(app.test_client())
    assert all(link.startswith("https://search.example.org/rs/reports/") for link in links)
    assert all("#p-" in link for link in links)
    # The public host is served, and pages keep relative links.
    page = app.test_client().get("/search?q=行政复议", headers={"Host": "search.example.org"})
    assert page.status_code == 200
    assert 'href="/reports/' in page.get_data(as_text=True)


def test_csv_permalinks_without_a_public_base_url_use_the_request_host(client):
    assert all(link.startswith("http://localhost/reports/") for link in _permalinks(client))


def test_a_malformed_public_base_url_is_refused_at_start(sample_index):
    with pytest.raises(ValueError, match="PUBLIC_BASE_URL"):
        create_app({"INDEX_DIR": sample_index, "PUBLIC_BASE_URL": "search.example.org"})


# Caches ----------------------------------------------------------------------------


def test_generation_cache_evicts_least_recent_past_its_byte_budget():
    cache = GenerationCache(max_bytes=100)
    cache.put("g1", "a", "A", 40)
    cache.put("g1", "b", "B", 40)
    assert cache.get("g1", "a") == "A"  # a is now the most recent
    cache.put("g1", "c", "C", 40)
    assert cache.get("g1", "b") is None
    assert cache.get("g1", "a") == "A" and cache.get("g1", "c") == "C"
    cache.put("g1", "huge", "H", 101)  # larger than the whole budget: not kept
    assert cache.get("g1", "huge") is None and cache.size == 80


def test_generation_cache_forgets_everything_on_a_new_build_id():
    cache = GenerationCache(max_bytes=100)
    cache.put("g1", "a", "A", 10)
    assert cache.get("g2", "a") is None
    assert len(cache) == 0 and cache.generation == "g2"
    assert cache.get("g1", "a") is None


def test_page_store_is_shared_through_its_folder_and_bounded(tmp_path):
    one, other = PageStore(tmp_path, max_bytes=4000), PageStore(tmp_path, max_bytes=4000)
    page = CachedPage(b"<p>\xe8\xa1\x8c</p>" * 100, (("Content-Type", "text/html"),))
    one.put("b1", ("", "/search", b"q=1"), page)
    assert other.get("b1", ("", "/search", b"q=1")) == page  # another worker's store
    assert ("b1", ("", "/search", b"q=1")) in other
    assert other.get("b1", ("", "/search", b"q=2")) is None
    for n in range(2, 12):  # ~14 KB into a 4 KB budget: the oldest go
        time.sleep(0.01)
        one.put("b1", ("", "/search", b"q=%d" % n), page)
    kept = [n for n in range(1, 12) if ("b1", ("", "/search", b"q=%d" % n)) in one]
    assert kept and kept[-1] == 11 and 1 not in kept
    one.put("b2", ("", "/search", b"q=1"), page)  # a new build: the old one's pages go
    assert ("b1", ("", "/search", b"q=11")) not in other
    assert [p.name for p in tmp_path.iterdir()] == [one._path("b2", "x").parent.name]


@pytest.fixture()
def own_index(tmp_path) -> Path:
    """An index of the sample that a test may rebuild (a new generation, a new build id)."""
    build_index([SAMPLE_DIR], tmp_path / "index")
    return tmp_path / "index"


def _rebuild(index_dir: Path) -> None:
    build_index([SAMPLE_DIR], index_dir)


def test_cached_search_returns_the_same_result_until_the_build_id_changes(own_index):
    results = GenerationCache(max_bytes=2**24)
    first = CachedEngine(own_index, results).search("行政复议", filters={"year": ["2023"]})
    again = CachedEngine(own_index, results).search("行政复议", filters={"year": ["2023"]})
    assert again is first
    assert results.hits == 1
    other = CachedEngine(own_index, results).search("行政复议", sort="year")
    assert other is not first

    old_build = results.generation
    _rebuild(own_index)
    engine = CachedEngine(own_index, results)
    fresh = engine.search("行政复议", filters={"year": ["2023"]})
    assert fresh is not first
    assert results.generation == engine.build_id != old_build
    assert [h.passage_id for h in fresh.hits()] == [h.passage_id for h in first.hits()]
    assert fresh.facets == first.facets


def test_repeated_pages_are_served_from_the_cache_byte_for_byte(own_index):
    app = create_app({"INDEX_DIR": own_index})
    caches = app.extensions["report_search_caches"]
    client = app.test_client()
    for url in ("/search?q=行政复议&page=1", "/api/search?q=行政复议&limit=5"):
        first = client.get(url)
        hits = caches.pages.hits
        again = client.get(url)
        assert caches.pages.hits == hits + 1
        assert again.get_data() == first.get_data()
        assert again.headers["Content-Type"] == first.headers["Content-Type"]
        assert again.headers["Content-Security-Policy"]
    # Page 2 of the same query reuses the cached search, not the cached page.
    searched = caches.results.hits
    assert client.get("/search?q=行政复议&page=2").status_code == 200
    assert caches.results.hits > searched

    _rebuild(own_index)
    hits = caches.pages.hits
    assert client.get("/search?q=行政复议&page=1").status_code == 200
    assert caches.pages.hits == hits  # a new build: recomputed, not served from the cache


def test_only_first_pages_and_successes_are_page_cached(client, app):
    assert page_key("/search", {"page": "3"}, b"q=x&page=3") is not None
    assert page_key("/search", {"page": "4"}, b"q=x&page=4") is None
    assert page_key("/api/search", {"offset": "80"}, b"q=x&offset=80") is not None
    assert page_key("/api/search", {"offset": "81"}, b"q=x&offset=81") is None
    # Keyed by day too: a report page's GB/T 7714 citation says the date it was cited.
    assert page_key("/reports/0123456789abcdef", {}, b"q=x") == (
        "",
        "/reports/0123456789abcdef",
        b"q=x",
        date.today().isoformat(),
    )
    assert page_key("/export.csv", {}, b"q=x") is None
    pages = app.extensions["report_search_caches"].pages
    assert client.get("/search?q=(unbalanced").status_code == 400
    assert client.get("/search?q=(unbalanced").status_code == 400
    assert pages.hits == 0


# Server and load script ------------------------------------------------------------


def test_command_line_defaults_run_gthread_workers_with_preload():
    options = gunicorn_options("127.0.0.1", 0, workers=3, threads=8)
    assert options["workers"] == 3 and options["threads"] == 8
    assert issubclass(options["worker_class"], ThreadWorker) and options["preload_app"] is True
    assert options["bind"] == "127.0.0.1:0" and options["timeout"] > 0
    assert gunicorn_options("::1", 5000, 1, 1)["bind"] == "[::1]:5000"


@pytest.mark.parametrize(
    "args", [["--workers", "0"], ["--threads", "0"], ["--port", "70000"], ["--port", "x"]]
)
def test_command_line_refuses_impossible_options(runner, args):
    result = runner.invoke(serve_command, args)
    assert result.exit_code == 2 and f"错误：选项 {args[0]} 的值不对：应是" in result.output


def test_load_script_refuses_targets_off_this_machine():
    for url in (
        "http://10.0.0.1:5000",
        "http://192.168.1.10/",
        "http://example.com/",
        "https://127.0.0.1/",
        "ftp://127.0.0.1/",
    ):
        with pytest.raises(load.RefusedTarget):
            load.loopback_target(url)
    assert load.loopback_target("http://127.0.0.2:8080") == ("127.0.0.2", 8080)
    assert load.loopback_target("http://[::1]:5000") == ("::1", 5000)
    assert load.loopback_target("http://localhost:5000") == ("localhost", 5000)
    assert load.main(["--url", "http://10.1.2.3:5000", "--duration", "1"]) == 2


def test_load_script_bounds_its_own_run():
    with pytest.raises(SystemExit):
        load.parse_args(["--duration", "3600"])
    with pytest.raises(SystemExit):
        load.parse_args(["--clients", "5000"])


def test_a_short_load_run_against_a_background_server(sample_index, capsys):
    app = create_app({"INDEX_DIR": sample_index})
    with BackgroundServer(app) as server:
        limits = ["--clients", "4", "--duration", "1.5", "--max-requests", "200"]
        mix = ["--exports", "0.1", "--reports", "0.1", "--json"]
        code = load.main(["--url", server.url, *limits, *mix])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    assert 0 < summary["requests"] <= 200
    assert summary["errors"] == 0 and summary["requests_per_second"] > 0
    assert summary["p50_ms"] <= summary["p95_ms"] <= summary["p99_ms"] <= summary["max_ms"]
    assert set(summary["by_kind"]) == {"html", "api", "report", "export"}
    for kind, figures in summary["by_kind"].items():
        assert figures["requests"] > 0 and figures["errors"] == 0, kind
        assert figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"], kind


@pytest.fixture(scope="module")
def served(sample_index):
    """`python -m webapp` on a free port with 2 workers: (its first line, its URL)."""
    command = [sys.executable, "-m", "webapp", "--index", str(sample_index), "--port", "0"]
    with subprocess.Popen(
        [*command, "--workers", "2", "--threads", "4"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ) as process:
        try:
            line = process.stdout.readline()  # type: ignore[union-attr]
            found = re.search(r"http://[^/\s]+", line)
            assert found is not None, line
            yield line, found.group(0)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def test_python_m_webapp_serves_with_gunicorn_workers(served):
    line, url = served
    assert "正在提供检索服务" in line and "2 个进程" in line, line
    assert load.main(["--url", url, "--clients", "4", "--duration", "1"]) == 0
    connection = http.client.HTTPConnection(*load.loopback_target(url), timeout=10)
    try:
        connection.request("GET", "/api/search?q=%E6%B3%95", headers={"Host": "evil.example"})
        assert connection.getresponse().status == 400
    finally:
        connection.close()


def raw_get(url: str, target: bytes) -> tuple[int, bytes]:
    """Send `GET target` with its bytes as they are (as curl does); return (status, body)."""
    host, port = load.loopback_target(url)
    with socket.create_connection((host, port), timeout=10) as connection:
        connection.sendall(
            b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def test_raw_utf8_in_the_request_line_is_read_as_percent_encoded(served, engine):
    _, url = served
    query = "行政复议"
    expected = engine.search(query)
    status, body = raw_get(url, b"/api/search?q=" + query.encode())
    assert status == 200, body[:300]
    data = json.loads(body)
    assert data["query"] == query
    assert (data["total_reports"], data["total_passages"]) == (
        expected.total_reports,
        expected.total_passages,
    )
    status, body = raw_get(url, f"/search?q={query}&region=浙江".encode())
    assert status == 200
    assert f'value="{query}"'.encode() in body
    # gunicorn's own checks still stand: a control character in the target is refused.
    assert raw_get(url, b"/api/search?q=\x01")[0] == 400


def test_a_busy_port_is_named_in_chinese_with_how_to_choose_another(sample_index):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "webapp", "--index", str(sample_index), "--port", str(port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    assert done.returncode == 2
    assert f"端口 {port} 已被占用" in done.stderr, done.stderr
    suggested = re.search(r"scripts/run --port (\d+)", done.stderr)
    assert suggested is not None and int(suggested[1]) != port, done.stderr
    assert "Connection in use" not in done.stdout + done.stderr
    assert "正在提供检索服务" not in done.stdout
