"""Per-report metadata of an opened generation, as arrays and folded strings.

Filters (region:, dept:, year:…) and facets read reports by ordinal; this table holds
them so, loaded once per generation from the build's report pickle.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from indexer.index.store import ReportRecord
from indexer.ingest.s5_citations import doc_number_key
from indexer.models import Metadata
from indexer.normalize import fold
from indexer.query.dates import date_days
from indexer.search.facets import FacetCounter


class ReportTable:
    """Per-report metadata as folded strings and arrays, for filters and facets.

    Indexed by report ordinal; the ordinals of removed reports hold empty placeholders
    (no live passage points at them).
    """

    def __init__(
        self, live_records: list[ReportRecord], known_issuers: frozenset[str] | None = None
    ) -> None:
        """`known_issuers`: the issuer names of the whole index, when this is a shard's
        table (an issuer: filter naming one selects exactly it, in every shard)."""
        self._known_issuers = known_issuers
        space = max((r.ordinal for r in live_records), default=-1) + 1
        slots: list[ReportRecord | None] = [None] * space
        for record in live_records:
            slots[record.ordinal] = record
        records = [
            ReportRecord(i, "", Metadata(), "", 0, 0) if r is None else r
            for i, r in enumerate(slots)
        ]
        self.live_records = live_records
        self.records = records
        self.years = np.array([r.metadata.year or 0 for r in records], dtype=np.int64)

    @functools.cached_property
    def dates(self) -> tuple[np.ndarray, np.ndarray]:
        """Each report's 成文日期 as the first and last day it covers, YYYYMMDD (0: none
        stated); made on the first date: filter (at open, 30 ms of a 10× shard's 0.4 s)."""
        days = [date_days(r.metadata.date) or (0, 0) for r in self.records]
        first = np.array([d[0] for d in days], dtype=np.int64)
        return first, np.array([d[1] for d in days], dtype=np.int64)

    # Folded strings for filters, made on the first filter that needs them.

    @functools.cached_property
    def region(self) -> list[str]:
        return [
            fold(" ".join((r.metadata.province, r.metadata.city, r.metadata.county)))
            for r in self.records
        ]

    @functools.cached_property
    def places(self) -> list[tuple[str, str, str]]:
        """Each report's (province, city, county), folded: region paths match them exactly."""
        return [
            (fold(r.metadata.province), fold(r.metadata.city), fold(r.metadata.county))
            for r in self.records
        ]

    @functools.cached_property
    def department(self) -> list[str]:
        return [fold(r.metadata.department) for r in self.records]

    @functools.cached_property
    def issuer(self) -> list[str]:
        # The canonical name, then the spelling the report used: issuer:十三届中央委员会
        # finds the report that wrote it, issuer:中央委员会 every spelling's.
        return [
            fold(f"{r.metadata.issuer}\n{r.metadata.issuer_stated}".strip()) for r in self.records
        ]

    @functools.cached_property
    def issuer_name(self) -> list[str]:
        """Each report's canonical issuer, folded: what the issuer facet counts."""
        return [fold(r.metadata.issuer) for r in self.records]

    @functools.cached_property
    def issuer_names(self) -> frozenset[str]:
        if self._known_issuers is not None:
            return self._known_issuers
        return frozenset(name for name in self.issuer_name if name)

    @functools.cached_property
    def doc_number(self) -> list[str]:
        """Each report's own document number, folded, brackets unified (`doc_number_key`)."""
        return [fold(doc_number_key(r.metadata.doc_number)) for r in self.records]

    @functools.cached_property
    def laws(self) -> list[list[str]]:
        return [[fold(law) for law in r.metadata.laws] for r in self.records]

    @functools.cached_property
    def facet_counter(self) -> FacetCounter:
        return FacetCounter(self.records)

    def mask(self, predicate: Callable[[int], bool]) -> np.ndarray:
        count = len(self.records)
        return np.fromiter((predicate(i) for i in range(count)), bool, count)
