"""Where the tests' real files are: in the repository, and the team's larger corpora beside it.

Every test reads real files from `tests/data/` (portal pages, wiki copies, compilations, the
congress reports, a slice of the laws), so a clone with nothing beside it runs them all. The
whole corpora in `../shared/corpus` are read only by checks marked `corpus`: they skip, saying
why, when the folder is absent, and fail under CI=true, where skipping would pass unseen.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
WILD = DATA / "wild"
CONGRESS = DATA / "congress"
LAWS = DATA / "laws"
SHARED = TESTS.parent.parent / "shared" / "corpus"


def manifest(folder: Path) -> list[dict[str, str]]:
    """The rows of a corpus folder's MANIFEST.tsv (file, title, year, …)."""
    with (folder / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def shared_corpus(name: str) -> Path:
    """Return `../shared/corpus/<name>`, or skip (fail under CI) when it is not there."""
    folder = SHARED / name
    if folder.is_dir():
        return folder
    reason = f"the shared corpus {folder} is not beside this clone (opt-in `corpus` checks)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must provide it")
    pytest.skip(reason)
