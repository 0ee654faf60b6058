"""The command group and the index's commands: build, remove, optimize, reports, stats."""

from __future__ import annotations

import contextlib
import io
import logging
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from indexer import __version__
from indexer.cli.output import echo, friendly_errors, index_option, json_text
from indexer.cli.usage import ChineseGroup

if TYPE_CHECKING:
    from indexer.build import BuildSummary
from indexer.index.store import ReportRecord
from indexer.ingest.s1_names import readable
from indexer.models import UNKNOWN

if TYPE_CHECKING:
    from indexer.build.backend import Backend


@click.group(cls=ChineseGroup)
@click.version_option(version=__version__, prog_name="indexer")
def main() -> None:
    """Full-text search for Chinese government work reports.

    Build an index from report files, then list, inspect and search it.
    """
    # pypdf reports damaged files through logging; the build reports them as skipped.
    logging.getLogger("pypdf").setLevel(logging.ERROR)


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@index_option
@click.option(
    "--dict",
    "dictionaries",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Extra jieba-format user dictionary (word [freq] [tag] per line); repeatable.",
)
@click.option(
    "--metadata",
    "metadata_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV of metadata corrections (the format `reports --csv` writes); repeatable. "
    "A metadata.csv in a SOURCE folder is read too.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes reading the files (default: one per core). The index is the same "
    "whatever their number.",
)
@click.option(
    "--shards",
    type=click.IntRange(min=1),
    default=None,
    help="Split the index by report into N shards (default: as many as it has, 1 for a "
    "new index). A change of their number rebuilds everything.",
)
@click.option(
    "--ray",
    "ray_address",
    default=None,
    metavar="ADDRESS",
    help="Read the files in Ray tasks and write each shard in a Ray actor: local (a cluster "
    "on this machine for this command), auto (the one running here) or host:port of a "
    "head node. The index folder and the files must be on storage every node sees.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@friendly_errors
def build(
    sources: tuple[Path, ...],
    index_dir: Path,
    dictionaries: tuple[Path, ...],
    metadata_files: tuple[Path, ...],
    workers: int | None,
    shards: int | None,
    ray_address: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Read SOURCE files and folders and build the index.

    Reads .txt .text .docx .doc .wps .rtf .odt .html .htm .mht .mhtml .pdf .ofd .xlsx .xls, and
    each file inside a .zip (.doc and .wps need LibreOffice). Folders are read recursively.
    Files that cannot be read are skipped and listed with the reason; the exit status is 0
    when the readable files were stored, 1 (with every file's reason) when none was.
    """
    from indexer.build import build_index
    from indexer.build.heap import threads_share_the_main_arena
    from indexer.ingest.corrections import read_corrections, sidecars

    threads_share_the_main_arena()  # this process builds and exits
    corrections = [
        row for path in (*sidecars(sources), *metadata_files) for row in read_corrections(path)
    ]
    with _backend(ray_address) as backend:
        summary = build_index(
            sources,
            index_dir,
            dictionaries=dictionaries,
            corrections=corrections,
            workers=workers,
            shards=shards,
            backend=backend,
            # A terminal gets progress bars; a log file or CI gets one line per stage.
            progress=not quiet and sys.stderr.isatty(),
            log=(lambda message: None) if quiet or sys.stderr.isatty() else _log_line,
        )
    if as_json:
        echo(json_text(_summary_json(summary)))
        return
    echo(f"索引已建立: {readable(summary.index_dir)}")
    if summary.resharded:
        before, after = summary.resharded
        echo(f"分片数从 {before} 改为 {after}：已整体重建索引")
    if summary.shards > 1:
        echo(f"分片 {summary.shards} 个（按报告编号分配）")
    echo(
        f"读取文件 {summary.files_read} 个，报告 {summary.reports} 篇，段落 {summary.passages} 段，"
        f"用时 {summary.seconds.get('total', 0):.1f} 秒"
    )
    if summary.ocr_pages or summary.ocr_cached:
        echo(f"扫描件 OCR: 识别 {summary.ocr_pages} 页，{summary.ocr_cached} 个文件用了缓存的结果")
    if summary.duplicates:
        echo(f"重复报告 {len(summary.duplicates)} 篇（只保存一次）:")
        for source, position, report_id in summary.duplicates:
            echo(f"  {readable(source)} 第 {position} 篇 = {report_id}")
    if summary.skipped:
        echo(f"跳过文件 {len(summary.skipped)} 个:")
        for skipped in summary.skipped:
            echo(f"  {readable(skipped.path)}: {skipped.reason}")


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@friendly_errors
def remove(sources: tuple[Path, ...], index_dir: Path, as_json: bool) -> None:
    """Remove the reports of SOURCE files (or of every file under SOURCE folders)."""
    from indexer.build import remove_sources

    summary = remove_sources(sources, index_dir)
    if as_json:
        echo(json_text(_summary_json(summary)))
        return
    echo(
        f"已删除文件 {summary.files_removed} 个、报告 {summary.reports_removed} 篇；"
        f"索引现有报告 {summary.reports} 篇，段落 {summary.passages} 段"
    )


@main.command()
@index_option
@friendly_errors
def optimize(index_dir: Path) -> None:
    """Merge the index's segments into one and drop removed passages' postings."""
    from indexer.build import optimize_index

    summary = optimize_index(index_dir)
    echo(f"索引已合并: {summary.generation}，用时 {summary.seconds.get('total', 0):.1f} 秒")


@contextlib.contextmanager
def _backend(ray_address: str | None) -> Iterator[Backend | None]:
    """Where the build reads and writes: this machine (None), or the Ray cluster at
    `ray_address`, connected for the build."""
    if ray_address is None:
        yield None
        return
    from indexer.distributed.connecting import connected, require_ray

    require_ray()
    from indexer.distributed.building import RayBackend

    with connected(ray_address):
        backend = RayBackend()
        try:
            yield backend
        finally:
            backend.close()


def _log_line(message: str) -> None:
    echo(message, err=True)


def _summary_json(summary: BuildSummary) -> dict[str, object]:
    """A build's summary, its shards said as in every JSON answer: every one was written."""
    shards = {"total": summary.shards, "answered": summary.shards}
    return {**summary.as_dict(), "shards": shards}


def _report_row(record: ReportRecord) -> dict[str, object]:
    return {
        "report_id": record.report_id,
        **record.metadata.as_json(),
        "source": record.source,
        "position": record.position,
        "passages": record.passage_count,
    }


@main.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of reports.")
@click.option(
    "--csv",
    "as_csv",
    is_flag=True,
    help="Print the correctable metadata as CSV, the format build --metadata reads.",
)
@friendly_errors
def reports(index_dir: Path, as_json: bool, as_csv: bool) -> None:
    """List the stored reports with their metadata, one line each.

    Fields no evidence gave are shown as 未识别; --json adds where each value came from
    (title_source, year_source, …).
    """
    from indexer.ingest.corrections import write_corrections_csv
    from indexer.search.engine import open_index

    records = open_index(index_dir).report_summaries()
    if as_csv:
        # Sources stay in their stored form: build --metadata matches them as stored.
        buffer = io.StringIO()
        write_corrections_csv(
            ((r.source, r.position, r.report_id, r.metadata) for r in records), buffer
        )
        echo(buffer.getvalue(), nl=False)
        return
    rows = [_report_row(r) for r in records]
    if as_json:
        echo(json_text(rows))
        return
    for row in rows:
        place = "".join(str(row[k]) for k in ("province", "city", "county"))
        echo(
            f"{row['report_id']}  {row['label']}  [{row['issuer'] or UNKNOWN} | "
            f"{place or UNKNOWN} | {row['department'] or UNKNOWN} | {row['year'] or UNKNOWN}]"
            f"  {row['passages']} 段  {readable(str(row['source']))}"
        )


@main.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@friendly_errors
def stats(index_dir: Path, as_json: bool) -> None:
    """Show what the index holds and how it was built."""
    from indexer.search.engine import open_index

    engine = open_index(index_dir)
    answered = engine.answering()
    about = engine.about(answered=answered)
    reports_count, passages_count = about["reports"], about["passages"]
    records = engine.report_summaries(answered=answered)
    data: dict[str, Any] = {
        "index_dir": str(engine.index_dir),
        "built_at": about["built_at"],
        "reports": reports_count,
        "passages": passages_count,
        "characters": about["characters"],
        "shards": answered.as_json(),
        "provinces": _tally(r.metadata.province for r in records),
        "departments": _tally(r.metadata.department for r in records),
        "years": _tally(str(r.metadata.year or "") for r in records),
        "build": about["build"],
    }
    if as_json:
        echo(json_text(data))
        return
    echo(f"索引: {readable(data['index_dir'])}（建于 {data['built_at']}）")
    echo(f"报告 {reports_count} 篇，段落 {passages_count} 段，{data['characters']} 字")
    for label, key in (("省份", "provinces"), ("部门", "departments"), ("年份", "years")):
        counts = "，".join(f"{value} {count}" for value, count in data[key].items())
        echo(f"{label}: {counts or '（无）'}")
    build_summary = data["build"] or {}
    skipped = build_summary.get("skipped", [])
    if skipped:
        echo(f"建索引时跳过 {len(skipped)} 个文件:")
        for item in skipped:
            echo(f"  {readable(item['path'])}: {item['reason']}")


def _tally(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        key = value or UNKNOWN
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
