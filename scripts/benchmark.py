"""Benchmark: this engine against the stock jieba + Whoosh approach, side by side, one run.

Both index the same passages (the ones our pipeline stores). For each query the script
reports hit counts against the truth (Python's `in` over the same passages), and the
median and 95th-percentile time of an exact count plus the top 10 hits with highlights.

    .venv/bin/python scripts/benchmark.py                       # laws corpus, 58 MB
    .venv/bin/python scripts/benchmark.py --corpus data/sample --repeat 120   # ~10 MB
    .venv/bin/python scripts/benchmark.py --skip-stock          # ours only
    .venv/bin/python scripts/benchmark.py --scale 1,3,10 --skip-stock   # growth
    .venv/bin/python scripts/benchmark.py --index DIR --runs 50   # queries on a built index
    .venv/bin/python scripts/benchmark.py --workers 2 # builds with 2 workers and with 1
    .venv/bin/python scripts/benchmark.py --workers 2 --pairs 3 --skip-stock   # + 3 pairs
    .venv/bin/python scripts/benchmark.py --shards 3 --ray local   # one index, 3 shards, Ray
    .venv/bin/python scripts/benchmark.py --workers 2 --shards 3 --ray local   # both

Each query is timed through the engine as the web API runs it: the exact totals, facets
and the first page of hits with highlights (`result_to_json`), warm (repeated) and cold
(the first query of a freshly opened engine). Each build runs as `python -m indexer build`
in a child process, as a user runs it; its peak RSS counts that process and its writer
processes together (sampled from /proc). The query process's RSS and the open time are
measured in a fresh process, as a web worker would see them.

Prints a Markdown table and writes the figures as JSON (--out).
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.build import remove_sources  # noqa: E402
from indexer.normalize import fold  # noqa: E402
from indexer.search.engine import SearchEngine  # noqa: E402
from indexer.search.results import result_to_json  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "laws"
QUERIES = [
    "行政复议",
    "法治政府建设",
    "法治",
    "2023年",
    "法",
    "的",
    "人民政府",
    "〔2023〕",
    "第一条",
    "行政处罚",
    "民法典",
    "45号",
    "不动产登记",
    "依法治校",
    "消费者权益保护",
    "食品安全 监督管理",
    "行政复议 OR 行政诉讼",
    "人民法院 -刑事",
    "国务院",
    "行政复议 year:2000-2023",
    "同句(行政复议 申请)",
    "行政復議",
]


def timed(action, repeat: int) -> tuple[float, float, object]:
    """Run `action` once untimed, then `repeat` times; return median and p95 in ms, and the
    last result. Warm means after one run: the first run right after opening is measured
    apart, in a fresh process (the "cold" column)."""
    action()
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, result


def run_build(
    sources: list[Path],
    index_dir: Path,
    *,
    interval: float = 0.1,
    workers: int | None = None,
    extra: list[str] | None = None,
    sample: bool = True,
) -> dict:
    """Run `python -m indexer build --json` as a user does; return its summary with the
    build's wall time and (`sample`) the peak of its process tree's summed RSS and PSS
    (from /proc).

    A child process, so the figure is the build's own: not this script's memory (opened
    engines, truth texts), which its forked writer processes would otherwise inherit.
    RSS is read every `interval` from each process's statm (one number, no page walk);
    PSS, which walks every page table (`smaps_rollup`), once per `PSS_EVERY` readings:
    walked every 0.1 s, it slowed a 2-worker build of the laws corpus from 26.5-27.0 to
    28.5-28.7 s, and the 2-worker build more than the 1-worker one (more processes).
    """
    command = [sys.executable, "-m", "indexer", "build", "--json", "--quiet"]
    command += [*map(str, sources), "--index", str(index_dir), *(extra or [])]
    if workers is not None:
        command += ["--workers", str(workers)]
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as output:  # a pipe could fill up
        child = subprocess.Popen(command, cwd=ROOT, stdout=output, text=True)
        peak_rss = peak_pss = 0
        if not sample:
            child.wait()
        for reading in itertools.count():
            if child.poll() is not None:
                break
            tree = process_tree(child.pid)
            peak_rss = max(peak_rss, sum(map(resident_bytes, tree)))
            if reading % PSS_EVERY == 0:
                peak_pss = max(peak_pss, sum(map(proportional_bytes, tree)))
            time.sleep(interval)
        if child.returncode != 0:
            raise SystemExit(f"build failed ({child.returncode}): {' '.join(command)}")
        output.seek(0)
        summary = json.loads(output.read())
    summary["wall_s"] = time.perf_counter() - started
    summary["peak_rss"] = peak_rss
    summary["peak_pss"] = peak_pss
    return summary


PSS_EVERY = 10  # RSS readings per PSS reading (`run_build`)
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def build_pairs(
    sources: list[Path], workdir: Path, workers: int, count: int
) -> list[tuple[float, float]]:
    """`count` builds with `workers` workers, each followed by one with 1: wall times."""
    pairs = []
    for number in range(count):
        print(f"Pair {number + 1} of {count}: {workers} workers, then 1 …", file=sys.stderr)
        # Timed only: sampling memory takes 0.3 s of CPU a build, which the 2-worker
        # build, both cores busy, pays in wall time and the 1-worker one does not.
        many = run_build(sources, workdir / "pair-many", workers=workers, sample=False)["wall_s"]
        one = run_build(sources, workdir / "pair-one", workers=1, sample=False)["wall_s"]
        for name in ("pair-many", "pair-one"):
            shutil.rmtree(workdir / name)
        pairs.append((many, one))
    return pairs


def process_tree(pid: int) -> list[int]:
    """A process and its descendants (Linux /proc), those still there."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return found


