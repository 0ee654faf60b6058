"""Defaults and limits that the library, the CLI and the web app share: one place each."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

DEFAULT_INDEX_DIR = Path(__file__).resolve().parent.parent / "data" / "index"
"""Where the index lives when neither --index nor the environment says otherwise."""

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
