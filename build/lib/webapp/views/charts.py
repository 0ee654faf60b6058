"""Geometry of the trend charts, drawn as server-side SVG by templates/_trends.html.

Plain numbers for the template: no script, no style attributes (the CSP forbids both),
every count also in a table next to the chart.
"""

from __future__ import annotations

from typing import Any

COLUMN_WIDTH = 44
COLUMN_GAP = 12
COLUMN_HEIGHT = 120
ROW_HEIGHT = 22
ROW_GAP = 6
LABEL_WIDTH = 100
BAR_WIDTH = 200
PAD = 24


def columns(entries: list[dict[str, Any]], measure: str = "reports") -> dict[str, Any]:
    """Vertical bars, one per entry (years), labelled below, counted above."""
    largest = max((int(e[measure]) for e in entries), default=0) or 1
    bars = []
    for i, e in enumerate(entries):
        height = round(int(e[measure]) / largest * COLUMN_HEIGHT)
        x = PAD + i * (COLUMN_WIDTH + COLUMN_GAP)
        y = PAD + COLUMN_HEIGHT - height
        bars.append(
            {
                "x": x,
                "y": y,
                "w": COLUMN_WIDTH,
                "h": height,
                "cx": x + COLUMN_WIDTH // 2,
                "value_y": y - 6,
                "label_y": PAD + COLUMN_HEIGHT + 18,
                "entry": e,
            }
        )
    width = max(PAD * 2 + len(entries) * (COLUMN_WIDTH + COLUMN_GAP), 200)
    return {
        "width": width,
        "height": PAD + COLUMN_HEIGHT + 30,
        "bars": bars,
        "axis_y": PAD + COLUMN_HEIGHT,
    }


def rows(entries: list[dict[str, Any]], measure: str = "reports") -> dict[str, Any]:
    """Horizontal bars, one per entry (provinces), labelled left, counted right."""
    largest = max((int(e[measure]) for e in entries), default=0) or 1
    bars = []
    for i, e in enumerate(entries):
        y = PAD // 2 + i * (ROW_HEIGHT + ROW_GAP)
        width = max(1, round(int(e[measure]) / largest * BAR_WIDTH))
        bars.append(
            {
                "x": LABEL_WIDTH,
                "y": y,
                "w": width,
                "h": ROW_HEIGHT,
                "label_x": LABEL_WIDTH - 8,
                "value_x": LABEL_WIDTH + width + 6,
                "text_y": y + ROW_HEIGHT * 0.72,
                "entry": e,
            }
        )
    height = PAD + len(entries) * (ROW_HEIGHT + ROW_GAP)
    return {"width": LABEL_WIDTH + BAR_WIDTH + 50, "height": height, "bars": bars}