def resident_bytes(pid: int) -> int:
    """A process's RSS (0 once it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return 0


def proportional_bytes(pid: int) -> int:
    """A process's PSS, which counts a page shared by n processes (the writer processes
    are forked from the build) as 1/n in each instead of whole in each (0 once gone)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


_PROBE = """
import json, sys, time
from pathlib import Path
from indexer.search.engine import SearchEngine
from indexer.search.results import result_to_json
started = time.perf_counter()
engine = SearchEngine.open(sys.argv[1])
opened = time.perf_counter() - started
cold = {}
for query in json.loads(sys.argv[2]):
    started = time.perf_counter()
    result_to_json(engine.search(query), lambda r, p: "", 0, 10)
    cold[query] = round((time.perf_counter() - started) * 1000, 2)
    engine.close()
    SearchEngine._cache.clear()
    engine = SearchEngine.open(sys.argv[1])
for query in json.loads(sys.argv[2]) * 3:
    result_to_json(engine.search(query), lambda r, p: "", 0, 10)
status = Path("/proc/self/status").read_text()
peak = [int(l.split()[1]) * 1024 for l in status.splitlines() if l.startswith("VmHWM:")][0]
print(json.dumps({"open_s": opened, "cold_ms": cold, "rss_bytes": peak}))
"""


