"""The web app and the CLI over a sharded index: every route answers what it answers over
one index of the same files, every JSON answer says which shards answered, and a missing
shard gives a 503 naming it, or, asked with partial=1, an answer marked incomplete."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from indexer.cli import main
from indexer.index.cluster import shard_of
from indexer.search.engine import SearchEngine, open_index
from indexer.search.shard_set import LocalShards
from indexer.search.sharded import ShardedEngine
from tests.conftest import LIUPANSHUI_2023, SHARDS
from tests.helpers import SendingAhead, ShardsBetween, nonempty

LIUPANSHUI_2022 = "d158419d008893af"
_TIMING = re.compile(r"\d+(?:\.\d+)? ?(?:ms|毫秒)")  # the time a search took


def client_of(index_dir: Path):
    from webapp import create_app

    return create_app({"TESTING": True, "INDEX_DIR": index_dir}).test_client()


@pytest.fixture(scope="module")
def clients(workbench_index: Path, sharded_workbench_index: Path):
    return client_of(workbench_index), client_of(sharded_workbench_index)


def without(data: Any, *keys: str) -> Any:
    return {k: v for k, v in data.items() if k not in keys}


JSON_ROUTES = [
    ("/api/search", {"q": "行政复议"}),
    ("/api/search", {"q": "法", "offset": "15", "limit": "30", "sort": "year"}),
    ("/api/search", {"q": "法治", "region": "贵州", "within": "建设"}),
    ("/api/trends", {"q": "行政复议"}),
    ("/api/collocations", {"q": "法治"}),
    ("/api/kwic", {"q": "行政复议", "sort": "right", "offset": "3", "limit": "25"}),
    ("/api/kwic", {"q": "法", "offset": "40", "limit": "30"}),
    (f"/api/reports/{LIUPANSHUI_2023}", {}),
    (f"/api/reports/{LIUPANSHUI_2023}/similar", {}),
    ("/api/compare", {"a": LIUPANSHUI_2023, "b": LIUPANSHUI_2022}),
]


@pytest.mark.parametrize(("route", "args"), JSON_ROUTES)
def test_every_api_route_answers_as_over_one_index(clients, route: str, args: dict) -> None:
    one, three = (client.get(route, query_string=args) for client in clients)
    assert one.status_code == three.status_code == 200
    expected, found = one.get_json(), three.get_json()
    assert expected["shards"] == {"total": 1, "answered": 1}
    assert found["shards"] == {"total": SHARDS, "answered": SHARDS}
    assert without(found, "took_ms", "shards") == without(expected, "took_ms", "shards")
    assert any(isinstance(v, list) and v for v in expected.values()), "something to compare"


PAGES = [
    ("/", {}),
    ("/search", {"q": "行政复议"}),
    ("/search", {"q": "法", "page": "2", "sort": "oldest", "year": "2023"}),
    ("/search", {"q": "法治", "issuer": "六盘水市民政局", "trend": "occurrences"}),
    ("/search", {"q": "行政复仪"}),  # did you mean
    (f"/reports/{LIUPANSHUI_2023}", {"q": "行政复议"}),
    ("/kwic", {"q": "行政复议", "sort": "left", "width": "15"}),
    ("/compare", {"a": LIUPANSHUI_2023, "b": LIUPANSHUI_2022}),
    ("/compare", {"a": LIUPANSHUI_2023}),
    ("/similar", {}),
]


@pytest.mark.parametrize(("route", "args"), PAGES)
def test_every_page_reads_as_over_one_index(clients, route: str, args: dict) -> None:
    one, three = (client.get(route, query_string=args) for client in clients)
    assert one.status_code == three.status_code == 200
    expected = _TIMING.sub("… ms", one.get_data(as_text=True))
    assert _TIMING.sub("… ms", three.get_data(as_text=True)) == expected
    assert "partial-notice" not in expected


def sheets(data: bytes) -> dict[str, list[tuple[object, ...]]]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def feed_entries(data: bytes) -> list[list[tuple[str, str]]]:
    """Each entry's elements but `updated` (each index was built at its own time)."""
    atom = "{http://www.w3.org/2005/Atom}"
    entries = ET.fromstring(data).findall(f"{atom}entry")
    return [
        [(e.tag, (e.text or "") + json.dumps(e.attrib)) for e in entry if e.tag != f"{atom}updated"]
        for entry in nonempty(entries)
    ]


