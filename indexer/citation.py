"""Citations of passages, in the form people paste into memos.

    《title》（issuer，2023年），section path，permalink
    “the passage, as the report wrote it”

Nothing is invented: a field the report does not state is written as not identified.
"""

from __future__ import annotations

from .models import Metadata

NO_TITLE = "标题未识别"
NO_ISSUER = "发布机关未识别"
NO_YEAR = "年份未识别"


def citation(metadata: Metadata, section: str, text: str, permalink: str) -> str:
    """Return the citation of one passage; `permalink` is its URL, made by the shell."""
    title = f"《{metadata.title}》" if metadata.title else NO_TITLE
    issuer = metadata.issuer or NO_ISSUER
    year = f"{metadata.year}年" if metadata.year else NO_YEAR
    where = "，".join(part for part in (f"{title}（{issuer}，{year}）", section, permalink) if part)
    return f"{where}\n“{text.strip()}”"
