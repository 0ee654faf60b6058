"""Laid-out lines of pages → the document's paragraphs, page furniture removed.

A PDF's text layer and OCR both give lines with their boxes on the page; neither says
where a paragraph ends. The layout does: a paragraph's first line is indented (two
characters in Chinese documents), its other lines run from margin to margin, its last
line stops short, and a wider gap sets it off. Page furniture is told apart by evidence
across pages: a line at the top or foot of a page that repeats there on other pages (a
running title), or a page number whose value counts up with the pages (`— 2 —`, `- 2 -`,
`第2页 共5页`, `2/5`). A paragraph a page breaks continues on the next page when the next
page's first body line is not indented.

Boxes are in page units with y growing downwards (top < bottom); a page's size is in
the same units. Only relative measures are used, so points and pixels work alike.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from statistics import median

from indexer.ingest.s2_clean import SENTENCE_FINAL

# The page-number lines, each with its number: — 2 —, - 2 -, －2－, 第2页 共5页, 第 2 页,
# 2/5, 2 / 5, Page 2 of 5, a bare 2.
PAGE_NUMBER = re.compile(
    r"[—–―\-－−一~～·.\s]*(?P<n>\d{1,4})[—–―\-－−一~～·.\s]*"
    r"|第\s*(?P<n2>\d{1,4})\s*页\s*(?:[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|(?:共\s*\d{1,4}\s*页\s*[,，]?\s*)第\s*(?P<n3>\d{1,4})\s*页"
    r"|(?P<n4>\d{1,4})\s*/\s*\d{1,4}"
    r"|(?i:page)\s*(?P<n5>\d{1,4})(?:\s*(?i:of)\s*\d{1,4})?"
)
# How many lines at the top and at the foot of a page may be furniture.
EDGE_LINES = 2
# Where two pages' lines count as "in the same place": a fraction of the page height.
SAME_PLACE = 0.02
# A line repeated in the same place on at least this share of the pages is a running line.
RUNNING_SHARE = 0.4

_Place = tuple[int, int]  # (page, line) indexes
_Edge = tuple[int, int, str]  # (page, line, "top" or "foot")


@dataclass(frozen=True)
class Line:
    """One line of text as laid out on a page."""

    text: str
    left: float
    top: float
    right: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def middle(self) -> float:
        return (self.left + self.right) / 2


@dataclass(frozen=True)
class Page:
    """A page's lines in reading order, and its size."""

    lines: tuple[Line, ...]
    width: float
    height: float
    furniture: tuple[str, ...] = field(default=(), compare=False)


def lines_from_boxes(boxes: Iterable[tuple[str, float, float, float, float]]) -> list[Line]:
    """Group word or phrase boxes (text, left, top, right, bottom) into lines, top to bottom.

    Boxes whose vertical extents overlap by more than half the smaller one share a line
    and are read left to right; a gap wider than a character between two boxes is a space.
    """
    pending = sorted(
        (Line(text.strip(), *box) for text, *box in boxes if text.strip()),
        key=lambda line: (line.top + line.bottom) / 2,
    )
    rows: list[list[Line]] = []
    for line in pending:
        row = rows[-1] if rows else None
        if row is not None and _same_row(row, line):
            row.append(line)
        else:
            rows.append([line])
    return [_merge(sorted(row, key=lambda line: line.left)) for row in rows]


def _same_row(row: list[Line], line: Line) -> bool:
    top = min(item.top for item in row)
    bottom = max(item.bottom for item in row)
    overlap = min(bottom, line.bottom) - max(top, line.top)
    return overlap > 0.5 * min(bottom - top, line.height)


def _merge(row: list[Line]) -> Line:
    text = row[0].text
    for before, after in itertools.pairwise(row):
        gap = after.left - before.right
        text += (" " if gap > 0.8 * max(before.height, after.height) else "") + after.text
    return Line(
        text,
        min(line.left for line in row),
        min(line.top for line in row),
        max(line.right for line in row),
        max(line.bottom for line in row),
    )


# --- page furniture -------------------------------------------------------------------------


def remove_furniture(pages: Sequence[Page]) -> list[Page]:
    """Return the pages without their running lines and page numbers (kept in `furniture`)."""
    gone = furniture(pages)
    return [
        Page(
            tuple(line for i, line in enumerate(page.lines) if (p, i) not in gone),
            page.width,
            page.height,
            tuple(line.text for i, line in enumerate(page.lines) if (p, i) in gone),
        )
        for p, page in enumerate(pages)
    ]


def furniture(pages: Sequence[Page]) -> set[_Place]:
    """Return (page, line) of every line that is page furniture, by evidence across pages."""
    edges = [(p, i, edge) for p, page in enumerate(pages) for i, edge in _edge_lines(page)]
    return _page_numbers(pages, edges) | _running_lines(pages, edges)


def _edge_lines(page: Page) -> Iterable[tuple[int, str]]:
    """The first `EDGE_LINES` lines of a page's upper half and the last of its lower half.

    Halves, not ranks: on a page of two lines the second is its foot, not its top.
    """
    order = sorted(range(len(page.lines)), key=lambda i: page.lines[i].top)
    upper = [i for i in order if _relative_centre(page, page.lines[i]) < 0.5]
    lower = [i for i in order if _relative_centre(page, page.lines[i]) >= 0.5]
    for i in upper[:EDGE_LINES]:
        yield i, "top"
    for i in lower[-EDGE_LINES:]:
        yield i, "foot"


