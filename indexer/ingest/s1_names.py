"""File names: a lossless form to store, a readable form to show, the name relative to SOURCE.

On Linux a file name is bytes. One that is not valid UTF-8 (common in archives made on GBK
systems) reaches Python with each undecodable byte as a lone surrogate (PEP 383), which
neither SQLite nor a terminal accepts. `storable` turns such a name into an ordinary string
that `unstorable` turns back into the exact bytes: each undecodable byte is written
`\\xNN` and each backslash `\\\\`. A name that is valid UTF-8 and has no backslash (nearly
every name) is stored unchanged. `readable` shows a name: a part that is not UTF-8 is
decoded as GB18030 when that works, else shown with `\\xNN` escapes.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Sequence
from pathlib import Path, PurePath

_SURROGATE = re.compile("[\udc80-\udcff]")
_ESCAPE = re.compile(r"\\(\\|x[0-9a-f]{2})")


def storable(name: str | PurePath) -> str:
    """Return `name` as a string SQLite and JSON accept, from which `unstorable` restores it."""
    text = str(name)
    if "\\" not in text and not _SURROGATE.search(text):
        return text
    escaped = text.replace("\\", "\\\\")
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", escaped)


def unstorable(stored: str) -> str:
    """Return the name `storable` was given (undecodable bytes as lone surrogates again)."""
    if "\\" not in stored:
        return stored

    def restore(match: re.Match[str]) -> str:
        escape = match.group(1)
        return "\\" if escape == "\\" else chr(0xDC00 + int(escape[1:], 16))

    return _ESCAPE.sub(restore, stored)


def readable(name: str | PurePath) -> str:
    """Return a name (as given, or as stored) for people: GB18030 where UTF-8 fails.

    Each path part is decoded on its own: a folder named in UTF-8 may hold files named in
    GBK. The result may be ambiguous; it is for reading, never for finding the file again.
    """
    text = str(name)
    if "\\" in text:
        text = unstorable(text)
    if not _SURROGATE.search(text):
        return text
    return "/".join(_readable_part(part) for part in text.split("/"))


def _readable_part(part: str) -> str:
    if not _SURROGATE.search(part):
        return part
    data = os.fsencode(part)
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return data.decode("utf-8", "backslashreplace")


def source_name(path: Path, sources: Sequence[str | Path]) -> str:
    """Return `path` as stored in a report's `source`: relative to the SOURCE that named it.

    A file under a SOURCE folder is named relative to that folder ("2023/报告.txt"); a file
    named as a SOURCE by its name alone. Not under any SOURCE (or none given): as given.
    The first SOURCE (in the order given) that is the file or holds it decides. The result
    is `storable`.
    """
    first = _first_source(tuple(map(str, sources)))
    named = [(first[p], p) for p in (path, *path.parents) if p in first]
    if not named:
        return storable(path)
    _, root = min(named, key=lambda found: found[0])
    return storable(path.name if root == path else path.relative_to(root))


@functools.lru_cache(maxsize=8)
def _first_source(sources: tuple[str, ...]) -> dict[Path, int]:
    """Each SOURCE path → where it first comes among the SOURCE arguments.

    Looked up by the file's own path and its parents: a build of thousands of files named
    one by one compared each file with every SOURCE (12 s for 800 files) before.
    """
    first: dict[Path, int] = {}
    for index, given in enumerate(sources):
        first.setdefault(Path(given), index)
    return first
