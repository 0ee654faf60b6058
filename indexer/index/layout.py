"""The index folder's layout: which file holds what. Every path into an index is built here.

An index folder holds numbered generations behind a `CURRENT` pointer
(`generations.py`), and `ocr-cache/`, scanned files' OCR by content hash. One generation
holds:
- `store.sqlite`: the document store (text as written, metadata, source files' hashes);
- `whoosh/`: Whoosh documents of words: one per passage (its text), one per distinct
  section heading path and one per report (its title), told apart by a key column;
- `literal/`: character and character-pair postings in segments (`literal.py`);
- `ranking/`: per-passage-ordinal arrays read at open without touching the store (the
  report of each passage, its section), field lengths as Whoosh stores them, each
  field's document count and average length, and the Whoosh docnum → key map;
- `GENERATION.json`: the format of all of the above (`GENERATION_FORMAT`) and the
  fingerprint of the metadata corrections it was built with;
- `BUILD_ID`: a random id, unique to the generation; caches key on it.

Unchanged parts are hard links to the previous generation's files (segments are never
written in place), so a new generation costs only what changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.index import generations

OCR_CACHE = "ocr-cache"
MANIFEST = "CLUSTER.json"
# In `ranking/`: each passage's and report's ordinal across the whole index, which a
# shard's own (dense) ordinals are not; an unsharded index's are its own.
GLOBAL_PASSAGE = "global_passage.npy"
GLOBAL_REPORT = "global_report.npy"  # a sharded index's generation names its shards (`cluster.py`)

GENERATION_FORMAT = 7
"""The format of a generation's files, all of them: bumped whenever any part changes
meaning (the literal segments, the ranking arrays, the word index's schema and codec, the
similar-passage tables, or how `normalize.fold` maps a character). A generation of another
format is rebuilt whole by the next build, and the engine refuses to open it, saying so.

5: modules moved into packages (the Whoosh schema and codec name their classes by module
path); generations say their format in GENERATION.json.
6: whole-index ordinals in ranking/ (`GLOBAL_PASSAGE`, `GLOBAL_REPORT`), field total
lengths in word_stats.json; sharded indexes (`cluster.py`); the most frequent words'
postings decoded, not scored (`prescored.py`).
7: source files' size and modification time in the store (`store_rows.FileStat`)."""


@dataclass(frozen=True)
class IndexLayout:
    """The paths of one generation's parts."""

    root: Path

    @classmethod
    def current(cls, index_dir: Path) -> IndexLayout | None:
        """Return the layout of the generation `index_dir`'s pointer names, if any."""
        name = generations.read_current(index_dir)
        return None if name is None else cls(index_dir / name)

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

    @property
    def meta(self) -> Path:
        return self.root / "GENERATION.json"

    def read_meta(self) -> dict[str, Any]:
        """The generation's format and corrections fingerprint ({} for one from before)."""
        try:
            found = json.loads(self.meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def write_meta(self, corrections: str) -> None:
        meta = {"format": GENERATION_FORMAT, "corrections": corrections}
        self.meta.write_text(json.dumps(meta), encoding="utf-8")

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    @property
    def is_cluster(self) -> bool:
        """Whether this is a sharded index's generation, naming its shards' (`cluster.py`)."""
        return self.manifest.is_file()

    def is_complete(self) -> bool:
        parts = self.is_cluster or (self.store.exists() and self.whoosh.exists())
        return self.build_id.exists() and parts


def ocr_cache(index_dir: Path) -> Path:
    """The folder of OCR results by file hash, beside the generations (`ingest/s1_ocr.py`).

    Outside every generation, so a new generation neither copies nor links it and a
    rebuild from scratch still finds it; builds delete the entries of files gone.
    """
    return index_dir / OCR_CACHE


def looks_like_index(index_dir: Path) -> bool:
    """Tell whether a folder holds (part of) an index, as opposed to anything else."""
    if not index_dir.is_dir():
        return False
    names = {p.name for p in index_dir.iterdir()}
    ours = {generations.CURRENT, generations.LOCK, generations.BUILD_ID, OCR_CACHE}
    ours.update(generations.LEGACY_PARTS)
    return bool(names & ours) or any(generations.generation_number(n) for n in names)
