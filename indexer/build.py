"""Build an index folder from source files: store, literal index, Whoosh index.

The build writes into a fresh folder beside the target and swaps it in only when
everything succeeded, so a failed or interrupted build never leaves a half index and a
running web app keeps answering from the old one until the swap.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from .analysis import DEFAULT_DICTIONARY, Entry, read_dictionary
from .errors import SourceError
from .ingest import parse_source
from .ingest.s1_read import iter_source_files, read_source
from .layout import IndexLayout
from .literal import LiteralIndex
from .models import Report, Skipped
from .store import StoreWriter
from .word_index import PassageDocument, write_ranking_tables, write_whoosh

# Below this many passages a second writer process costs more than it saves.
MULTIPROCESS_THRESHOLD = 20_000


@dataclass
class BuildSummary:
    """What a build read, stored and skipped."""

    index_dir: Path
    files_read: int = 0
    reports: int = 0
    passages: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    duplicates: list[tuple[str, int, str]] = field(default_factory=list)  # source, position, id
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "index_dir": str(self.index_dir),
            "files_read": self.files_read,
            "reports": self.reports,
            "passages": self.passages,
            "skipped": [{"path": str(s.path), "reason": s.reason} for s in self.skipped],
            "duplicates": [
                {"source": source, "position": position, "report_id": report_id}
                for source, position, report_id in self.duplicates
            ],
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def load_dictionaries(extra: Sequence[Path] = ()) -> tuple[Entry, ...]:
    """Read the bundled domain dictionary and any user dictionaries, in that order."""
    entries: list[Entry] = list(read_dictionary(DEFAULT_DICTIONARY))
    for path in extra:
        entries.extend(read_dictionary(Path(path)))
    return tuple(entries)


def _progress(iterable, *, total: int | None, desc: str, unit: str, show: bool):
    return tqdm(iterable, total=total, desc=desc, unit=unit, disable=not show, leave=False)


def build_index(
    sources: Sequence[str | Path],
    index_dir: str | Path,
    *,
    dictionaries: Sequence[Path] = (),
    progress: bool = False,
    processes: int | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> BuildSummary:
    """Read `sources` (files or folders) and build a complete index in `index_dir`.

    Raises SourceError when no source yields a report; files that cannot be read are
    skipped and listed in the summary, and the rest is stored.
    """
    index_dir = Path(index_dir)
    _refuse_foreign_folder(index_dir)
    summary = BuildSummary(index_dir=index_dir)
    entries = load_dictionaries(dictionaries)
    staging = index_dir.with_name(f".{index_dir.name}.building-{uuid.uuid4().hex[:8]}")
    staging.mkdir(parents=True)
    try:
        started = time.perf_counter()
        log("读取文件…")
        reports = _read_reports(sources, summary, progress=progress)
        summary.seconds["read"] = time.perf_counter() - started
        if not reports:
            raise SourceError(
                "没有从输入中读到任何报告",
                hint="检查路径，支持 .txt .docx .html .htm .pdf",
            )
        _write_everything(staging, reports, entries, summary, progress, processes, log)
        _swap_into_place(staging, index_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    summary.seconds["total"] = time.perf_counter() - started
    return summary


def _read_reports(
    sources: Sequence[str | Path], summary: BuildSummary, *, progress: bool
) -> list[Report]:
    found = list(iter_source_files(sources))
    files = [item for item in found if isinstance(item, Path)]
    summary.skipped.extend(item for item in found if isinstance(item, Skipped))
    reports: list[Report] = []
    seen: set[str] = set()
    for path in _progress(files, total=len(files), desc="读取文件", unit="file", show=progress):
        try:
            parsed = parse_source(read_source(path))
        except SourceError as error:
            summary.skipped.append(Skipped(path, str(error)))
            continue
        summary.files_read += 1
        for report in parsed:
            # The same report in two files (a re-download, a copy) is stored once.
            if report.report_id in seen:
                summary.duplicates.append((report.source, report.position, report.report_id))
                continue
            seen.add(report.report_id)
            reports.append(report)
    return reports


def _write_everything(
    staging: Path,
    reports: list[Report],
    entries: tuple[Entry, ...],
    summary: BuildSummary,
    progress: bool,
    processes: int | None,
    log: Callable[[str], None],
) -> None:
    clock = time.perf_counter()
    layout = IndexLayout(staging)
    writer = StoreWriter(layout.store)
    for report in reports:
        writer.add(report)
    summary.reports, summary.passages = writer.report_count, writer.passage_count
    summary.seconds["store"] = time.perf_counter() - clock

    log(f"已保存 {summary.reports} 篇报告、{summary.passages} 段；建立字面索引…")
    clock = time.perf_counter()
    texts = [passage.text for report in reports for passage in report.passages]
    LiteralIndex.build(texts).save(layout.literal)
    summary.seconds["literal"] = time.perf_counter() - clock

    log("建立词索引（Whoosh）…")
    clock = time.perf_counter()
    if processes is None:
        processes = 2 if summary.passages >= MULTIPROCESS_THRESHOLD else 1
    bar = tqdm(total=summary.passages, desc="词索引", unit="段", disable=not progress, leave=False)
    with bar:
        write_whoosh(
            layout.whoosh,
            entries,
            _passage_documents(reports),
            processes=processes,
            on_document=lambda: bar.update(),
        )
    write_ranking_tables(layout, summary.passages)
    summary.seconds["whoosh"] = time.perf_counter() - clock

    writer.set_meta("built_at", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    writer.set_meta("summary", summary.as_dict())
    writer.close()


def _passage_documents(reports: list[Report]) -> Iterator[PassageDocument]:
    ordinal = 0
    for report in reports:
        for passage in report.passages:
            yield PassageDocument(
                ordinal=ordinal,
                text=passage.text,
                section=passage.section_path,
                title=report.metadata.title,
            )
            ordinal += 1


def _refuse_foreign_folder(index_dir: Path) -> None:
    """Refuse to replace a folder that holds something other than an index.

    A build replaces its index folder whole; pointed by mistake at a folder of reports or
    a home directory, it must not delete what is there.
    """
    if index_dir.exists() and not index_dir.is_dir():
        raise SourceError(f"{index_dir} 不是文件夹", hint="--index 要指向一个文件夹")
    ours = IndexLayout(index_dir).looks_like_index()
    if index_dir.is_dir() and any(index_dir.iterdir()) and not ours:
        raise SourceError(
            f"{index_dir} 里已有其他文件，不是本工具建的索引，不会覆盖",
            hint="--index 请指向空文件夹或新文件夹",
        )


def _swap_into_place(staging: Path, index_dir: Path) -> None:
    IndexLayout(staging).build_id.write_text(uuid.uuid4().hex, encoding="utf-8")
    retired = index_dir.with_name(f".{index_dir.name}.retired-{uuid.uuid4().hex[:8]}")
    if index_dir.exists():
        index_dir.rename(retired)
    staging.rename(index_dir)
    shutil.rmtree(retired, ignore_errors=True)
