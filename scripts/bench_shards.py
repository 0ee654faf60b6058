"""The cost of shards: query latency of one index, N shards in this process, N through Ray.

`scripts/benchmark.py --shards N [--ray local]` runs this: the corpus is built as one
index and as N shards (each `python -m indexer build` in a child process; with `--ray`
the sharded index is built a second time on a local Ray cluster, timed, and checked to
be the same index), then every query of `benchmark.QUERIES` is timed as the web API runs
it (exact totals, occurrences, facets, the first 10 hits with highlights) on one index,
on the shards searched in this process, and on the shards served by Ray actors (one
replica each, on a local cluster). The fan-out cost of a query is its median on the
shards less its median on one index; the table gives every query's and their median.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from indexer.index.layout import IndexLayout
from indexer.search.engine import SearchEngine, open_index
from indexer.search.results import result_to_json


def _api_answer(engine: Any) -> Callable[[str], dict[str, object]]:
    def run(query: str) -> dict[str, object]:
        return result_to_json(engine.search(query), lambda r, p: "", 0, 10)

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
    timed: Callable[..., tuple[float, float, object]],
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
        figures = _time_queries(engines, runs, queries, timed)
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
    engines: dict[str, Any], runs: int, queries: list[str], timed: Callable[..., Any]
) -> dict[str, dict[str, dict[str, float]]]:
    rows: dict[str, dict[str, dict[str, float]]] = {}
    for query in queries:
        rows[query] = {}
        totals = set()
        for name, engine in engines.items():
            answer = _api_answer(engine)
            median, p95, result = timed(lambda q=query, a=answer: a(q), runs)
            totals.add((result["total_passages"], result["total_reports"]))
            rows[query][name] = {"median_ms": round(median, 2), "p95_ms": round(p95, 2)}
        assert len(totals) == 1, f"{query}: the engines disagree: {totals}"
    return rows


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
