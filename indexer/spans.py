"""Spans of characters and runs of numbers: the small shapes several modules share.

A span is `[start, end)` in a text's characters (folding keeps offsets, so a span in the
folded text is the same span in the text as written).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def find_spans(folded_haystack: str, needles: Sequence[str]) -> list[tuple[int, int]]:
    """Return the [start, end) spans of every occurrence of each folded needle, merged.

    Overlapping or touching matches of different needles merge into one span, so a
    front end can mark them without nesting.
    """
    spans: list[tuple[int, int]] = []
    for needle in needles:
        if not needle:
            continue
        start = folded_haystack.find(needle)
        while start != -1:
            spans.append((start, start + len(needle)))
            start = folded_haystack.find(needle, start + 1)
    return merge_spans(spans)


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort spans and merge those that overlap or touch."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def concatenated_ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Return range(starts[0], starts[0] + lengths[0]) + range(starts[1], …) + …, at once.

    >>> concatenated_ranges(np.array([10, 3]), np.array([2, 3])).tolist()
    [10, 11, 3, 4, 5]
    """
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths  # where each range begins in the output
    return np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))


def stable_order(keys: np.ndarray) -> np.ndarray:
    """The permutation that sorts 32-bit `keys` stably: numpy's stable sort of 16-bit
    integers is a radix sort, so one pass per 16-bit digit, the low one first."""
    low = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    if not len(keys) or int(keys.max()) < 2**16:
        return low
    high = (keys[low] >> 16).astype(np.uint16)
    return low[np.argsort(high, kind="stable")]


def in_sorted(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """Which `values` occur in `sorted_values` (np.isin without sorting them again).

    >>> in_sorted(np.array([3, 5, 9]), np.array([1, 3, 9])).tolist()
    [True, False, True]
    """
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return np.asarray(sorted_values[at] == values)


def compact_ints(values: np.ndarray) -> np.ndarray:
    """Integer `values` as int32 where they fit, else int64: arrays a build saves and a
    reader takes as integers of any width. Half the bytes matter: on the VMs measured, a
    new file's every megabyte cost 3-8 ms to write (fresh page-cache memory)."""
    bounds = np.iinfo(np.int32)
    fits = not len(values) or (values.min() >= bounds.min and values.max() <= bounds.max)
    return values.astype(np.int32 if fits else np.int64, copy=False)