def probe_fresh_process(index_dir: Path) -> dict:
    """Open the index in a new process: open time, cold query times, peak RSS."""
    output = subprocess.run(
        [sys.executable, "-c", _PROBE, str(index_dir), json.dumps(QUERIES, ensure_ascii=False)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def truth(folded_passages: list[str], query: str) -> int:
    """Passages matching a query of plain terms, -terms and one OR, by Python's `in`."""
    if ":" in query:
        return -1  # a filtered query: no plain-text truth
    if query.startswith("同句("):
        terms = [fold(t) for t in query[3:-1].split()]
        return sum(
            1
            for p in folded_passages
            if all(t in p for t in terms)
            and any(all(t in s for t in terms) for s in re.split("(?<=[。！？!?])", p))
        )
    if " OR " in query:
        left, right = (fold(part.strip()) for part in query.split(" OR "))
        return sum(1 for p in folded_passages if left in p or right in p)
    wanted = [fold(t) for t in query.split() if not t.startswith("-")]
    unwanted = [fold(t[1:]) for t in query.split() if t.startswith("-")]
    return sum(
        1
        for p in folded_passages
        if all(w in p for w in wanted) and not any(u in p for u in unwanted)
    )


def prepare_corpus(corpus: Path, repeat: int, workdir: Path, *, copy: bool = False) -> list[Path]:
    if repeat <= 1 and not copy:
        return [corpus]
    copies = workdir / "corpus"
    copies.mkdir()
    files = [corpus] if corpus.is_file() else sorted(corpus.rglob("*.txt"))
    for i in range(max(repeat, 1)):
        for n, f in enumerate(files):
            # A marker line keeps each copy a distinct report (identical reports are
            # stored once); the first copy is the corpus as is.
            text = f.read_text(encoding="utf-8")
            marked = text if i == 0 else f"副本{i}\n{text}"
            (copies / f"{i:04d}-{n:05d}-{f.name}").write_text(marked, encoding="utf-8")
    return [copies]


def bench_ours(
    sources: list[Path],
    workdir: Path,
    repeat: int,
    *,
    name: str = "ours",
    truths: bool = True,
    workers: int | None = None,
) -> dict:
    index_dir = workdir / name
    summary = run_build(sources, index_dir, workers=workers)
    probe = probe_fresh_process(index_dir)
    engine = SearchEngine.open(index_dir)
    folded = [fold(t) for _, t in engine.generation.store.iter_texts()] if truths else []
    queries = {}
    for query in QUERIES:

        def run(q=query):
            result = engine.search(q)
            result_to_json(result, lambda r, p: "", 0, 10)
            return result

        median, p95, result = timed(run, repeat)
        queries[query] = {
            "hits": result.total_passages,
            "truth": truth(folded, query) if truths else None,
            "median_ms": round(median, 2),
            "p95_ms": round(p95, 2),
            "cold_ms": probe["cold_ms"][query],
        }
    characters = engine.generation.literal.character_count
    engine.close()  # the scale run's next, larger build must not share memory with it
    SearchEngine._cache.clear()
    return {
        "build_s": round(summary["wall_s"], 1),
        "build_peak_rss_mb": round(summary["peak_rss"] / 1e6),
        "build_peak_pss_mb": round(summary["peak_pss"] / 1e6),
        "stages_s": {k: round(v, 1) for k, v in summary["seconds"].items()},
        "open_s": round(probe["open_s"], 3),
        "query_process_rss_mb": round(probe["rss_bytes"] / 1e6),
        "index_mb": round(folder_size(index_dir) / 1e6),
        "reports": summary["reports"],
        "passages": summary["passages"],
        "characters": characters,
        "queries": queries,
        "texts": folded,
        "index_dir": index_dir,
    }


def bench_index(index_dir: Path, runs: int) -> dict[str, dict]:
    """Time every query on an index already built: warm median / p95, and cold."""
    probe = probe_fresh_process(index_dir)
    engine = SearchEngine.open(index_dir)
    rows = {}
    for query in QUERIES:

        def run(q=query):
            return result_to_json(engine.search(q), lambda r, p: "", 0, 10)

        median, p95, result = timed(run, runs)
        rows[query] = {
            "hits": result["total_passages"],
            "median_ms": round(median, 2),
            "p95_ms": round(p95, 2),
            "cold_ms": probe["cold_ms"][query],
        }
    print(f"open (fresh process): {probe['open_s']:.3f} s\n")
    print("| query | hits | median / p95 ms | cold ms |\n|---|---|---|---|")
    for query, row in rows.items():
        print(
            f"| `{query}` | {row['hits']} | {row['median_ms']} / {row['p95_ms']} "
            f"| {row['cold_ms']} |"
        )
    return {"open_s": probe["open_s"], "queries": rows}


def bench_scale(corpus: Path, factors: list[int], workdir: Path, runs: int) -> list[dict]:
    """Build the corpus at each size; on the largest, time adding and removing one file."""
    rows = []
    for factor in factors:
        folder = workdir / f"scale-{factor}"
        folder.mkdir()
        sources = prepare_corpus(corpus, factor, folder, copy=True)
        print(f"Scale ×{factor} …", file=sys.stderr)
        figures = bench_ours(sources, folder, runs, name="index", truths=False)
        times = sorted(q["median_ms"] for q in figures["queries"].values())
        p95s = sorted(q["p95_ms"] for q in figures["queries"].values())
        row = {
            "factor": factor,
            "build_s": figures["build_s"],
            "build_peak_rss_mb": figures["build_peak_rss_mb"],
            "build_peak_pss_mb": figures["build_peak_pss_mb"],
            "index_mb": figures["index_mb"],
            "open_s": figures["open_s"],
            "query_rss_mb": figures["query_process_rss_mb"],
            "median_of_medians_ms": statistics.median(times),
            "worst_p95_ms": p95s[-1],
            "worst_cold_ms": max(q["cold_ms"] for q in figures["queries"].values()),
            # Per query (JSON only): median, p95 and cold ms.
            "queries": {
                q: [f["median_ms"], f["p95_ms"], f["cold_ms"]]
                for q, f in figures["queries"].items()
            },
        }
        if factor == factors[-1]:
            extra = Path(sources[0]) / "zz-added.txt"
            extra.write_text(
                "一、新增\n本次新增一篇测试报告：紫色萝卜专项整治。\n", encoding="utf-8"
            )
            added = run_build(sources, folder / "index")
            row["add_one_file_s"] = round(added["seconds"]["total"], 2)
            row["add_one_file_wall_s"] = round(added["wall_s"], 2)  # with interpreter start
            row["add_one_file_rss_mb"] = round(added["peak_rss"] / 1e6)
            started = time.perf_counter()
            remove_sources([extra], folder / "index")
            row["remove_one_file_s"] = round(time.perf_counter() - started, 2)
        rows.append(row)
        # A long run shows each size as it ends.
        print(json.dumps(row, ensure_ascii=False), file=sys.stderr, flush=True)
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def bench_stock(texts: list[str], workdir: Path, repeat: int) -> dict:
    """jieba.analyse.ChineseAnalyzer in a Whoosh TEXT field, as its docs suggest."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import jieba
        from jieba.analyse import ChineseAnalyzer
        from whoosh import index as whoosh_index
        from whoosh.fields import ID, TEXT, Schema
        from whoosh.highlight import ContextFragmenter, HtmlFormatter
        from whoosh.qparser import QueryParser
    jieba.setLogLevel(logging.WARNING)
    analyzer = ChineseAnalyzer()
    schema = Schema(pid=ID(stored=True), content=TEXT(stored=True, analyzer=analyzer))
    folder = workdir / "stock"
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema)
    started = time.perf_counter()
    writer = ix.writer(limitmb=256)
    for i, text in enumerate(texts):
        writer.add_document(pid=str(i), content=text)
    writer.commit()
    build_seconds = time.perf_counter() - started
    parser = QueryParser("content", schema)
    queries = {}
    with ix.searcher() as searcher:
        for query in QUERIES:
            parsed = parser.parse(query.replace(" -", " NOT "))

            def run(q=parsed):
                results = searcher.search(q, limit=10)
                results.fragmenter = ContextFragmenter()
                results.formatter = HtmlFormatter()
                for hit in results:
                    hit.highlights("content")
                return results

            median, p95, _results = timed(run, repeat)
            queries[query] = {
                "hits": len(searcher.search(parsed, limit=None)),
                "median_ms": round(median, 2),
                "p95_ms": round(p95, 2),
            }
    return {"build_s": round(build_seconds, 1), "queries": queries}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=1, help="Copies of the corpus to index.")
    parser.add_argument("--runs", type=int, default=15, help="Timed runs per query.")
    parser.add_argument("--skip-stock", action="store_true", help="Benchmark ours only.")
    parser.add_argument("--out", type=Path, default=None, help="Write figures as JSON here.")
    parser.add_argument(
        "--scale", default=None, help="Comma-separated corpus copies, e.g. 1,3,10: growth only."
    )
    parser.add_argument(
        "--index", type=Path, default=None, help="Time the queries on this built index only."
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="Build with N worker processes (default: one per core), and with 1 to compare.",
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=0,
        help="With --workers: K more builds with N workers and with 1, back to back, and "
        "the ratio of each pair (a shared machine's speed drifts between builds).",
    )
    parser.add_argument(
        "--shards", type=int, default=None, help="Query latency of one index against N shards."
    )
    parser.add_argument(
        "--ray", default=None, help="With --shards: also built and served on Ray (local, auto, …)."
    )
    args = parser.parse_args()
    if args.shards and args.workers is None:  # with --workers too: after the builds below
        from scripts.bench_shards import bench_shards

        figures = bench_shards(
            args.corpus, args.shards, args.ray, args.runs,
            queries=QUERIES, run_build=run_build,
        )  # fmt: skip
        shutil.rmtree(figures.pop("workdir"), ignore_errors=True)
        if args.out:
            args.out.write_text(json.dumps(figures, ensure_ascii=False, indent=2), "utf-8")
        return
    if args.index:
        figures = bench_index(args.index, args.runs)
        if args.out:
            args.out.write_text(json.dumps(figures, ensure_ascii=False, indent=2), "utf-8")
        return
    if args.scale:
        workdir = Path(tempfile.mkdtemp(prefix="report-search-scale-"))
        try:
            factors = [int(f) for f in args.scale.split(",")]
            rows = bench_scale(args.corpus, factors, workdir, args.runs)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        keys = [key for key in rows[-1] if key != "queries"]
        print("| " + " | ".join(keys) + " |\n|" + "---|" * len(keys))
        for row in rows:
            print("| " + " | ".join(str(row.get(k, "")) for k in keys) + " |")
        if args.out:
            args.out.write_text(json.dumps(rows, indent=2), encoding="utf-8")
        return

    workdir = Path(tempfile.mkdtemp(prefix="report-search-bench-"))
    try:
        sources = prepare_corpus(args.corpus, args.repeat, workdir)
        print(f"Building our index of {args.corpus} ×{args.repeat} …", file=sys.stderr)
        ours = bench_ours(sources, workdir, args.runs, workers=args.workers)
        texts = ours.pop("texts")
        ours.pop("index_dir")
        workers = args.workers or len(os.sched_getaffinity(0))
        alone = None
        if workers > 1:
            print("Building it again with one worker …", file=sys.stderr)
            alone = run_build(sources, workdir / "ours-1", workers=1)["wall_s"]
        pairs = build_pairs(sources, workdir, workers, args.pairs) if workers > 1 else []
        stock = None
        if not args.skip_stock:
            print("Building the stock jieba ChineseAnalyzer index …", file=sys.stderr)
            stock = bench_stock(
                [t for _, t in SearchEngine.open(workdir / "ours").generation.store.iter_texts()],
                workdir,
                args.runs,
            )
        del texts
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    megabytes = ours["characters"] * 3 / 1e6  # UTF-8 Chinese: about 3 bytes a character
    print(
        f"\nCorpus: {ours['reports']} reports, {ours['passages']} passages, "
        f"{ours['characters']:,} characters (~{megabytes:.0f} MB UTF-8)\n"
    )
    print("| | ours | stock |\n|---|---|---|")
    stock_build = f"{stock['build_s']} s" if stock else "—"
    print(
        f"| build, {workers} workers | {ours['build_s']} s ({ours['stages_s']}) | {stock_build} |"
    )
    if alone is not None:
        ratio = ours["build_s"] / alone
        print(f"| build, 1 worker | {alone:.1f} s ({workers} workers: {ratio:.2f} of it) | |")
    if pairs:
        ratios = [round(many / one, 2) for many, one in pairs]
        walls = ", ".join(f"{many:.1f} / {one:.1f} s" for many, one in pairs)
        print(
            f"| {len(pairs)} more pairs back to back, {workers} workers / 1 | {walls}: "
            f"{', '.join(map(str, ratios))} (median {statistics.median(ratios)}) | |"
        )
    if stock:
        speedup = stock["build_s"] / ours["build_s"]
        print(f"| stock build ÷ ours ({workers} workers) | {speedup:.2f}× | |")
    print(
        f"| build peak RSS / PSS (process tree) | {ours['build_peak_rss_mb']} / "
        f"{ours['build_peak_pss_mb']} MB | |"
    )
    print(f"| index size | {ours['index_mb']} MB | |")
    print(f"| open index (fresh process) | {ours['open_s']} s | |")
    print(f"| query process peak RSS | {ours['query_process_rss_mb']} MB | |")
    print(
        "\n| query | truth | ours hits | ours median / p95 ms | ours cold ms | stock hits | "
        "stock median / p95 ms |\n|---|---|---|---|---|---|---|"
    )
    for query, mine in ours["queries"].items():
        theirs = stock["queries"][query] if stock else None
        stock_cells = (
            f"{theirs['hits']} | {theirs['median_ms']} / {theirs['p95_ms']}" if theirs else "— | —"
        )
        print(
            f"| `{query}` | {mine['truth']} | {mine['hits']} | "
            f"{mine['median_ms']} / {mine['p95_ms']} | {mine['cold_ms']} | {stock_cells} |"
        )
    sharded = None
    if args.shards:  # and --workers: the shards' query latency after the builds above
        from scripts.bench_shards import bench_shards

        sharded = bench_shards(
            args.corpus, args.shards, args.ray, args.runs, queries=QUERIES, run_build=run_build
        )
        shutil.rmtree(sharded.pop("workdir"), ignore_errors=True)
    if args.out:
        args.out.write_text(
            json.dumps(
                {
                    "ours": ours,
                    "one_worker_build_s": alone,
                    "build_pairs_s": pairs,
                    "workers": workers,
                    "stock": stock,
                    "shards": sharded,
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
