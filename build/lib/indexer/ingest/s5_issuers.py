"""Stage 5, issuers: one canonical name for an issuer, however a report spells it.

The reports to the Party's congresses name their issuer 中央委员会, 十三届中央委员会,
第十四届中央委员会 and 中国共产党第十一届中央委员会: one body, four spellings, which would
be four issuers to a facet or a filter. Rules and a table make one name of them:

- a session prefix (第十三届, 十三届) names a term of a body, not another body: it is dropped;
- a spelling matches a table entry when the two are the same after that, after folding
  traditional and simplified characters and width (中央委員會), and with or without a leading
  中国共产党 or 中共;
- the alias table, `data/issuer_aliases.tsv` (`canonical<TAB>spelling|spelling`), extended by
  the corrections file's `aliases` column (`corrections.py`), names each issuer's canonical
  name and other spellings (中共中央, 党中央).

A name the table does not know keeps its spelling, less a session prefix. `Metadata.issuer`
holds the canonical name (what facets and filters use) and `issuer_stated` the spelling
the report wrote when it differs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from indexer.models import Metadata
from indexer.normalize import fold
from indexer.settings import RESOURCES

DEFAULT_ALIASES = RESOURCES / "issuer_aliases.tsv"

_SESSION = re.compile(r"第?[一二三四五六七八九十百零〇\d]{1,4}届")
_PARTY = tuple(fold(prefix) for prefix in ("中国共产党", "中共"))
ALIAS_SEPARATOR = "|"


def _key(name: str) -> str:
    """The form two spellings of one issuer share: folded, no session, no party prefix."""
    key = _SESSION.sub("", fold(name.strip()))
    for prefix in _PARTY:
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix) :]
    return key


class IssuerAliases:
    """Canonical issuer names by the key of every spelling the table lists."""

    def __init__(self, entries: Iterable[tuple[str, Iterable[str]]] = ()) -> None:
        self._canonical: dict[str, str] = {}
        for canonical, spellings in entries:
            self.add(canonical, spellings)

    def add(self, canonical: str, spellings: Iterable[str] = ()) -> None:
        """Make `canonical` the name of itself and every spelling (later entries win)."""
        canonical = canonical.strip()
        for spelling in (canonical, *spellings):
            if spelling.strip():
                self._canonical[_key(spelling)] = canonical

    def extended(self, entries: Iterable[tuple[str, Iterable[str]]]) -> IssuerAliases:
        """Return a copy of this table with `entries` added."""
        copy = IssuerAliases()
        copy._canonical = dict(self._canonical)
        for canonical, spellings in entries:
            copy.add(canonical, spellings)
        return copy

    def canonical(self, name: str) -> str:
        """Return the canonical name of an issuer as a report spells it ("" for "").

        >>> aliases = IssuerAliases([("中国共产党中央委员会", ["中共中央"])])
        >>> aliases.canonical("十三届中央委员会")
        '中国共产党中央委员会'
        >>> aliases.canonical("广东省第十四届人民代表大会常务委员会")
        '广东省人民代表大会常务委员会'
        """
        if not name.strip():
            return ""
        return self._canonical.get(_key(name)) or _SESSION.sub("", name.strip())


def read_aliases(text: str) -> list[tuple[str, list[str]]]:
    """Read an alias table: `canonical<TAB>spelling|spelling` lines, `#` comments."""
    entries = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        canonical, _, spellings = line.partition("\t")
        entries.append((canonical.strip(), split_spellings(spellings)))
    return entries


def split_spellings(cell: str) -> list[str]:
    """The spellings of one table cell or corrections cell: `中共中央|党中央`."""
    return [s.strip() for s in cell.split(ALIAS_SEPARATOR) if s.strip()]


@functools.cache
def default_aliases() -> IssuerAliases:
    """The table shipped in `data/issuer_aliases.tsv`."""
    return IssuerAliases(read_aliases(DEFAULT_ALIASES.read_text(encoding="utf-8")))


def name_issuer(metadata: Metadata, aliases: IssuerAliases | None = None) -> None:
    """Set `metadata.issuer` to its canonical name, keeping the spelling in `issuer_stated`.

    Starts from the spelling (`issuer_stated` when an earlier naming set it), so naming
    again with a larger table is the same as naming once with it.
    """
    spelled = metadata.issuer_stated or metadata.issuer
    canonical = (aliases or default_aliases()).canonical(spelled)
    metadata.issuer = canonical
    metadata.issuer_stated = spelled if spelled != canonical else ""