def test_exports_and_feeds_stream_as_over_one_index(clients) -> None:
    def both(route: str, **args: str) -> Iterator[bytes]:
        for client in clients:
            response = client.get(route, query_string=args)
            assert response.status_code == 200
            yield response.get_data()

    csv_one, csv_three = both("/export.csv", q="法")
    assert csv_one.count(b"\r\n") > 100 and csv_three == csv_one
    kwic_one, kwic_three = both("/kwic.csv", q="法治", sort="right")
    assert kwic_one.count(b"\r\n") > 50 and kwic_three == kwic_one
    book_one, book_three = (sheets(data) for data in both("/export.xlsx", q="行政复议"))
    assert len(book_one["段落"]) > 10 and book_three == book_one
    feed_one, feed_three = (feed_entries(data) for data in both("/feed.atom", q="行政复议"))
    assert feed_three == feed_one


# --- Hits sent ahead ------------------------------------------------------------------------


Between = TypeVar("Between", bound=ShardsBetween)


def served_through(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch, between: Callable[[LocalShards], Between]
) -> Between:
    """Have `open_index` (the web app) open the sharded index at `index_dir` with its
    shards reached through `between` (a test double of a transport); return that."""
    opened = open_index(index_dir)
    assert isinstance(opened, ShardedEngine)
    shards = between(LocalShards(opened.index_dir, SHARDS, SearchEngine))
    engine = ShardedEngine(opened.index_dir, opened.name, shards)
    monkeypatch.setitem(SearchEngine._cache, (opened.index_dir, None), engine)
    return shards


@pytest.fixture()
def sending_ahead(sharded_sample_index: Path, monkeypatch: pytest.MonkeyPatch) -> SendingAhead:
    """The sharded sample's shards sending first hits ahead, as Ray actors do."""
    return served_through(sharded_sample_index, monkeypatch, SendingAhead)


@pytest.mark.parametrize(
    ("route", "args", "sent"),
    [
        ("/api/search", {"q": "法", "limit": "5"}, 5),
        ("/api/search", {"q": "法", "offset": "3", "limit": "10"}, 13),
        ("/api/search", {"q": "法", "offset": "20", "limit": "10"}, 0),
        ("/api/trends", {"q": "法"}, 0),
        ("/search", {"q": "法"}, 0),
        ("/kwic", {"q": "法"}, 0),
    ],
)
def test_a_route_has_the_shards_send_the_first_hits_it_reads(
    sending_ahead: SendingAhead, sharded_client, route: str, args: dict, sent: int
) -> None:
    """An API page from the start has its hits sent with the shards' first answers and
    asks no more; a page past a page's worth, and routes that read no hits (report
    groups, counts, lines), have none made."""
    assert sharded_client.get(route, query_string=args).status_code == 200
    assert set(nonempty(sending_ahead.sent)) == {sent}
    reads_more = route.startswith("/api/search") and not sent
    assert ("hits" in sending_ahead.calls) == reads_more


# --- A shard that does not answer -----------------------------------------------------------


class Dropping(ShardsBetween):
    """A `ShardSet` whose shards in `missing` do not answer (a test double for failure
    only: a shard actor killed for real is the Ray shard set's test)."""

    def __init__(self, shards: LocalShards, missing: set[int]) -> None:
        super().__init__(shards)
        self.missing = missing

    def relay(self, method: str, args: dict[int, tuple[Any, ...]]) -> dict[int, Any]:
        answering = {k: a for k, a in args.items() if k not in self.missing}
        return super().relay(method, answering) if answering else {}


DOWN = 1  # the shard that does not answer


@pytest.fixture()
def dropping(sharded_sample_index: Path, monkeypatch: pytest.MonkeyPatch) -> Dropping:
    """The sharded sample, its shard DOWN not answering, as `open_index` opens it."""
    return served_through(sharded_sample_index, monkeypatch, lambda s: Dropping(s, {DOWN}))


@pytest.fixture()
def sharded_client(sharded_sample_index: Path):
    return client_of(sharded_sample_index)


def answering_reports(engine: SearchEngine, query: str) -> tuple[int, int]:
    """(reports, passages) of `query` in the shards that answer, counted on one index."""
    groups = engine.search(query).groups(passages_per_group=0)
    kept = [g for g in nonempty(groups) if shard_of(g.report_id, SHARDS) != DOWN]
    assert len(kept) < len(groups), "the missing shard holds some of the matches"
    return len(kept), sum(g.passage_count for g in kept)


