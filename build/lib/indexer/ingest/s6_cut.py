"""Stage 6: cut a paragraph longer than `MAX_PASSAGE_CHARS` into passages of at most that.

A passage is what a search hit carries and what a page shows: a 30 MB paragraph (a file
with no line breaks) must not become one 30 MB answer. A cut falls after the last
sentence end (。！？, with any closing quotes or brackets) within the limit; else after the
last clause mark (，；); else exactly at the limit. The pieces, in order and joined, are the
paragraph: no character is dropped or added.
"""

from __future__ import annotations

import re

MAX_PASSAGE_CHARS = 2000

# A sentence end and the closing marks that belong to it: 。” ！） ？」
_SENTENCE_END = re.compile(r"[。！？!?][”’」』）)》〕】\"']*")
_CLAUSE_END = re.compile(r"[，；,;][”’」』）)》〕】\"']*")


def cut_paragraph(text: str, limit: int = MAX_PASSAGE_CHARS) -> list[str]:
    """Return `text` as pieces of at most `limit` characters, cut where a reader would."""
    if len(text) <= limit:
        return [text]
    pieces = []
    start = 0
    while len(text) - start > limit:
        end = _cut_point(text, start, start + limit)
        pieces.append(text[start:end])
        start = end
    pieces.append(text[start:])
    return pieces


def _cut_point(text: str, start: int, stop: int) -> int:
    """Return where to end the piece text[start:…], at most `stop`, past `start`."""
    for pattern in (_SENTENCE_END, _CLAUSE_END):
        last = None
        for match in pattern.finditer(text, start, stop):
            last = match
        if last is not None:
            return last.end()
    return stop
