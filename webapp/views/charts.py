"""Geometry of the trend charts, drawn as server-side SVG by templates/_trends.html.

Plain numbers for the template: no script, no style attributes (the CSP forbids both),
every count also in a table next to the chart. Years stand on a numeric axis: a year with
no match is an empty place, so 1923 and 1969 are 46 years apart, not neighbours; reports
stating no year (未识别) stand apart at the right.
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
YEAR_AXIS_WIDTH = 640  # the widest a year axis is drawn before bars get thinner
MEASURES = {
    "reports": "报告数",
    "occurrences": "出现次数",
    "per_100_reports": "每百篇报告中的匹配报告数",
}
"""What a chart can draw: name → what it says."""


def _number(value: object) -> float:
    return float(value)  # type: ignore[arg-type]


def year_axis(entries: list[dict[str, Any]], measure: str = "reports") -> dict[str, Any]:
    """Vertical bars at their year's place on a numeric axis; 未识别 apart at the right."""
    known = [e for e in entries if str(e["value"]).isdigit()]
    unknown = [e for e in entries if not str(e["value"]).isdigit()]
    years = [int(e["value"]) for e in known]
    first, last = (min(years), max(years)) if years else (0, 0)
    span = last - first + 1 if years else 0
    step = min(COLUMN_WIDTH + COLUMN_GAP, max(3, YEAR_AXIS_WIDTH // max(span, 1)))
    width = max(2, step - max(1, step // 5))
    largest = max((_number(e[measure]) for e in entries), default=0) or 1
    axis_end = PAD + span * step
    labelled = step >= 30  # every year labelled, else the first, the last and each decade
    bars = []
    for e in entries:
        if e in unknown:
            x = axis_end + COLUMN_GAP * 2 + unknown.index(e) * (COLUMN_WIDTH + COLUMN_GAP)
            bar = COLUMN_WIDTH
        else:
            x, bar = PAD + (int(e["value"]) - first) * step, width
        height = round(_number(e[measure]) / largest * COLUMN_HEIGHT)
        year = int(e["value"]) if e in known else None
        bars.append(
            {
                "x": x,
                "y": PAD + COLUMN_HEIGHT - height,
                "w": bar,
                "h": height,
                "cx": x + bar // 2,
                "value_y": PAD + COLUMN_HEIGHT - height - 6,
                "label_y": PAD + COLUMN_HEIGHT + 18,
                "labelled": year is None or labelled or year in (first, last) or year % 10 == 0,
                "valued": bar >= 24,
                "entry": e,
                "value": e[measure],
            }
        )
    right = axis_end + (
        COLUMN_GAP * 2 + len(unknown) * (COLUMN_WIDTH + COLUMN_GAP) if unknown else 0
    )
    return {
        "width": max(right + PAD, 200),
        "height": PAD + COLUMN_HEIGHT + 30,
        "bars": bars,
        "axis_y": PAD + COLUMN_HEIGHT,
        "axis_end": axis_end,
    }


def rows(entries: list[dict[str, Any]], measure: str = "reports") -> dict[str, Any]:
    """Horizontal bars, one per entry (provinces), labelled left, counted right."""
    largest = max((_number(e[measure]) for e in entries), default=0) or 1
    bars = []
    for i, e in enumerate(entries):
        y = PAD // 2 + i * (ROW_HEIGHT + ROW_GAP)
        width = max(1, round(_number(e[measure]) / largest * BAR_WIDTH))
        bars.append(
            {
                "value": e[measure],
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
