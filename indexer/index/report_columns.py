"""Every live report's metadata, field by field: the table a search engine opens.

A generation's `ranking/reports.pickle`, written by the build from its store. One list per
field, equal strings one object: at 10× a shard's 11,756 reports load in 9 ms, where the
same reports as (ordinal, id, metadata dict, …) rows took 56 ms and then 33 ms more to
become records. Nothing is made per report on loading: `ReportTable` makes a report's
record when a query first reads it, and the garbage collector's first pass after an open
no longer walks 60,000 fresh objects (50 ms of a 0.33 s shard open).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.models import METADATA_FIELDS, Metadata

REPORTS_FILE = "reports.pickle"  # in a generation's ranking/

# (ordinal, report id, metadata as a dict, source, position, passage count): a store's row
ReportRow = tuple[int, str, dict[str, Any], str, int, int]
# Each field's value where nothing is stored: a removed report's, or a field an older
# version did not store (as `Metadata.from_dict` gives it). Shared: never mutated.
METADATA_DEFAULTS: dict[str, Any] = Metadata().as_dict()


@dataclass(frozen=True)
class ReportColumns:
    """The live reports of a generation in ordinal order, one list per attribute."""

    ordinals: list[int]
    report_ids: list[str]
    sources: list[str]
    positions: list[int]
    passage_counts: list[int]
    fields: dict[str, list[Any]]  # each Metadata field → every report's value

    @classmethod
    def of_rows(cls, rows: Iterable[ReportRow]) -> ReportColumns:
        """The columns of a store's rows (`ReportStore.report_rows`). A field a row lacks
        (stored by an older version) takes its default, as `Metadata.from_dict` gives it."""
        shared: dict[str, str] = {}  # a place, source or kind repeats thousands of times

        def one_object(value: Any) -> Any:
            if isinstance(value, str):
                return shared.setdefault(value, value)
            if isinstance(value, list):
                return [one_object(item) for item in value]
            return value

        found = cls([], [], [], [], [], {name: [] for name in METADATA_FIELDS})
        for ordinal, report_id, metadata, source, position, passage_count in rows:
            found.ordinals.append(ordinal)
            found.report_ids.append(report_id)
            found.sources.append(one_object(source))
            found.positions.append(position)
            found.passage_counts.append(passage_count)
            for name, values in found.fields.items():
                value = metadata[name] if name in metadata else METADATA_DEFAULTS[name]
                values.append(one_object(value))  # lists copied: none is shared
        return found

    def __len__(self) -> int:
        return len(self.ordinals)

    def metadata(self, row: int) -> Metadata:
        """The metadata of the report in row `row` (not its ordinal), a new object."""
        found = Metadata.__new__(Metadata)
        values = {name: column[row] for name, column in self.fields.items()}
        # Every field, as `Metadata.from_dict` sets them; lists its own, not the column's.
        found.__dict__.update({k: list(v) if isinstance(v, list) else v for k, v in values.items()})
        return found


def save_report_columns(folder: Path, columns: ReportColumns) -> None:
    """Save `columns` in `folder` as one pickle of plain lists and dicts."""
    with open(folder / REPORTS_FILE, "wb") as handle:
        pickle.dump(dict(vars(columns)), handle, protocol=pickle.HIGHEST_PROTOCOL)


def load_report_columns(folder: Path) -> ReportColumns:
    """The columns `save_report_columns` saved in `folder`; a generation built before the
    table was columnar saved a list of rows, which is read as well."""
    with open(folder / REPORTS_FILE, "rb") as handle:
        loaded = pickle.load(handle)  # written by the build, never by users
    if isinstance(loaded, list):
        return ReportColumns.of_rows(loaded)
    return ReportColumns(**loaded)
