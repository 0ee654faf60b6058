"""Facet counts: what a result holds by province, city, county, department, year, law and
issuer.

Every report is counted once per facet; a report that states no province, department or
year is counted under `UNKNOWN` (未识别), so each of those facets adds up to the result's
totals; so do a province's cities and a city's counties (a report naming the province but
no city counts under the province's 未识别 city). `UNKNOWN` is also a filter value
(`region:未识别`, `dept=未识别`, `year=未识别`, the path `浙江省 未识别`) selecting exactly the
reports of that bucket: a facet value, clicked, selects exactly the reports it counts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from indexer.models import UNKNOWN

if TYPE_CHECKING:
    from indexer.index.store import ReportRecord


PUBLIC_FACETS = ("province", "department", "year", "law", "issuer")
"""The facets of the JSON contract; `city` and `county` serve the drill-down."""

FACET_FILTERS = {
    "province": "region",
    "city": "region",
    "county": "region",
    "department": "dept",
    "year": "year",
    "law": "law",
    "issuer": "issuer",
}
"""Facet → the filter a click on one of its values adds."""

Facets = dict[str, list[dict[str, Any]]]

# The metadata fields facets count, in the order `FacetCounter` reads them.
_FACET_FIELDS = ("province", "city", "county", "department", "year", "laws", "issuer")


def region_path(*parts: str) -> str:
    """Return the region filter value naming exactly this province (city, county).

    A path of two or three parts matches each level exactly (`UNKNOWN` as a part: that
    level is not stated), so it selects that place and nothing with a similar name.
    """
    return " ".join(parts)


class FacetCounter:
    """Per-report facet value codes, made once per generation, so a count is a bincount.

    A result matching 100,000 passages spans thousands of reports; tallying them one
    report and facet at a time in Python cost tens of milliseconds. Here each facet value
    has a code and a rank in the order ties break by (its key), each report the code of
    its value (−1 for none); laws, several per report, are (report, code) pairs.
    """

    def __init__(self, column: Callable[[str], Sequence[Any]]) -> None:
        """`column(field)`: metadata field `field` of every report, by report ordinal
        (`ReportTable.column`; `of_records` for records at hand)."""
        found: dict[str, list[tuple[int, tuple[str, ...]]]] = {n: [] for n in FACET_FILTERS}
        values = zip(*(column(field) for field in _FACET_FIELDS), strict=True)
        for ordinal, (province, city, county, department, year, laws, issuer) in enumerate(values):
            found["province"].append((ordinal, (province or UNKNOWN,)))
            found["department"].append((ordinal, (department or UNKNOWN,)))
            found["year"].append((ordinal, (str(year) if year else UNKNOWN,)))
            found["law"].extend((ordinal, (law,)) for law in dict.fromkeys(laws) if law)
            found["issuer"].append((ordinal, (issuer or UNKNOWN,)))
            # A place's lower levels add up to it: what names no lower level is 未识别 there.
            if province:
                found["city"].append((ordinal, (province, city or UNKNOWN)))
            if city:
                found["county"].append((ordinal, (province, city, county or UNKNOWN)))
        # name → (reports, codes, keys, ranks, unknown flags): report[i] has value codes[i].
        self._facets: dict[str, tuple[np.ndarray, ...]] = {}
        self._keys: dict[str, list[tuple[str, ...]]] = {}
        for name, pairs in found.items():
            keys = sorted({key for _, key in pairs})
            code_of = {key: code for code, key in enumerate(keys)}
            reports = np.fromiter((o for o, _ in pairs), np.int64, len(pairs))
            codes = np.fromiter((code_of[k] for _, k in pairs), np.int64, len(pairs))
            unknown = np.array([key[-1] == UNKNOWN for key in keys], dtype=bool)
            self._facets[name] = (reports, codes, unknown)
            self._keys[name] = keys

    @classmethod
    def of_records(cls, records: Sequence[ReportRecord]) -> FacetCounter:
        """A counter over `records`, the i-th counted as report i."""
        return cls(lambda field: [getattr(r.metadata, field) for r in records])

    def count(self, report_counts: np.ndarray) -> Facets:
        """Count reports and passages per facet value; `report_counts[i]`: report i's."""
        counts = np.asarray(report_counts, dtype=np.int64)
        out: Facets = {}
        for name, (reports, codes, unknown) in self._facets.items():
            keys = self._keys[name]
            passages_of = counts[reports] if len(reports) else np.empty(0, np.int64)
            hit = passages_of > 0
            size = len(keys)
            report_tally = np.bincount(codes[hit], minlength=size)
            passage_tally = np.bincount(codes[hit], weights=passages_of[hit], minlength=size)
            present = np.flatnonzero(report_tally)
            # Unknown last, then most reports, most passages, key (codes are key ranks).
            order = np.lexsort(
                (present, -passage_tally[present], -report_tally[present], unknown[present])
            )
            picked = present[order]
            entries = []
            for code, reports_in, passages_in in zip(
                picked.tolist(),
                report_tally[picked].tolist(),
                passage_tally[picked].astype(np.int64).tolist(),
                strict=True,
            ):
                key = keys[code]
                entry: dict[str, Any] = {
                    "value": key[-1],
                    "reports": reports_in,
                    "passages": passages_in,
                }
                if name in ("city", "county"):
                    entry["province"] = key[0]
                    if name == "county":
                        entry["city"] = key[1]
                    entry["path"] = region_path(*key)
                entries.append(entry)
            out[name] = entries
        return out

    def sums(self, name: str, per_report: np.ndarray) -> dict[str, int]:
        """Sum a per-report quantity (occurrences) by the values of facet `name`."""
        reports, codes, _ = self._facets[name]
        values = np.asarray(per_report, dtype=np.int64)
        weights = values[reports] if len(reports) else np.empty(0, np.int64)
        totals = np.bincount(codes, weights=weights, minlength=len(self._keys[name]))
        return {
            key[-1]: int(total)
            for key, total in zip(self._keys[name], totals.tolist(), strict=True)
            if total
        }