def page_number(text: str) -> int | None:
    """The page number a line states, if the whole line is a page number."""
    match = PAGE_NUMBER.fullmatch(text.strip())
    if match is None:
        return None
    found = next(value for value in match.groupdict().values() if value is not None)
    return int(found)


def _page_numbers(pages: Sequence[Page], edges: list[_Edge]) -> set[_Place]:
    """Edge lines holding a number that counts up with the pages (same offset on ≥ 2 pages).

    In a one-page document only a decorated number (— 1 —, 第1页) is taken: a bare
    digit there is as likely a heading's or a table's.
    """
    by_offset: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    for p, i, edge in edges:
        text = pages[p].lines[i].text
        number = page_number(text)
        if number is not None:
            by_offset[edge, number - p].append((p, i))
    found: set[_Place] = set()
    for (_, offset), places in by_offset.items():
        if len({p for p, _ in places}) >= 2:
            found.update(places)
        elif len(pages) == 1 and offset == 1:
            found.update((p, i) for p, i in places if not pages[p].lines[i].text.isdigit())
    return found


def _running_lines(pages: Sequence[Page], edges: list[_Edge]) -> set[_Place]:
    """Edge lines repeated (digits aside) in the same place on enough of the pages.

    A line that is only a page number is not one: it goes when it counts up
    (`_page_numbers`), and a number repeated at every foot is as likely a table's.
    """
    if len(pages) < 2:
        return set()
    groups: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for p, i, edge in edges:
        text = pages[p].lines[i].text
        if page_number(text) is None:  # page numbers count up, or are body text
            groups[edge, _shape(text)].append((p, i))
    found: set[_Place] = set()
    needed = max(2, RUNNING_SHARE * len(pages))
    for places in groups.values():
        # The largest set of these lines that share a place on the page.
        centres = Counter(
            round(_relative_centre(pages[p], pages[p].lines[i]) / SAME_PLACE) for p, i in places
        )
        for centre, _count in centres.most_common(1):
            near = [
                (p, i)
                for p, i in places
                if abs(_relative_centre(pages[p], pages[p].lines[i]) / SAME_PLACE - centre) <= 1
            ]
            if len({p for p, _ in near}) >= needed:
                found.update(near)
    return found


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _relative_centre(page: Page, line: Line) -> float:
    return (line.top + line.bottom) / 2 / page.height if page.height else 0.0


# --- paragraphs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Measure:
    """The text block's measures: its margins, usual line height and gap between lines."""

    left: float
    right: float
    line: float
    gap: float

    @property
    def centre(self) -> float:
        return (self.left + self.right) / 2


def paragraphs(pages: Sequence[Page]) -> list[str]:
    """Return the paragraphs of pages whose furniture is already removed, in order.

    Margins are measured over the whole document, so a page of two lines is read with
    the same measure as a full one.
    """
    measure = _measure(pages)
    result: list[str] = []
    previous: Line | None = None
    for page in pages:
        for number, line in enumerate(page.lines):
            if previous is not None and _continues(previous, line, measure, new_page=number == 0):
                result[-1] = _join(result[-1], line.text)
            else:
                result.append(line.text)
            previous = line
    return result


def _measure(pages: Sequence[Page]) -> _Measure:
    lines = [line for page in pages for line in page.lines]
    if not lines:
        return _Measure(0.0, 0.0, 0.0, 0.0)
    height = median(line.height for line in lines)
    gaps = [
        after.top - before.bottom
        for page in pages
        for before, after in itertools.pairwise(page.lines)
        if after.top > before.bottom
    ]
    step = max(height / 2, 1e-6)
    # The left margin: the leftmost position at least two lines start from (one stray
    # line, a number in the margin, does not move it).
    starts = Counter(round(line.left / step) for line in lines)
    shared = [bucket for bucket, count in starts.items() if count >= 2]
    left = min(shared) * step if shared else min(line.left for line in lines)
    # The right margin: where most full lines end, not the widest stray line.
    rights = sorted(line.right for line in lines)
    right = rights[int(0.9 * (len(rights) - 1))]
    return _Measure(left, right, height, median(gaps) if gaps else 0.0)


def _continues(previous: Line, line: Line, measure: _Measure, *, new_page: bool) -> bool:
    """Tell whether `line` goes on with the paragraph `previous` ended on.

    It does when `previous` ran to the right margin and `line` starts at the left margin
    (justified body text), or when both are centred, larger than the body and `previous`
    was full (a title broken over two lines). A gap wider than the usual one by half a
    line ends the paragraph, and so does a change of size; a page break does neither. A
    full line ending a sentence, followed by a flush-left line, is continued too, within a
    page or across one: the indent, not the full stop, marks a new paragraph.
    """
    char = max(min(previous.height, line.height), 1e-6)
    if not new_page and line.top - previous.bottom > measure.gap + 0.5 * char:
        return False
    if abs(line.height - previous.height) > 0.35 * max(line.height, previous.height):
        return False  # a change of size: a title and the body, a body and a note
    full = previous.right >= measure.right - 1.5 * char
    if not full:
        return False
    if line.left <= measure.left + 0.8 * char:
        return True
    # A title broken over lines: larger than the body, centred, the first line full.
    return (
        abs(previous.middle - measure.centre) < char
        and abs(line.middle - measure.centre) < char
        and min(previous.height, line.height) > 1.15 * measure.line
        and previous.text[-1:] not in SENTENCE_FINAL
    )


def _join(text: str, following: str) -> str:
    """Join two lines of one paragraph; Latin words broken at a line end keep a space."""
    if text[-1:].isascii() and text[-1:].isalnum() and following[:1].isascii():
        return text + " " + following if following[:1].isalnum() else text + following
    return text + following
