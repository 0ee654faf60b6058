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
