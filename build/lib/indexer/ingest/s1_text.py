"""Stage 1, plain text: decode bytes as UTF-8, UTF-8 with BOM or GB18030, detected.

Shared by the .txt reader and the HTML reader (a page's declared charset is a hint).
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from indexer.errors import SourceError

# gb18030 is a superset of gbk, which is a superset of gb2312: decoding with it never loses a
# character that a gb2312/gbk reading would have found, and files labelled gb2312 often hold
# gbk-only characters.
_GB_FAMILY = frozenset({"gb2312", "gbk", "gb18030"})

# Below this many bytes (about 32 Chinese characters) charset-normalizer often prefers a
# Japanese, Thai or Korean reading of GBK text full of punctuation such as 《》、“”;
# measured on the sample reports, it is reliable from here on.
_SMALL_INPUT = 64

_UNDECODABLE = "无法解码文本（不是 UTF-8/GB18030 编码）"
_SAVE_AS_UTF8 = "请用 UTF-8 编码另存后再试"

# C0 controls other than \t \n \v \f \r: text files do not contain them, binary files do.
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f]")


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes of Chinese text; return the text and the encoding used.

    Order: strict UTF-8 (a BOM is dropped), then `declared` (an encoding the file claims,
    as in an HTML meta tag), then charset-normalizer. Strict UTF-8 goes first because it
    almost never decodes anything else without error. Among charset-normalizer's readings,
    gb18030 wins whenever it is one of them: on short Chinese text charset-normalizer often
    ranks big5, cp949, johab, euc_jis_2004 or utf_16_be higher. When the input is too small
    for charset-normalizer to judge, or it finds nothing at all (it rejects short text with
    much CJK punctuation such as “” 《》 、), a strict gb18030 reading is used if there is one.
    UTF-16/32 is accepted only with a BOM.
    """
    for encoding in ("utf-8-sig", _usable_declared(declared)):
        if encoding is None:
            continue
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Pure ASCII UTF-16 without a BOM decodes as UTF-8 too, with a NUL after each letter.
        if "\x00" not in text:
            return _drop_bom(text), _encoding_name(encoding, data)
    return _detect(data)


def _usable_declared(declared: str | None) -> str | None:
    """Return the codec for a declared encoding, or None if it cannot be trusted."""
    if not declared:
        return None
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        return None
    # A document whose declaration we could read as ASCII is not UTF-16/32, whatever it says
    # (the HTML standard treats such a declaration as UTF-8).
    if name.startswith(("utf-16", "utf-32")):
        return None
    return "gb18030" if name in _GB_FAMILY else name


def _encoding_name(encoding: str, data: bytes) -> str:
    if encoding == "utf-8-sig":
        return "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    return encoding


def _drop_bom(text: str) -> str:
    # gb18030 has its own BOM, which decodes to U+FEFF like the others.
    return text[1:] if text.startswith("\ufeff") else text


def _detect(data: bytes) -> tuple[str, str]:
    """Decode with the encoding charset-normalizer finds, preferring gb18030."""
    readings = [(codecs.lookup(m.encoding).name, m) for m in from_bytes(data)]
    for name, match in readings:
        if match.bom:
            return _drop_bom(str(match)), name
    # Without a BOM, charset-normalizer's UTF-16/32 guesses are mostly GBK text or random
    # bytes misread; Windows, which writes UTF-16 text files, always adds the BOM.
    readings = [(name, m) for name, m in readings if not name.startswith(("utf-16", "utf-32"))]
    gb_found = any(name in _GB_FAMILY for name, _ in readings)
    if gb_found or not readings or len(data) < _SMALL_INPUT:
        text = _strict_gb18030(data)
        if text is not None:
            return _drop_bom(text), "gb18030"
    if not readings:
        raise SourceError(_UNDECODABLE, hint=_SAVE_AS_UTF8)
    name, best = readings[0]  # charset-normalizer lists its best reading first
    return str(best), name


def _strict_gb18030(data: bytes) -> str | None:
    """Return the gb18030 reading of `data`, or None if there is none or it looks binary."""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    # charset-normalizer vetted its own readings; this one it did not, and nearly any
    # byte string is valid gb18030 once it is mostly below 0x80.
    if _BINARY_CONTROLS.search(text):
        return None
    return text
