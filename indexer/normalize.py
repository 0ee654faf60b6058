"""Search normalisation: fold width and case without changing a text's length.

Users type 2023 or ２０２３, ABC or abc; reports write either. Search compares folded
text, while users always see the original. Folding maps each character to exactly one
character, so an offset into the folded text is the same offset into the original:
highlights found in folded text mark the right characters of the original.
"""

from __future__ import annotations

import unicodedata
from functools import cache

# Ranges whose characters have width or case variants worth folding. Scanning all of
# Unicode at import would take a second; these cover Latin, Greek, Cyrillic, the
# ideographic space, enclosed numbers, CJK compatibility ideographs and full-width forms.
_FOLD_RANGES = (
    (0x0000, 0x0590),
    (0x2000, 0x2070),  # general punctuation: exotic spaces fold to " "
    (0x2460, 0x24FF),  # ①… stays a single character only where NFKC gives one
    (0x3000, 0x3001),
    (0xF900, 0xFAFF),
    (0xFF00, 0xFFEF),
    (0x2F800, 0x2FA1F),
)


@cache
def _fold_table() -> dict[int, int]:
    table: dict[int, int] = {}
    for low, high in _FOLD_RANGES:
        for code in range(low, high + 1):
            char = chr(code)
            folded = unicodedata.normalize("NFKC", char).casefold()
            if char.isspace():
                folded = " "
            if len(folded) == 1 and folded != char:
                table[code] = ord(folded)
    return table


def fold(text: str) -> str:
    """Return `text` with full-width forms, compatibility characters and case folded.

    len(fold(text)) == len(text) always holds.
    """
    return text.translate(_fold_table())