def test_a_missing_shard_is_a_503_that_names_it(dropping, sharded_client) -> None:
    for route in ("/api/search", "/api/trends", "/api/kwic", "/api/collocations"):
        response = sharded_client.get(route, query_string={"q": "法"})
        assert response.status_code == 503, route
        data = response.get_json()
        assert data["shards"] == {"total": SHARDS, "answered": SHARDS - 1, "missing": [DOWN]}
        assert f"分片 {DOWN}" in data["error"] and "partial=1" in data["hint"]
    page = sharded_client.get("/search", query_string={"q": "法"})
    assert page.status_code == 503
    text = BeautifulSoup(page.get_data(as_text=True), "html.parser").get_text()
    assert "没有应答" in text and f"分片 {DOWN}" in text


def test_partial_gives_what_the_other_shards_hold_and_says_so(
    dropping, sharded_client, engine: SearchEngine
) -> None:
    reports, passages = answering_reports(engine, "法")
    response = sharded_client.get("/api/search", query_string={"q": "法", "partial": "1"})
    assert response.status_code == 200
    data = response.get_json()
    assert (data["total_reports"], data["total_passages"]) == (reports, passages)
    assert data["shards"] == {"total": SHARDS, "answered": SHARDS - 1, "missing": [DOWN]}
    # The facets count the answering shards' reports only, each once per facet.
    for name in ("province", "department", "year", "issuer"):
        values = nonempty(data["facets"][name])
        assert sum(v["reports"] for v in values) == reports, name
        assert sum(v["passages"] for v in values) == passages, name
    for route in ("/api/trends", "/api/kwic", "/api/collocations"):
        found = sharded_client.get(route, query_string={"q": "法", "partial": "1"})
        assert found.status_code == 200 and found.get_json()["shards"]["missing"] == [DOWN]
    page = sharded_client.get("/search", query_string={"q": "法", "partial": "1"})
    assert page.status_code == 200
    notice = BeautifulSoup(page.get_data(as_text=True), "html.parser").select(".partial-notice")
    assert len(notice) == 1 and f"分片 {DOWN} 没有应答" in notice[0].get_text()


def test_a_partial_page_is_not_kept_for_when_the_shard_is_back(dropping, sharded_client) -> None:
    args = {"q": "法", "partial": "1"}
    assert b"partial-notice" in sharded_client.get("/search", query_string=args).data
    dropping.missing.clear()  # the shard answers again
    again = sharded_client.get("/search", query_string=args)
    assert again.status_code == 200 and b"partial-notice" not in again.data


def test_a_report_of_the_missing_shard_cannot_be_read_even_partially(
    dropping, sharded_client, engine: SearchEngine
) -> None:
    ids = [r.report_id for r in engine.report_summaries()]
    lost = next(i for i in ids if shard_of(i, SHARDS) == DOWN)
    kept = next(i for i in ids if shard_of(i, SHARDS) != DOWN)
    response = sharded_client.get(f"/api/reports/{lost}", query_string={"partial": "1"})
    assert response.status_code == 503 and response.get_json()["shards"]["missing"] == [DOWN]
    found = sharded_client.get(f"/api/reports/{kept}", query_string={"partial": "1"})
    assert found.status_code == 200 and found.get_json()["report_id"] == kept


def test_a_partial_page_links_on_with_partial_and_its_downloads_without(
    dropping, sharded_client
) -> None:
    page = sharded_client.get("/search", query_string={"q": "法", "partial": "1"})
    assert page.status_code == 200
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    links = [a["href"] for a in soup.select("a[href]") if a["href"][:1] in ("/", "?")]
    pages = [h for h in links if not re.search(r"\.(csv|xlsx|atom)\b", h) and "/static/" not in h]
    downloads = [h for h in links if re.search(r"\.(csv|xlsx|atom)\b", h)]
    assert len(pages) > 20 and nonempty(downloads)
    assert all("partial=1" in h for h in pages)  # facets, pages, reports: the next click too
    assert not any("partial=" in h for h in downloads)
    facet = soup.select("a[data-filter]")[0]["href"]
    assert b"partial-notice" in sharded_client.get(facet).data
    whole = sharded_client.get("/search", query_string={"q": "法"})  # asked without it
    assert whole.status_code == 503
    assert not any("partial=" in a["href"] for a in BeautifulSoup(whole.data, "html.parser")
                   .select("a[href]") if "partial-link" not in (a.get("class") or []))  # fmt: skip


