"""Turn engine output into safe HTML pieces: highlighted text, excerpts, bar widths."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from markupsafe import Markup, escape

from indexer.spans import merge_spans

Span = Sequence[int]


def normalize_spans(text: str, spans: Iterable[Span]) -> list[tuple[int, int]]:
    """Clamp spans to the text, drop empty ones, sort them, merge overlapping or touching ones."""
    n = len(text)
    return merge_spans(
        (max(0, int(s)), min(n, int(e))) for s, e in spans if min(n, int(e)) > max(0, int(s))
    )


MARK_TAGS = ("mark", "del", "ins")


def mark_spans(text: str, spans: Iterable[Span], tag: str = "mark") -> Markup:
    """Return `text` as HTML with every [start, end) span wrapped in <mark> (or `tag`:
    <del> and <ins> mark what a compared passage lost and gained).

    The text is split at the span offsets and each piece escaped on its own, so nothing
    in the text (or in a query echoed into it) can become markup.
    """
    if tag not in MARK_TAGS:
        raise ValueError(f"not a marking tag: {tag!r}")
    out: list[str] = []
    pos = 0
    for start, end in normalize_spans(text, spans):
        out.append(str(escape(text[pos:start])))
        out.append(f"<{tag}>{escape(text[start:end])}</{tag}>")
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def excerpt(text: str, spans: Iterable[Span], *, width: int = 220, context: int = 60) -> Markup:
    """Return a highlighted excerpt of about `width` characters around the first matches.

    A short text is shown whole. Otherwise windows of `context` characters either side of
    each match are joined (in order, until `width` is used up) with "…" where text is cut.
    """
    merged = normalize_spans(text, spans)
    if len(text) <= width:
        return mark_spans(text, merged)
    if not merged:
        return mark_spans(text[:width], []) + Markup("…")
    n = len(text)
    windows: list[list[int]] = []
    for start, end in merged:
        lo, hi = max(0, start - context), min(n, end + context)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], hi)
            continue
        if windows and sum(h - lo_ for lo_, h in windows) + (hi - lo) > width:
            break
        windows.append([lo, hi])
    # Spend what is left of the budget on more text after, then before, the matches.
    spare = width - sum(h - lo_ for lo_, h in windows)
    if spare > 0:
        grow = min(spare, n - windows[-1][1])
        windows[-1][1] += grow
        windows[0][0] = max(0, windows[0][0] - (spare - grow))
    pieces: list[Markup] = []
    for lo, hi in windows:
        inside = [(max(s, lo) - lo, min(e, hi) - lo) for s, e in merged if e > lo and s < hi]
        piece = mark_spans(text[lo:hi], inside)
        pieces.append((Markup("…") if lo > 0 else Markup("")) + piece)
    tail = Markup("…") if windows[-1][1] < len(text) else Markup("")
    return Markup("").join(pieces) + tail


def bar_class(count: int, largest: int) -> str:
    """Return the CSS class `w-0` … `w-100` (steps of 5) drawing `count` against `largest`.

    Classes instead of inline widths because the Content-Security-Policy forbids style attributes.
    """
    if largest <= 0 or count <= 0:
        return "w-0"
    step = max(1, round(count / largest * 20))
    return f"w-{min(step, 20) * 5}"


def page_window(page: int, pages: int, radius: int = 2) -> list[int | None]:
    """Return the page numbers to link: first, last and `radius` around `page`; None for a gap."""
    if pages < 1:
        return []
    shown = sorted({1, pages, *range(max(1, page - radius), min(pages, page + radius) + 1)})
    out: list[int | None] = []
    previous = 0
    for n in shown:
        if previous and n - previous > 1:
            out.append(None)
        out.append(n)
        previous = n
    return out
