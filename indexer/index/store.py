"""The document store: reports, passages and metadata in one SQLite file.

It holds the text exactly as reports wrote it; the search index only points into it.
Reports and passages get 0-based ordinals in insertion order, never reused: a removed
report leaves a hole, so the postings of older segments never point at a newcomer. The
search index refers to passages by ordinal, users by their content-derived ids. The
`files` table remembers each source file's hash and reports, so a build re-reads only
files that changed.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import IndexMissingError, NotFoundError
from indexer.index.store_rows import FileStat, StoredReport
from indexer.models import Metadata, Passage, Report

_SCHEMA = """
CREATE TABLE reports (
    ordinal INTEGER PRIMARY KEY,
    report_id TEXT NOT NULL UNIQUE,
    metadata TEXT NOT NULL,      -- JSON object: Metadata.as_dict()
    source TEXT NOT NULL,
    position INTEGER NOT NULL,
    passage_count INTEGER NOT NULL
);
CREATE TABLE passages (
    ordinal INTEGER PRIMARY KEY,
    report_ordinal INTEGER NOT NULL REFERENCES reports(ordinal),
    passage_id TEXT NOT NULL,
    position INTEGER NOT NULL,   -- 0-based within the report
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    section TEXT NOT NULL,       -- JSON array of heading labels
    is_heading INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX passages_by_report ON passages(report_ordinal, position);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (
    path TEXT PRIMARY KEY,       -- resolved absolute path of a source file
    hash TEXT NOT NULL,          -- sha256 of its bytes
    report_ids TEXT NOT NULL,    -- JSON array: the reports it yielded, in order
    size INTEGER NOT NULL,       -- its size and modification time (ns) before it was read,
    mtime_ns INTEGER NOT NULL,   -- and when (ns): what a later scan trusts instead of
    seen_ns INTEGER NOT NULL     -- hashing it again (`FileStat`)
);
"""

# When each report came into the index: the build (generation) that added it and that
# build's time. A table of its own, so a store written before it existed still opens; the
# first update of such a store dates the reports it holds by the build that last wrote it.
_ADDED_SCHEMA = """
CREATE TABLE IF NOT EXISTS added (
    report_id TEXT PRIMARY KEY,
    generation TEXT NOT NULL,    -- the generation folder's name, e.g. gen-000003
    at TEXT NOT NULL             -- that build's time, ISO 8601 UTC
);
"""

_REPORT_COLUMNS = "ordinal, report_id, metadata, source, position, passage_count"


@dataclass(frozen=True)
class ReportRecord:
    """A report's metadata without its passages: what lists and facets need."""

    ordinal: int
    report_id: str
    metadata: Metadata
    source: str
    position: int
    passage_count: int


@dataclass(frozen=True)
class PassageRecord:
    """A passage with the ordinal of its report, as search results need it."""

    ordinal: int
    report_ordinal: int
    passage: Passage


def _report_record(row: sqlite3.Row) -> ReportRecord:
    return ReportRecord(
        ordinal=row["ordinal"],
        report_id=row["report_id"],
        metadata=Metadata.from_dict(json.loads(row["metadata"])),
        source=row["source"],
        position=row["position"],
        passage_count=row["passage_count"],
    )


def _passage(row: sqlite3.Row) -> Passage:
    return Passage(
        passage_id=row["passage_id"],
        position=row["position"],
        text=row["text"],
        start=row["start"],
        end=row["end"],
        section=tuple(json.loads(row["section"])),
        is_heading=bool(row["is_heading"]),
    )


def _report_ids(connection: sqlite3.Connection) -> set[str]:
    return {row[0] for row in connection.execute("SELECT report_id FROM reports")}


def _file_stats(connection: sqlite3.Connection) -> dict[str, FileStat]:
    rows = connection.execute("SELECT path, size, mtime_ns, seen_ns FROM files")
    return {path: FileStat(size, mtime, seen) for path, size, mtime, seen in rows}


def _files(connection: sqlite3.Connection) -> dict[str, tuple[str, list[str]]]:
    """Return path → (hash, report ids) for every source file the store holds. The id
    lists are parsed as one JSON array: an update reads every file's, and one parse of
    35,000 took half the time of 35,000 parses."""
    rows = connection.execute("SELECT path, hash, report_ids FROM files").fetchall()
    ids = json.loads("[" + ",".join(row[2] for row in rows) + "]")
    return {path: (digest, found) for (path, digest, _), found in zip(rows, ids, strict=True)}


class StoreWriter:
    """Write a store: a fresh one, or a copy of the previous generation's to update."""

    def __init__(
        self,
        path: Path,
        *,
        fresh: bool = True,
        build: tuple[str, str] = ("", ""),
        dated: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        """`build` is (generation name, time) of this build: what reports it adds are dated
        so, but those in `dated` (a rebuild keeps when a report first came)."""
        if fresh:
            path.unlink(missing_ok=True)
        self.connection = sqlite3.connect(path)
        if fresh:
            self.connection.executescript(_SCHEMA)
        self.connection.execute("PRAGMA journal_mode = OFF")  # a generation is all or nothing
        self.connection.execute("PRAGMA synchronous = OFF")  # the build fsyncs at the end
        self.next_report = int(str(self._meta("next_report_ordinal", 0)))
        self.next_passage = int(str(self._meta("next_passage_ordinal", 0)))
        self.build = build
        self.dated = dated or {}
        if not self._has_table("added"):
            self.connection.executescript(_ADDED_SCHEMA)
            # Reports of a store from before: there since its last build, at the latest.
            last = str(self._meta("built_at", build[1]))
            self.connection.execute(
                "INSERT INTO added SELECT report_id, '', ? FROM reports", (last,)
            )

    def _has_table(self, name: str) -> bool:
        row = self.connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return row is not None

    def _meta(self, key: str, default: object) -> object:
        row = self.connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    @property
    def report_count(self) -> int:
        return self.connection.execute("SELECT COUNT(*) FROM reports").fetchone()[0]

    @property
    def passage_count(self) -> int:
        return self.connection.execute("SELECT COUNT(*) FROM passages").fetchone()[0]

    def add(self, report: StoredReport) -> tuple[int, int]:
        """Store a report and its passages; return its ordinal and its first passage's."""
        ordinal, first = self.next_report, self.next_passage
        self.connection.execute(
            f"INSERT INTO reports ({_REPORT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            (
                ordinal,
                report.report_id,
                report.metadata,
                report.source,
                report.position,
                len(report.passages),
            ),
        )
        self.connection.executemany(
            "INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(first + i, ordinal, *row) for i, row in enumerate(report.passages)],
        )
        self.connection.execute(
            "INSERT OR REPLACE INTO added VALUES (?, ?, ?)",
            (report.report_id, *self.dated.get(report.report_id, self.build)),
        )
        self.next_report += 1
        self.next_passage += len(report.passages)
        return ordinal, first

    def remove(self, report_id: str) -> tuple[int, list[int]] | None:
        """Delete a report and its passages; return its ordinal and its passages' ordinals."""
        row = self.connection.execute(
            "SELECT ordinal FROM reports WHERE report_id = ?", (report_id,)
        ).fetchone()
        if row is None:
            return None
        ordinal = row[0]
        passages = [
            r[0]
            for r in self.connection.execute(
                "SELECT ordinal FROM passages WHERE report_ordinal = ?", (ordinal,)
            )
        ]
        self.connection.execute("DELETE FROM passages WHERE report_ordinal = ?", (ordinal,))
        self.connection.execute("DELETE FROM reports WHERE ordinal = ?", (ordinal,))
        self.connection.execute("DELETE FROM added WHERE report_id = ?", (report_id,))
        return ordinal, passages

    def report_ids(self) -> set[str]:
        return _report_ids(self.connection)

    def files(self) -> dict[str, tuple[str, list[str]]]:
        return _files(self.connection)

    def set_file(
        self, path: str, digest: str, report_ids: list[str], stat: FileStat | None = None
    ) -> None:
        stat = stat or FileStat(-1, -1, 0)  # none: hashed again next time
        self.connection.execute(
            "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)",
            (path, digest, json.dumps(report_ids), stat.size, stat.mtime_ns, stat.seen_ns),
        )

    def forget_file(self, path: str) -> None:
        self.connection.execute("DELETE FROM files WHERE path = ?", (path,))

    def set_meta(self, key: str, value: object) -> None:
        self.connection.execute(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            (key, json.dumps(value, ensure_ascii=False)),
        )

    def close(self) -> None:
        self.set_meta("next_report_ordinal", self.next_report)
        self.set_meta("next_passage_ordinal", self.next_passage)
        self.connection.commit()
        self.connection.close()


class ReportStore:
    """Read-only access to a store; safe to share between threads (one connection each)."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise IndexMissingError(
                f"没有找到文档库 {path}", hint="先运行 python -m indexer build SOURCE… 建立索引"
            )
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []

    @property
    def _db(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            # immutable=1: a generation's store never changes, so SQLite skips locking.
            uri = f"{self.path.resolve().as_uri()}?mode=ro&immutable=1"
            connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
            connection.row_factory = sqlite3.Row
            self._local.connection = connection
            self._connections.append(connection)
        return connection

    def close(self) -> None:
        """Close every thread's connection (the generation is being let go)."""
        for connection in self._connections:
            connection.close()
        self._connections.clear()
        self._local = threading.local()

    def report_ids(self) -> set[str]:
        return _report_ids(self._db)

    def files(self) -> dict[str, tuple[str, list[str]]]:
        return _files(self._db)

    def file_stats(self) -> dict[str, FileStat]:
        return _file_stats(self._db)

    def next_ordinals(self) -> tuple[int, int]:
        """The next report and passage ordinals a build would give (`StoreWriter`)."""
        reports = int(str(self.meta("next_report_ordinal", 0)))
        return reports, int(str(self.meta("next_passage_ordinal", 0)))

    def report_record(self, report_id: str) -> ReportRecord | None:
        row = self._db.execute(
            f"SELECT {_REPORT_COLUMNS} FROM reports WHERE report_id = ?", (report_id,)
        ).fetchone()
        return None if row is None else _report_record(row)

    def meta(self, key: str, default: object = None) -> object:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row["value"]) if row else default

    def report_records(self) -> list[ReportRecord]:
        """Return every report's metadata, in ordinal order."""
        rows = self._db.execute(f"SELECT {_REPORT_COLUMNS} FROM reports ORDER BY ordinal")
        return [_report_record(row) for row in rows]

    def report_rows(self) -> list[tuple]:
        """Every report as plain values (metadata as a dict), in ordinal order: what
        `report_columns.ReportColumns.of_rows` takes."""
        rows = self._db.execute(f"SELECT {_REPORT_COLUMNS} FROM reports ORDER BY ordinal")
        return [
            (
                r["ordinal"],
                r["report_id"],
                json.loads(r["metadata"]),
                r["source"],
                r["position"],
                r["passage_count"],
            )
            for r in rows
        ]

    def passages(self, ordinals: Sequence[int]) -> dict[int, PassageRecord]:
        """Return the passages with the given global ordinals, keyed by ordinal."""
        found: dict[int, PassageRecord] = {}
        for chunk_start in range(0, len(ordinals), 500):
            chunk = [int(o) for o in ordinals[chunk_start : chunk_start + 500]]
            rows = self._db.execute(
                f"SELECT * FROM passages WHERE ordinal IN ({', '.join('?' * len(chunk))})", chunk
            )
            for row in rows:
                found[row["ordinal"]] = PassageRecord(
                    row["ordinal"], row["report_ordinal"], _passage(row)
                )
        return found

    def report(self, report_id: str) -> Report:
        """Return a whole report; raise NotFoundError for an id the store does not hold."""
        row = self._db.execute(
            f"SELECT {_REPORT_COLUMNS} FROM reports WHERE report_id = ?", (report_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"没有编号为 {report_id} 的报告")
        record = _report_record(row)
        rows = self._db.execute(
            "SELECT * FROM passages WHERE report_ordinal = ? ORDER BY position", (record.ordinal,)
        )
        return Report(
            report_id=record.report_id,
            metadata=record.metadata,
            passages=[_passage(r) for r in rows],
            source=record.source,
            position=record.position,
        )

    def iter_texts(self, first: int = 0, end: int | None = None) -> Iterator[tuple[int, str]]:
        """Yield (ordinal, text) of every passage from ordinal `first` on (to `end`,
        excluded), in ordinal order."""
        rows = self._db.execute(
            "SELECT ordinal, text FROM passages WHERE ordinal >= ? AND ordinal < ? "
            "ORDER BY ordinal",
            (first, end if end is not None else 2**62),
        )
        yield from rows

    def added(self) -> dict[str, tuple[str, str]]:
        """Return report id → (generation, time) of the build that added it (ISO 8601 UTC).

        A store written before builds were recorded has no such table: every report is
        then dated by the store's own build.
        """
        try:
            rows = self._db.execute("SELECT report_id, generation, at FROM added").fetchall()
        except sqlite3.OperationalError:  # no table: an index built before it existed
            built = str(self.meta("built_at", ""))
            query = "SELECT report_id, '', ? FROM reports"
            rows = self._db.execute(query, (built,)).fetchall()
        return {row[0]: (row[1], row[2]) for row in rows}

    def counts(self) -> tuple[int, int]:
        """Return (reports, passages)."""
        reports = self._db.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
        passages = self._db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        return reports, passages
