"""Rejoin the lines of a cleaned text into the writer's paragraphs, adding nothing.

A copy breaks paragraphs in the middle of a sentence ("检查指导、" / "督办考核…"), and
cleaning removes markers that sat inside one (a wiki's "[ / 4 / ]"); both sides are one
paragraph again here. The rules are conservative: a line that finishes its sentence, a
heading, a title or a salutation never continues.
"""

from __future__ import annotations

import re

from indexer.ingest.lines import (
    has_closing_cue,
    has_opening_cue,
    is_heading_line,
    is_salutation,
    is_title_line,
    parse_heading,
)
from indexer.ingest.s5_dates import YEAR_DIGITS

# A line opening on a full date is an entry of its own (a chronology, a dated notice):
# "2012年8月31日 第十一届全国人民代表大会常务委员会…第一次修正".
_DATED_START = re.compile(rf"{YEAR_DIGITS}年\d{{1,2}}月\d{{1,2}}日")

# A line ending in one of these has finished its sentence (or its quotation, or its
# parenthesis) and never continues on the next line.
SENTENCE_FINAL = "。！？；：…”’」』）)!?;:."
# A line ending in one of these is cut in the middle of a sentence for certain.
MID_SENTENCE = "、，,（(《“‘—-"
# A line starting with one of these cannot start a paragraph.
CONTINUES = "，,。、；;：:！!？?）)》”’」』"
# Shorter lines without final punctuation are titles, issuers or dates, not fragments.
SHORT_LINE_MAX = 40


def rejoin(
    lines: list[str], dropped: set[int], markers: frozenset[int]
) -> tuple[list[str], tuple[tuple[int, ...], ...]]:
    """Rejoin the kept lines into paragraphs; return them and the lines each came from.

    Blank lines ("") are dropped here, after telling `continues` where they were. A
    dropped line is passed over as if it were not there, but an inline marker between
    two lines of text marks them as one sentence (`across_marker`).
    """
    paragraphs: list[str] = []
    origins: list[list[int]] = []
    blank_before = marker_before = False
    for i, line in enumerate(lines):
        if i in dropped:
            marker_before = marker_before or i in markers
            continue
        if not line:
            blank_before, marker_before = True, False
            continue
        if paragraphs and (
            across_marker(paragraphs[-1], line)
            if marker_before and not blank_before
            else continues(paragraphs[-1], line, blank_between=blank_before)
        ):
            paragraphs[-1] += line
            origins[-1].append(i)
        else:
            paragraphs.append(line)
            origins.append([i])
        blank_before = marker_before = False
    return paragraphs, tuple(tuple(lines_of) for lines_of in origins)


def across_marker(line: str, following: str) -> bool:
    """Tell whether text on both sides of a removed inline marker is one paragraph.

    A footnote reference sits where the writer's text goes on: the two sides are joined
    unless the first ends a sentence or is a heading, or the second is one.
    """
    return not (line[-1] in SENTENCE_FINAL or is_heading_line(line) or parse_heading(following))


def continues(line: str, following: str, *, blank_between: bool = False) -> bool:
    """Tell whether `following` is the rest of the sentence `line` breaks off.

    Conservative: a heading line, a line ending with sentence-final punctuation, or a
    line followed by a heading never continues. A line ending in 、 or a comma does,
    even across a blank line (some sites put one after every line). Otherwise (it ends
    in a character) it continues only when no blank line separates them, it is longer
    than a title, and the next line does not look like the start of a paragraph.
    """
    if line[-1] in SENTENCE_FINAL or is_heading_line(line) or parse_heading(following):
        return False
    if line[-1] in MID_SENTENCE:
        return True
    if blank_between:
        return False
    if following[0] in CONTINUES:
        return True
    if len(line) <= SHORT_LINE_MAX or is_title_line(line) or is_salutation(line):
        return False
    return not starts_paragraph(following)


def starts_paragraph(line: str) -> bool:
    """Tell whether a line reads like the beginning of a paragraph of its own."""
    return (
        parse_heading(line) is not None
        or _DATED_START.match(line) is not None
        or is_title_line(line)
        or is_salutation(line)
        or has_opening_cue(line)
        or has_closing_cue(line)
    )
