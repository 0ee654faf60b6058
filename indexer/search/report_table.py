"""Per-report metadata of an opened generation, as arrays and folded strings.

Filters (region:, dept:, year:…) and facets read reports by ordinal; this table holds
them so, loaded once per generation from the build's report columns.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

import numpy as np

from indexer.index.report_columns import METADATA_DEFAULTS, ReportColumns
from indexer.index.store import ReportRecord
from indexer.ingest.s5_citations import doc_number_key
from indexer.models import Metadata
from indexer.normalize import fold
from indexer.query.dates import date_days
from indexer.search.facets import FacetCounter


class ReportTable:
    """Per-report metadata as folded strings and arrays, for filters and facets.

    Indexed by report ordinal; the ordinals of removed reports hold empty placeholders
    (no live passage points at them). Read from the generation's columns
    (`report_columns.py`): a filter's strings are made from them on its first use, and a
    report's record when a query first reads it.
    """

    def __init__(self, columns: ReportColumns, known_issuers: frozenset[str] | None = None) -> None:
        """`known_issuers`: the issuer names of the whole index, when this is a shard's
        table (an issuer: filter naming one selects exactly it, in every shard)."""
        self._known_issuers = known_issuers
        self._columns = columns
        space = columns.ordinals[-1] + 1 if len(columns) else 0  # ordinals ascend
        self._row_of = np.full(space, -1, dtype=np.int64)  # ordinal → row; −1: removed
        self._row_of[columns.ordinals] = np.arange(len(columns))
        self.records: Sequence[ReportRecord] = _Records(columns, self._row_of)
        years = np.array([year or 0 for year in columns.fields["year"]], dtype=np.int64)
        self.years = np.zeros(space, dtype=np.int64)
        self.years[columns.ordinals] = years
        self._spread: dict[str, list[Any]] = {}  # `column`s with removed reports' defaults

    def column(self, name: str) -> list[Any]:
        """Metadata field `name` of every ordinal, a removed report's the field's default.
        Made once per field (two threads racing both make the same list)."""
        values = self._columns.fields[name]
        if len(values) == len(self._row_of):  # no report removed: rows are ordinals
            return values
        found = self._spread.get(name)
        if found is None:
            default = METADATA_DEFAULTS[name]
            rows = self._row_of.tolist()
            found = self._spread[name] = [default if r < 0 else values[r] for r in rows]
        return found

    def _places(self) -> Iterator[tuple[str, str, str]]:
        """Each ordinal's (province, city, county) as stated."""
        return zip(self.column("province"), self.column("city"), self.column("county"), strict=True)

    @functools.cached_property
    def live_records(self) -> list[ReportRecord]:
        """The records of the live reports, in ordinal order."""
        return [self.records[ordinal] for ordinal in self._columns.ordinals]

    @functools.cached_property
    def dates(self) -> tuple[np.ndarray, np.ndarray]:
        """Each report's 成文日期 as the first and last day it covers, YYYYMMDD (0: none
        stated); made on the first date: filter."""
        days = [date_days(date) or (0, 0) for date in self.column("date")]
        first = np.array([d[0] for d in days], dtype=np.int64)
        return first, np.array([d[1] for d in days], dtype=np.int64)

    # Folded strings for filters, made on the first filter that needs them.

    @functools.cached_property
    def region(self) -> list[str]:
        return [fold(" ".join(place)) for place in self._places()]

    @functools.cached_property
    def places(self) -> list[tuple[str, str, str]]:
        """Each report's (province, city, county), folded: region paths match them exactly."""
        return [
            (fold(province), fold(city), fold(county)) for province, city, county in self._places()
        ]

    @functools.cached_property
    def department(self) -> list[str]:
        return [fold(department) for department in self.column("department")]

    @functools.cached_property
    def issuer(self) -> list[str]:
        # The canonical name, then the spelling the report used: issuer:十三届中央委员会
        # finds the report that wrote it, issuer:中央委员会 every spelling's.
        spelled = zip(self.column("issuer"), self.column("issuer_stated"), strict=True)
        return [fold(f"{issuer}\n{stated}".strip()) for issuer, stated in spelled]

    @functools.cached_property
    def issuer_name(self) -> list[str]:
        """Each report's canonical issuer, folded: what the issuer facet counts."""
        return [fold(issuer) for issuer in self.column("issuer")]

    @functools.cached_property
    def issuer_names(self) -> frozenset[str]:
        if self._known_issuers is not None:
            return self._known_issuers
        return frozenset(name for name in self.issuer_name if name)

    @functools.cached_property
    def doc_number(self) -> list[str]:
        """Each report's own document number, folded, brackets unified (`doc_number_key`)."""
        return [fold(doc_number_key(number)) for number in self.column("doc_number")]

    @functools.cached_property
    def laws(self) -> list[list[str]]:
        return [[fold(law) for law in laws] for laws in self.column("laws")]

    @functools.cached_property
    def facet_counter(self) -> FacetCounter:
        return FacetCounter(self.column)

    def mask(self, predicate: Callable[[int], bool]) -> np.ndarray:
        count = len(self.records)
        return np.fromiter((predicate(i) for i in range(count)), bool, count)


class _Records(Sequence[ReportRecord]):
    """The table's records by ordinal, each made on first reading and kept.

    Two threads reading one at once may both make it: equal records, one kept.
    """

    def __init__(self, columns: ReportColumns, row_of: np.ndarray) -> None:
        self._columns = columns
        self._row_of = row_of
        self._made: list[ReportRecord | None] = [None] * len(row_of)

    def __len__(self) -> int:
        return len(self._made)

    @overload
    def __getitem__(self, ordinal: int) -> ReportRecord: ...

    @overload
    def __getitem__(self, ordinal: slice) -> Sequence[ReportRecord]: ...

    def __getitem__(self, ordinal: int | slice) -> ReportRecord | Sequence[ReportRecord]:
        if isinstance(ordinal, slice):
            return [self[i] for i in range(len(self))[ordinal]]
        found = self._made[ordinal]  # IndexError past the end, as a list's
        if found is None:
            found = self._made[ordinal] = self._make(operator.index(ordinal) % len(self))
        return found

    def _make(self, ordinal: int) -> ReportRecord:
        row = int(self._row_of[ordinal])
        if row < 0:
            return ReportRecord(ordinal, "", Metadata(), "", 0, 0)
        columns = self._columns
        return ReportRecord(
            ordinal,
            columns.report_ids[row],
            columns.metadata(row),
            columns.sources[row],
            columns.positions[row],
            columns.passage_counts[row],
        )
