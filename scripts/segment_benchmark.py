"""Benchmark: Whoosh's writer against the direct segment writer, on the same word counts.

    .venv/bin/python scripts/segment_benchmark.py                   # laws corpus, 58 MB
    .venv/bin/python scripts/segment_benchmark.py --corpus DIR --runs 3

The corpus is ingested once, as a build does (each report's title, each new section
path, each passage), and every Whoosh document's word counts are cached in batches of
10,000 (`--cache`; reused when it exists). Then each writer runs in a fresh child process
that streams the batches and writes one segment into a new index:

- stock: Whoosh's writer as builds configured it before (one process, `RankingCodec`,
  separate files, a 64 MB pool), given the same counts through its word fields;
- direct: `DirectSegmentWriter` and `commit_segments` (`indexer/index/whoosh_segments.py`).

A third child only reads the batches: its seconds and peak RSS are subtracted, so each
writer's figures are its own. Prints seconds, postings per second and peak RSS above
reading, and whether the two segments' files are the same bytes.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from whoosh import index as whoosh_index  # noqa: E402
from whoosh.system import pack_uint  # noqa: E402

from indexer.build.update import load_dictionaries  # noqa: E402
from indexer.index.schema import PASSAGE, REPORT, SECTION, WORD_FIELDS, document_key, make_schema  # noqa: E402
from indexer.index.whoosh_segments import DirectSegmentWriter, commit_segments  # noqa: E402
from indexer.index.word_fields import CountedWordsField  # noqa: E402
from indexer.index.word_index import WRITER_MEMORY_MB, RankingCodec  # noqa: E402
from indexer.ingest import ingest_path  # noqa: E402
from indexer.ingest.s1_read import iter_source_files  # noqa: E402
from indexer.models import Skipped  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "laws"
BATCH = 10_000
KINDS = ("read", "direct", "stock")


def cache_counts(corpus: Path, cache: Path) -> None:
    """Ingest `corpus` and pickle its Whoosh documents' word counts, a batch at a time."""
    words = CountedWordsField(load_dictionaries())
    sections: dict[str, int] = {}
    seen: set[str] = set()
    batch: list = []
    ordinal = report_number = 0
    with open(cache, "wb") as handle:
        for path in iter_source_files([corpus]):
            if not isinstance(path, Path):
                continue
            for reports in ingest_path(path, [corpus]):
                if isinstance(reports, Skipped):
                    continue
                for report in [r for r in reports if r.report_id not in seen]:
                    seen.add(report.report_id)
                    title = words.word_counts(report.metadata.title)
                    batch.append((document_key(REPORT, report_number), {"title": title}))
                    for passage in report.passages:
                        section = passage.section_path
                        if section not in sections:
                            sections[section] = len(sections)
                            key = document_key(SECTION, sections[section])
                            batch.append((key, {"section": words.word_counts(section)}))
                        content = words.word_counts(passage.text)
                        batch.append((document_key(PASSAGE, ordinal), {"content": content}))
                        ordinal += 1
                    report_number += 1
                    if len(batch) >= BATCH:
                        pickle.dump(batch, handle, protocol=pickle.HIGHEST_PROTOCOL)
                        batch = []
        pickle.dump(batch, handle, protocol=pickle.HIGHEST_PROTOCOL)


def batches(cache: Path) -> Iterator[list]:
    with open(cache, "rb") as handle:
        while True:
            try:
                yield pickle.load(handle)
            except EOFError:
                return


class PrecountedField(CountedWordsField):
    """A word field whose value is its (word, count) pairs: Whoosh's writer given counts."""

    def index(self, value: list, **kwargs: object) -> Iterator[tuple[bytes, int, float, bytes]]:
        boost = self.format.field_boost
        for word, count in value:
            yield word.encode("utf-8"), count, count * boost, pack_uint(count)


def write(kind: str, cache: Path, folder: Path) -> dict:
    """Write the cached documents as one segment; return seconds, postings and memory."""
    folder.mkdir(parents=True)
    ix = whoosh_index.create_in(str(folder), make_schema(load_dictionaries()))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    postings = 0
    started = time.perf_counter()
    if kind == "read":
        for batch in batches(cache):
            postings += sum(len(p) for _, fields in batch for p in fields.values())
    elif kind == "stock":
        writer = ix.writer(limitmb=WRITER_MEMORY_MB, compound=False, codec=RankingCodec())
        originals = {f: writer.schema[f] for f in WORD_FIELDS}
        for name, field in originals.items():
            writer.schema._fields[name] = PrecountedField(field_boost=field.format.field_boost)
        for batch in batches(cache):
            for key, fields in batch:
                writer.add_document(key=key, **fields)
                postings += sum(len(pairs) for pairs in fields.values())
        writer.schema._fields.update(originals)  # the index keeps its own schema
        writer.commit()
    else:
        direct = DirectSegmentWriter(folder, RankingCodec())
        for batch in batches(cache):
            direct.add_documents(batch)
            postings += sum(len(p) for _, fields in batch for p in fields.values())
        commit_segments(folder, [direct.finish()])
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "postings": postings, "rss_before": before, "rss_peak": peak}


def segment_bytes(folder: Path) -> dict[str, bytes]:
    (segment,) = whoosh_index.open_dir(str(folder))._read_toc().segments
    prefix = segment.segment_id()
    return {p.name.removeprefix(prefix): p.read_bytes() for p in folder.glob(prefix + ".*")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--cache", type=Path, help="word counts (default: in the temp folder)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each writer (median)")
    parser.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    cache = args.cache or Path(tempfile.gettempdir()) / f"segment-counts-{args.corpus.name}.pickle"
    if args.child:
        print(json.dumps(write(args.child, cache, args.folder)))
        return
    if not cache.exists():
        started = time.perf_counter()
        cache_counts(args.corpus, cache)
        print(f"ingested and counted {args.corpus} in {time.perf_counter() - started:.1f} s")
    work = Path(tempfile.mkdtemp(prefix="segment-benchmark-"))
    try:
        results: dict[str, list[dict]] = {kind: [] for kind in KINDS}
        for run in range(args.runs):
            for kind in KINDS:  # interleaved: a busy machine slows each alike
                folder = work / f"{kind}-{run}"
                command = [sys.executable, __file__, "--child", kind, "--folder", str(folder)]
                output = subprocess.run(
                    [*command, "--cache", str(cache)], check=True, capture_output=True, text=True
                ).stdout
                results[kind].append(json.loads(output))
        same = segment_bytes(work / "stock-0") == segment_bytes(work / "direct-0")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    reading = statistics.median(r["seconds"] for r in results["read"])
    read_peak = max(r["rss_peak"] for r in results["read"])
    postings = results["read"][0]["postings"]
    print(f"reading the input: {reading:.1f} s, peak RSS {read_peak:.0f} MB (subtracted below)")
    print("| writer | seconds | postings/s | peak RSS MB above reading |")
    print("|---|---|---|---|")
    for kind in ("stock", "direct"):
        seconds = statistics.median(r["seconds"] for r in results[kind]) - reading
        peak = max(r["rss_peak"] for r in results[kind]) - read_peak
        print(f"| {kind} | {seconds:.1f} | {postings / seconds:,.0f} | {peak:.0f} |")
    print(f"{postings:,} postings; {args.runs} run(s) each; same segment files: {same}")


if __name__ == "__main__":
    main()
