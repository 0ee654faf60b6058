"""The orders a result's reports can be listed in; the names are `settings.SORTS`."""

from __future__ import annotations

import numpy as np

_NO_YEAR_LAST = np.iinfo(np.int64).max


def group_order(
    sort: str, reports: np.ndarray, scores: np.ndarray, sizes: np.ndarray, years: np.ndarray
) -> np.ndarray:
    """Return the order of report groups for `sort`; ties by score, then report ordinal.

    `year` lists the newest first, `oldest` the oldest first (reports without a year
    last in both), `passages` the reports with most matching passages first.
    """
    if sort == "year":
        return np.lexsort((reports, -scores, -years))
    if sort == "oldest":
        return np.lexsort((reports, -scores, np.where(years > 0, years, _NO_YEAR_LAST)))
    if sort == "passages":
        return np.lexsort((reports, -scores, -sizes))
    return np.lexsort((reports, -scores))


def merge_keys(
    sort: str, rows: np.ndarray, global_report: np.ndarray, sizes: np.ndarray | None = None
) -> np.ndarray:
    """Return a shard's groups' keys, which `np.lexsort` over all shards orders as
    `group_order` orders one index's groups: (primary, −score, whole-index report ordinal).

    `rows` are `SearchResult.group_keys` rows (report ordinal, score, year); the report
    ordinal is the shard's, `global_report` maps it to the whole index's.
    """
    reports = rows[:, 0].astype(np.int64)
    scores, years = rows[:, 1], rows[:, 2]
    if sort == "year":
        primary = -years
    elif sort == "oldest":
        primary = np.where(years > 0, years, float(_NO_YEAR_LAST))
    elif sort == "passages":
        assert sizes is not None, "passages ranks by size"
        primary = -sizes.astype(np.float64)
    else:
        primary = np.zeros(len(rows))
    return np.column_stack([primary, -scores, global_report[reports].astype(np.float64)])


def merged_order(keys: np.ndarray) -> np.ndarray:
    """The order of rows of `merge_keys` (stacked from every shard): one index's order."""
    return np.lexsort((keys[:, 2], keys[:, 1], keys[:, 0]))
