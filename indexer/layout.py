"""The index folder's layout: which file holds what. Every path into an index is built here.

An index folder holds:
- `store.sqlite`: the document store (text as written, metadata);
- `whoosh/`: one Whoosh document per passage, words of its text, section and title;
- `literal/`: character and character-pair postings (`literal.py`);
- `ranking/`: per-passage field lengths and the Whoosh docnum ↔ passage ordinal maps,
  read off Whoosh once at build so queries score whole posting blocks with numpy;
- `BUILD_ID`: a random id written last; readers reload when it changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class IndexLayout:
    """The paths of one index folder's parts."""

    root: Path

    @property
    def store(self) -> Path:
        return self.root / "store.sqlite"

    @property
    def whoosh(self) -> Path:
        return self.root / "whoosh"

    @property
    def literal(self) -> Path:
        return self.root / "literal"

    @property
    def ranking(self) -> Path:
        return self.root / "ranking"

    @property
    def build_id(self) -> Path:
        return self.root / "BUILD_ID"

    def looks_like_index(self) -> bool:
        """Tell whether the folder holds (part of) an index, as opposed to anything else."""
        return self.build_id.exists() or self.store.exists()

    def is_complete(self) -> bool:
        return self.store.exists() and self.whoosh.exists()