def _key(name: str, entry: dict[str, Any]) -> tuple[str, ...]:
    """A facet entry's key: its value, under its province (and city) for city, county."""
    if name == "city":
        return (entry["province"], entry["value"])
    if name == "county":
        return (entry["province"], entry["city"], entry["value"])
    return (entry["value"],)


def merge_facets(parts: Sequence[Facets]) -> Facets:
    """Sum facet counts of disjoint sets of reports (a sharded index's shards), each
    complete, into what `FacetCounter.count` gives for all of them: in its order."""
    out: Facets = {}
    names = dict.fromkeys(name for part in parts for name in part)
    for name in names:
        summed: dict[tuple[str, ...], dict[str, Any]] = {}
        for part in parts:
            for entry in part.get(name, []):
                key = _key(name, entry)
                found = summed.get(key)
                if found is None:
                    summed[key] = dict(entry)
                else:
                    found["reports"] += entry["reports"]
                    found["passages"] += entry["passages"]
        out[name] = sorted(
            summed.values(),
            key=lambda e: (e["value"] == UNKNOWN, -e["reports"], -e["passages"], _key(name, e)),
        )
    return out


def in_year_order(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return year facet values oldest first, 未识别 last."""
    return sorted(values, key=lambda v: (v["value"] == UNKNOWN, str(v["value"])))


def overview(everything: Facets, *, laws: int = 10) -> dict[str, Any]:
    """What the index holds, from its facets: counts, years covered, provinces and
    most-cited laws (the home page)."""
    years = [int(v["value"]) for v in everything["year"] if v["value"] != UNKNOWN]
    return {
        "reports": sum(v["reports"] for v in everything["province"]),
        "passages": sum(v["passages"] for v in everything["province"]),
        "years": in_year_order(everything["year"]),
        "first_year": min(years, default=None),
        "last_year": max(years, default=None),
        "provinces": everything["province"],
        "departments": everything["department"],
        "laws": everything["law"][:laws],
    }