def test_the_missing_shard_page_links_to_the_partial_answer(dropping, sharded_client) -> None:
    page = sharded_client.get("/search", query_string={"q": "法", "province": "贵州省"})
    assert page.status_code == 503
    (link,) = BeautifulSoup(page.get_data(as_text=True), "html.parser").select("a.partial-link")
    assert "partial=1" in link["href"] and "province=" in link["href"]
    partial = sharded_client.get(link["href"])
    assert partial.status_code == 200 and b"partial-notice" in partial.data


@pytest.mark.parametrize("route", ["/export.csv", "/export.xlsx", "/kwic.csv", "/feed.atom"])
def test_a_download_is_whole_or_a_503_never_partial(dropping, sharded_client, route) -> None:
    refused = sharded_client.get(route, query_string={"q": "法", "partial": "1"})
    assert refused.status_code == 400
    assert "不接受 partial=1" in refused.get_data(as_text=True)
    missing = sharded_client.get(route, query_string={"q": "法"})
    assert missing.status_code == 503
    text = missing.get_data(as_text=True)
    assert "所有分片都应答时生成" in text and "partial-link" not in text


@pytest.mark.parametrize("value", ["2", "yes", "true", "１"])
def test_partial_takes_only_0_or_1(sharded_client, value: str) -> None:
    response = sharded_client.get("/api/search", query_string={"q": "法", "partial": value})
    assert response.status_code == 400
    assert "partial 只能是 0 或 1" in response.get_json()["error"]


def test_a_sharded_engine_warmed_before_a_fork_answers_in_the_forked_child(
    sharded_sample_index: Path,
) -> None:
    """python -m webapp warms the index in gunicorn's master, then forks the workers: the
    shards' threads are not in a child, which must start its own."""
    from webapp.serving.server import warm

    engine = open_index(sharded_sample_index)
    warm(engine)
    expected = engine.search("行政复议", filters={"year": ["2023"]}).total_passages
    pid = os.fork()
    if pid == 0:  # the child: a search its shards have not seen, asked of every shard
        status = 1
        try:
            found = engine.search("行政复议", filters={"year": ["2023"]}, sort="year")
            status = 0 if found.total_passages == expected > 0 else 1
        finally:
            os._exit(status)
    deadline = time.monotonic() + 30
    while (waited := os.waitpid(pid, os.WNOHANG))[0] == 0:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked child never answered: it waited for its parent's threads")
        time.sleep(0.05)
    assert os.waitstatus_to_exitcode(waited[1]) == 0


# --- The command line ----------------------------------------------------------------------


def cli_json(runner: CliRunner, *args: str) -> Any:
    result = runner.invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_clis_json_over_shards_is_one_indexs_with_the_shards_said(
    runner: CliRunner, sample_index: Path, sharded_sample_index: Path
) -> None:
    for command in (["search", "行政复议", "--limit", "30"], ["kwic", "法治", "--sort", "left"]):
        one = cli_json(runner, *command, "--index", str(sample_index))
        three = cli_json(runner, *command, "--index", str(sharded_sample_index))
        assert one["shards"] == {"total": 1, "answered": 1}
        assert three["shards"] == {"total": SHARDS, "answered": SHARDS}
        assert without(three, "took_ms", "shards") == without(one, "took_ms", "shards")
    one = cli_json(runner, "stats", "--index", str(sample_index))
    three = cli_json(runner, "stats", "--index", str(sharded_sample_index))
    assert three["shards"] == {"total": SHARDS, "answered": SHARDS}
    kept = ("reports", "passages", "characters", "provinces", "departments", "years")
    assert {k: three[k] for k in kept} == {k: one[k] for k in kept}
    reports = cli_json(runner, "reports", "--index", str(sample_index))
    assert cli_json(runner, "reports", "--index", str(sharded_sample_index)) == reports


def test_a_query_without_hits_is_offered_the_same_suggestions(
    runner: CliRunner, sample_index: Path, sharded_sample_index: Path
) -> None:
    outputs = [
        runner.invoke(main, ["search", "行政复仪", "--index", str(index)]).output
        for index in (sample_index, sharded_sample_index)
    ]
    assert "行政复议" in outputs[0]
    assert _TIMING.sub("", outputs[1]) == _TIMING.sub("", outputs[0])


def test_lone_report_routes_need_their_report_id(
    sharded_client, sharded_engine: ShardedEngine
) -> None:
    assert sharded_client.get(f"/api/reports/{LIUPANSHUI_2023}").status_code == 200
    assert sharded_client.get("/api/reports/0123456789abcdef").status_code == 404
    assert sharded_engine.report(LIUPANSHUI_2023).report_id == LIUPANSHUI_2023
