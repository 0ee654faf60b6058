"""The cost of shards: query latency of one index, N shards in this process, N through Ray.

`scripts/benchmark.py --shards N [--ray local]` runs this: the corpus is built as one
index and as N shards (each `python -m indexer build` in a child process; with `--ray`
the sharded index is built a second time on a local Ray cluster, timed, and checked to
be the same index), then every query of `benchmark.QUERIES` is timed as the web API runs
it (exact totals, occurrences, facets, the first 10 hits with highlights) on one index,
on the shards searched in this process, and on the shards served by Ray actors (one
replica each, on a local cluster), each run a query no cache has seen (`_time_queries`).
The fan-out cost of a query is its median on the shards less its median on one index;
the table gives every query's and their median.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from indexer.index.layout import IndexLayout
from indexer.search.engine import SearchEngine, open_index
from indexer.search.results import result_to_json


def _api_answer(engine: Any) -> Callable[[str], dict[str, object]]:
    """The JSON API's answer to `/api/search?q=…&limit=10`, made as its route makes it."""

    def run(query: str) -> dict[str, object]:
        return result_to_json(engine.search(query, first_hits=10), lambda r, p: "", 0, 10)

    return run


def _manifest(index_dir: Path) -> bytes:
    layout = IndexLayout.current(index_dir)
    assert layout is not None, f"no index in {index_dir}"
    return (layout.root / "CLUSTER.json").read_bytes()


def bench_shards(
    corpus: Path,
    shards: int,
    ray_address: str | None,
    runs: int,
    *,
    queries: list[str],
    run_build: Callable[..., dict],
) -> dict[str, Any]:
    """Build and time as the module says; print a Markdown table; return the figures."""
    workdir = Path(tempfile.mkdtemp(prefix="report-search-shards-"))
    print(f"Building {corpus} as one index and as {shards} shards …", file=sys.stderr)
    builds = {
        "one index": run_build([corpus], workdir / "one"),
        f"{shards} shards": run_build(
            [corpus], workdir / "sharded", extra=["--shards", str(shards)]
        ),
    }
    engines: dict[str, Any] = {
        "one index": SearchEngine.open(workdir / "one"),
        f"{shards} shards in-process": open_index(workdir / "sharded"),
    }
    connection = None
    if ray_address:
        from indexer.distributed.connecting import connected
        from indexer.distributed.serving import RayShardSets

        print(f"Building {shards} shards on Ray ({ray_address}) …", file=sys.stderr)
        extra = ["--shards", str(shards), "--ray", ray_address]
        builds[f"{shards} shards on Ray"] = run_build([corpus], workdir / "on-ray", extra=extra)
        assert _manifest(workdir / "on-ray") == _manifest(workdir / "sharded"), "not the same"
        connection = connected(ray_address)
        address = connection.__enter__()
        engines[f"{shards} shards through Ray"] = open_index(
            workdir / "sharded", RayShardSets(address)
        )
    try:
        figures = _time_queries(engines, runs, queries)
    finally:
        if connection is not None:
            connection.__exit__(None, None, None)
    _print(builds, figures)
    return {
        "builds": {
            name: {"wall_s": round(b["wall_s"], 1), "seconds": b["seconds"]}
            for name, b in builds.items()
        },
        "queries": figures,
        "workdir": str(workdir),
    }


def _time_queries(
    engines: dict[str, Any], runs: int, queries: list[str]
) -> dict[str, dict[str, dict[str, float]]]:
    """Each query's median and p95 on each engine, the engines taking turns run by run (a
    load spike hits them alike). Every run's query differs by trailing spaces, which parse
    to the same query but miss every cache keyed by its text: a shard keeps its searches
    for the coordinator's follow-up calls, and a repeated query would time only those."""
    rows: dict[str, dict[str, dict[str, float]]] = {}
    for query in queries:
        answers = {name: _api_answer(engine) for name, engine in engines.items()}
        times: dict[str, list[float]] = {name: [] for name in engines}
        totals = {(answer(query)["total_passages"]) for answer in answers.values()}  # warm
        assert len(totals) == 1, f"{query}: the engines disagree: {totals}"
        for run in range(runs):
            varied = query + " " * (run + 1)
            for name, answer in answers.items():
                started = time.perf_counter()
                answer(varied)
                times[name].append((time.perf_counter() - started) * 1000)
        rows[query] = {name: _summary(found) for name, found in times.items()}
    return rows


def _summary(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {"median_ms": round(statistics.median(times), 2), "p95_ms": round(p95, 2)}


def _print(builds: dict[str, dict], rows: dict[str, dict[str, dict[str, float]]]) -> None:
    print("\n| build | wall s |\n|---|---|")
    for name, build in builds.items():
        print(f"| {name} | {build['wall_s']:.1f} |")
    names = list(next(iter(rows.values())))
    print("\n| query | " + " | ".join(f"{n} p50 / p95 ms" for n in names) + " |")
    print("|---|" + "---|" * len(names))
    for query, row in rows.items():
        cells = " | ".join(f"{row[n]['median_ms']} / {row[n]['p95_ms']}" for n in names)
        print(f"| `{query}` | {cells} |")
    base = names[0]
    for name in names[1:]:
        costs = [row[name]["median_ms"] - row[base]["median_ms"] for row in rows.values()]
        worst = max(row[name]["p95_ms"] for row in rows.values())
        print(
            f"\n{name}: fan-out cost over {base}, median of the queries' p50 differences "
            f"{statistics.median(costs):.2f} ms (from {min(costs):.2f} to {max(costs):.2f}); "
            f"worst p95 {worst:.2f} ms"
        )
