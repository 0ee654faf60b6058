"""Defaults and limits that the library, the CLI and the web app share: one place each."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

RESOURCES = Path(__file__).resolve().parent / "resources"
"""Data shipped inside the package: the domain dictionary, the issuer alias table."""

DEFAULT_INDEX_DIR = Path("data") / "index"
"""Where the index lives (in the current folder) when neither --index nor the environment
says otherwise; `scripts/run` runs from the repository, where the sample's index is."""

INDEX_DIR_ENV = "REPORT_SEARCH_INDEX"
"""The environment variable that names the index folder (CLI and web app alike)."""


MAX_QUERY_LENGTH = 500
"""The longest query accepted, in characters."""

SORTS = MappingProxyType(
    {
        "relevance": "相关度",
        "year": "年份（新→旧）",
        "oldest": "年份（旧→新）",
        "passages": "匹配段落数",
    }
)
"""Result orders: name → label shown to users (`sorting.group_order` implements them)."""
