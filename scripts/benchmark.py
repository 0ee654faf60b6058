"""Benchmark: this engine against the stock jieba + Whoosh approach, side by side, one run.

Both index the same passages (the ones our pipeline stores). For each query the script
reports hit counts against the truth (Python's `in` over the same passages), and the
median and 95th-percentile time of an exact count plus the top 10 hits with highlights.

    .venv/bin/python scripts/benchmark.py                       # laws corpus, 58 MB
    .venv/bin/python scripts/benchmark.py --corpus data/sample --repeat 120   # ~10 MB
    .venv/bin/python scripts/benchmark.py --skip-stock          # ours only

Prints a Markdown table and writes the figures as JSON (--out).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.build import build_index  # noqa: E402
from indexer.engine import SearchEngine  # noqa: E402
from indexer.normalize import fold  # noqa: E402

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
]


def timed(action, repeat: int) -> tuple[float, float, object]:
    """Run `action` `repeat` times; return median and p95 in ms, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, result


def truth(folded_passages: list[str], query: str) -> int:
    """Passages matching a query of plain terms, -terms and one OR, by Python's `in`."""
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


def prepare_corpus(corpus: Path, repeat: int, workdir: Path) -> list[Path]:
    if repeat <= 1:
        return [corpus]
    copies = workdir / "corpus"
    copies.mkdir()
    files = [corpus] if corpus.is_file() else sorted(corpus.rglob("*.txt"))
    for i in range(repeat):
        for f in files:
            # A marker line keeps each copy a distinct report (identical reports are
            # stored once).
            text = f.read_text(encoding="utf-8")
            (copies / f"{i:04d}-{f.name}").write_text(f"副本{i}\n{text}", encoding="utf-8")
    return [copies]


def bench_ours(sources: list[Path], workdir: Path, repeat: int) -> dict:
    index_dir = workdir / "ours"
    started = time.perf_counter()
    summary = build_index(sources, index_dir)
    build_seconds = time.perf_counter() - started
    started = time.perf_counter()
    engine = SearchEngine.open(index_dir)
    open_seconds = time.perf_counter() - started
    folded = [fold(t) for t in engine.store.iter_texts()]
    queries = {}
    for query in QUERIES:

        def run(q=query):
            result = engine.search(q)
            result.hits(0, 10)
            return result

        median, p95, result = timed(run, repeat)
        queries[query] = {
            "hits": result.total_passages,
            "truth": truth(folded, query),
            "median_ms": round(median, 2),
            "p95_ms": round(p95, 2),
        }
    return {
        "build_s": round(build_seconds, 1),
        "stages_s": {k: round(v, 1) for k, v in summary.seconds.items()},
        "open_s": round(open_seconds, 2),
        "reports": summary.reports,
        "passages": summary.passages,
        "characters": len(engine.literal.folded_text),
        "queries": queries,
        "texts": folded,
        "index_dir": index_dir,
    }


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
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="report-search-bench-"))
    try:
        sources = prepare_corpus(args.corpus, args.repeat, workdir)
        print(f"Building our index of {args.corpus} ×{args.repeat} …", file=sys.stderr)
        ours = bench_ours(sources, workdir, args.runs)
        texts = ours.pop("texts")
        ours.pop("index_dir")
        stock = None
        if not args.skip_stock:
            print("Building the stock jieba ChineseAnalyzer index …", file=sys.stderr)
            stock = bench_stock(
                [t for t in SearchEngine.open(workdir / "ours").store.iter_texts()],
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
    print(f"| build | {ours['build_s']} s ({ours['stages_s']}) | {stock_build} |")
    print(f"| open index | {ours['open_s']} s | |")
    print(
        "\n| query | truth | ours hits | ours median / p95 ms | stock hits | "
        "stock median / p95 ms |\n|---|---|---|---|---|---|"
    )
    for query, mine in ours["queries"].items():
        theirs = stock["queries"][query] if stock else None
        stock_cells = (
            f"{theirs['hits']} | {theirs['median_ms']} / {theirs['p95_ms']}" if theirs else "— | —"
        )
        print(
            f"| `{query}` | {mine['truth']} | {mine['hits']} | "
            f"{mine['median_ms']} / {mine['p95_ms']} | {stock_cells} |"
        )
    if args.out:
        args.out.write_text(
            json.dumps({"ours": ours, "stock": stock}, ensure_ascii=False, indent=2),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
