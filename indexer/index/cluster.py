"""A sharded index: each shard an ordinary generation, all named by one manifest.

An index built with `--shards N` (N > 1) splits its reports by a stable hash of their id
(`shard_of`), so every report, with all its passages, lives in exactly one shard:
literal recall, proximity, highlights and per-report facts stay exact inside a shard, and
totals and facet counts add up. Its folder holds:

- `CURRENT` → `gen-000009`: as for an unsharded index, one atomic pointer
  (`generations.py`), here to a cluster generation, which holds
  - `CLUSTER.json`, the manifest: the number of shards, each shard's generation (a path
    under `shards/`), the whole index's next report and passage ordinals;
  - `global/`: what was computed over all shards after they were written
    (`global_stats.py`): field statistics, document frequencies, each shard's frequent
    words scored with them, similar passages across shards;
  - `BUILD_ID`, `GENERATION.json`, as any generation;
- `shards/<k>/gen-000004/`, …: shard k's generations, each an ordinary generation
  (`layout.IndexLayout`) of its reports. An update writes a new generation only for the
  shards whose reports (or recorded files) changed; the others keep theirs.

A reader opens the pointer's cluster generation and then the shards it names, so it
never mixes generations. A shard generation is removed once no cluster generation left
names it (`clean_up_shards`), and, as any generation, only when no reader holds it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.index import generations
from indexer.index.layout import MANIFEST, IndexLayout

SHARDS = "shards"
GLOBAL = "global"


def shard_of(report_id: str, shards: int) -> int:
    """The shard of a report: stable across builds, machines and Python versions."""
    digest = hashlib.blake2b(report_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") % shards


@dataclass(frozen=True)
class Manifest:
    """A cluster generation's manifest: its shards' generations and next ordinals."""

    shards: list[str]  # per shard, its generation's path relative to the index folder
    next_report: int
    next_passage: int

    @classmethod
    def read(cls, generation: Path) -> Manifest:
        data = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
        return cls(list(data["shards"]), int(data["next_report"]), int(data["next_passage"]))

    def write(self, generation: Path) -> None:
        data = {
            "shards": self.shards,
            "next_report": self.next_report,
            "next_passage": self.next_passage,
        }
        (generation / MANIFEST).write_text(json.dumps(data, indent=1), encoding="utf-8")

    def layouts(self, index_dir: Path) -> list[IndexLayout]:
        return [IndexLayout(index_dir / path) for path in self.shards]


BUILD_RECORD = "build.json"


def write_build_record(generation: IndexLayout, built_at: str, summary: dict[str, Any]) -> None:
    """When a sharded index's generation was built and what the build did (`stats`)."""
    record = {"built_at": built_at, "summary": summary}
    text = json.dumps(record, ensure_ascii=False, indent=1)
    (generation.root / BUILD_RECORD).write_text(text, encoding="utf-8")


def read_build_record(generation: IndexLayout) -> dict[str, Any]:
    try:
        found = json.loads((generation.root / BUILD_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def members(generation: IndexLayout) -> list[IndexLayout]:
    """The generations holding a generation's reports: its shards', or itself."""
    if not generation.is_cluster:
        return [generation]
    return Manifest.read(generation.root).layouts(generation.root.parent)


def shard_count(generation: IndexLayout | None) -> int:
    """The number of shards of a generation (1: unsharded, or none)."""
    if generation is None or not generation.is_cluster:
        return 1
    return len(Manifest.read(generation.root).shards)


def shard_folder(index_dir: Path, shard: int) -> Path:
    return index_dir / SHARDS / str(shard)


def next_shard_generation(index_dir: Path, shard: int) -> Path:
    """The folder of a new generation of a shard (not yet made)."""
    folder = shard_folder(index_dir, shard)
    return folder / generations.next_generation(folder)


def global_folder(generation: Path) -> Path:
    return generation / GLOBAL


def clean_up_shards(index_dir: Path) -> list[str]:
    """Remove shard generations no cluster generation left names, unless read; return
    their paths. Call with the build lock held, after `generations.clean_up`."""
    named: set[Path] = set()
    for name in generations.generations(index_dir):
        if IndexLayout(index_dir / name).is_cluster:
            try:
                named.update(index_dir / p for p in Manifest.read(index_dir / name).shards)
            except (OSError, ValueError, KeyError):
                continue  # a half-written cluster generation: the next clean-up removes it
    removed = []
    root = index_dir / SHARDS
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        for name in generations.generations(folder):
            if folder / name not in named and generations.remove_if_unused(folder / name):
                removed.append(f"{SHARDS}/{folder.name}/{name}")
        if not any(folder.iterdir()):
            folder.rmdir()  # the index has fewer shards now, or none
    if root.is_dir() and not any(root.iterdir()):
        root.rmdir()
    return removed
