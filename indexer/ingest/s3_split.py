"""Split a cleaned source text into the reports it compiles.

Download sites paste several bodies' reports one after another, often without titles.
A new report starts

* at a title line ("XX县人民政府关于2023年法治政府建设情况的报告"), or
* where the top-level numbering starts again: a "一、" once the current report has had
  a top-level heading, and no annex ("附件1", "附件:…") has begun, since an annex numbers
  afresh inside the same report. The new report then takes the preamble written before
  its "一、" (see `preamble_start`); everything before that stays with the previous report.

A text without numbering, or numbered 一、二、三、 once, is one report.
"""

from __future__ import annotations

import re

from indexer.ingest.lines import (
    announces_report,
    has_closing_cue,
    has_opening_cue,
    is_heading_line,
    is_salutation,
    is_signature_line,
    is_title_line,
    parse_heading,
)

_FIRST_TOP_HEADING = re.compile(r"一、")
# "附件", "附件1", "附件二:", "附件:XX县法治政府建设考核细则" on a line of its own.
_ANNEX = re.compile(r"附件\s*[\d一二三四五六七八九十]*\s*([:：].{0,40})?")


def split_reports(paragraphs: list[str]) -> list[list[str]]:
    """Split the paragraphs of one source text into one list per report, in order."""
    if not paragraphs:
        return []
    starts = report_starts(paragraphs)
    ends = [*starts[1:], len(paragraphs)]
    return [paragraphs[start:end] for start, end in zip(starts, ends, strict=True)]


def report_starts(paragraphs: list[str]) -> list[int]:
    """Return the index of each report's first paragraph; the first is always 0."""
    starts = [0]
    numbered = False  # the current report has had a top-level heading
    annexed = False  # the current report has reached its annexes
    for i, paragraph in enumerate(paragraphs):
        heading = parse_heading(paragraph)
        top = heading is not None and heading.level == 1
        if is_title_line(paragraph) and _has_content(paragraphs[starts[-1] : i]):
            starts.append(i)
            numbered = annexed = False
        elif top and numbered and not annexed and _FIRST_TOP_HEADING.match(paragraph):
            starts.append(preamble_start(paragraphs, i, starts[-1]))
        numbered = numbered or top
        annexed = annexed or _ANNEX.fullmatch(paragraph) is not None
    return starts


def preamble_start(paragraphs: list[str], first_heading: int, report_start: int) -> int:
    """Return where the report whose "一、" is at `first_heading` begins.

    Walk back from the "一、" over the report's preamble, never reaching `report_start`
    (the previous report keeps at least its first paragraph):

    * a heading stops the walk: it is the previous report's;
    * a title line is the top of the report: take it and stop;
    * a salutation is always an opening: take it; above it only framing lines may follow;
    * issuer and date lines are taken only when a title or salutation lies above them;
      with a body paragraph above they are the previous report's signature;
    * body paragraphs are openings per `_opens`; the first one that is not stops the walk.
    """
    start = first_heading
    addressed = False  # passed a salutation: the preamble's body is behind us
    signed = False  # passed issuer or date lines
    nearest = True
    for j in range(first_heading - 1, report_start, -1):
        paragraph = paragraphs[j]
        if parse_heading(paragraph) is not None:
            break
        if is_title_line(paragraph):
            return j
        if is_salutation(paragraph):
            start, addressed = j, True
        elif is_signature_line(paragraph):
            signed = True
        elif addressed or signed or not _opens(paragraphs, j, nearest):
            break
        else:
            start, nearest = j, False
    return start


def _opens(paragraphs: list[str], j: int, nearest: bool) -> bool:
    """Tell whether body paragraph `j`, before a restarting "一、", opens the new report.

    The paragraph right before "一、" is the opening unless it reads as a closing
    ("今后,…" "同时,…" "2023年,我局将继续…"): position is the strongest evidence. But
    a paragraph right after a heading line is that heading's body unless it announces
    the report ("现将…报告如下:"). Paragraphs further back need an opening cue.
    """
    paragraph = paragraphs[j]
    if has_closing_cue(paragraph):
        return False
    if not nearest:
        return has_opening_cue(paragraph)
    if j > 0 and is_heading_line(paragraphs[j - 1]):
        return announces_report(paragraph)
    return True


def _has_content(paragraphs: list[str]) -> bool:
    return any(
        not (is_title_line(p) or is_salutation(p) or is_signature_line(p)) for p in paragraphs
    )
