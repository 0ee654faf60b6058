"""Stage 2, page info: what a page's furniture says about the report, read as `Evidence`.

A gov.cn info table flattened into lines (索引号, 发文机关, 成文日期 …, label and value on one
line, the value on the next line, or a Markdown table row) gives the report's issuer, date,
title and document number ("info_table"); a page-meta line (发布时间：… 来源：…) gives when
the page was published and which site it came from ("page_meta"). Dates are read by
`s5_dates`. This module only reads lines: `s2_clean` decides which of them are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from indexer.ingest.s2_clutter_rules import (
    CLUTTER_MAX_CHARS,
    META_ITEM,
    PAGE_META_LINE,
    is_clutter,
    is_sentence,
)
from indexer.ingest.s5_dates import find_dates
from indexer.models import Evidence


def _spaced(word: str) -> str:
    """A label as tables write it, with any spacing between its characters: 索  引  号."""
    return r"\s*".join(map(re.escape, word))


# A gov.cn info table: label → the Evidence field its value gives (None: not kept).
INFO_TABLE_FIELDS: dict[str, str | None] = {
    "索引号": None,
    "主题分类": None,
    "组配分类": None,
    "体裁分类": None,
    "公文种类": None,
    "主题词": None,
    "发文机关": "issuer",
    "发布机构": "issuer",
    "成文日期": "date",
    "标题": "title",
    "发文字号": "doc_number",
    "文号": "doc_number",
    "发布日期": "published",
    "有效性": None,
    "生效日期": None,
    "废止日期": None,
}
_INFO_LABEL = re.compile(
    "|".join(rf"(?P<f{n}>{_spaced(label)})" for n, label in enumerate(INFO_TABLE_FIELDS))
)
_INFO_LABELS = list(INFO_TABLE_FIELDS)
_INFO_PAIR_START = re.compile(rf"\s*(?:{_INFO_LABEL.pattern})\s*[:：]")
_DATE_FIELDS = frozenset({"成文日期", "发布日期", "生效日期", "废止日期"})
_EVIDENCE_SOURCE = {"published": "page_meta"}
_SOURCE_LABELS = frozenset({"信息来源", "文章来源", "稿件来源", "新闻来源", "来源"})
_PUBLISHED_LABELS = frozenset({"发布时间", "发布日期"})


def info_table(lines: list[str]) -> Iterator[tuple[int, Evidence | None]]:
    """Lines of gov.cn info tables, with what each says (label and value on one line, or
    the value on the next line; also as a Markdown table row: | 索引号 | … |)."""
    i = 0
    while i < len(lines):
        run, found = _info_run(lines, i)
        if len({label for _, label, _ in found}) >= 2:
            yield from ((j, None) for j in run)
            for j, label, value in found:
                ev = _info_evidence(label, value)
                if ev is not None:
                    yield j, ev
            i = max(run) + 1
        else:
            i += 1


def _info_run(lines: list[str], start: int) -> tuple[list[int], list[tuple[int, str, str]]]:
    """The info-table lines from `start`: their indexes and (line, label, value) found."""
    run: list[int] = []
    found: list[tuple[int, str, str]] = []
    i = start
    while i < len(lines):
        line = lines[i]
        if not line:
            i += 1
            continue
        pairs = _info_pairs(line)
        if pairs is None:
            break
        run.append(i)
        for label, value in pairs:
            if not value:
                following = _next_filled(lines, i)
                if following is not None and _is_info_value(label, lines[following]):
                    value = lines[following]
                    run.append(following)
                    i = following
            found.append((i, label, value))
        i += 1
    return run, found


def _info_pairs(line: str) -> list[tuple[str, str]] | None:
    """(label, value) pairs of an info-table line, or None when it is not one."""
    if line.startswith("|") and line.endswith("|"):
        if re.fullmatch(r"[\s:\-|]+", line):
            return []  # a Markdown table's rule row: part of a table, says nothing
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        pairs = []
        for n, cell in enumerate(cells):
            label = _info_label(cell.rstrip(":："))
            if label:
                value = cells[n + 1] if n + 1 < len(cells) else ""
                pairs.append((label, "" if _info_label(value.rstrip(":：")) else value))
        return pairs or None
    if len(line) > 160 or not _INFO_PAIR_START.match(line):
        return None
    starts = list(re.finditer(rf"(?:{_INFO_LABEL.pattern})\s*[:：]", line))
    pairs = []
    for this, following in zip(starts, [*starts[1:], None], strict=True):
        end = following.start() if following else len(line)
        label = _info_label(this.group(0).rstrip(":：").strip())
        pairs.append((label or "", line[this.end() : end].strip()))
    return pairs


def _info_label(text: str) -> str | None:
    found = _INFO_LABEL.fullmatch(text.strip())
    if not found:
        return None
    return next(_INFO_LABELS[int(name[1:])] for name, v in found.groupdict().items() if v)


def _is_info_value(label: str, line: str) -> bool:
    """Tell whether the line after a label with no value is that label's value."""
    if _info_pairs(line) is not None or is_sentence(line) or len(line) > 120:
        return False
    if label in _DATE_FIELDS:
        return _leading_date(line) is not None
    if label in ("发文字号", "文号"):
        return len(line) <= 40 and "号" in line
    if label == "索引号":
        return re.fullmatch(r"[\w\-/.]{4,40}", line) is not None
    return label == "标题" or (len(line) <= 40 and not is_clutter(line))


def _info_evidence(label: str, value: str) -> Evidence | None:
    field = INFO_TABLE_FIELDS.get(label)
    if field is None or not value:
        return None
    if label in _DATE_FIELDS:
        iso = _leading_date(value)
        return Evidence(field, iso, _EVIDENCE_SOURCE.get(field, "info_table")) if iso else None
    return Evidence(field, value, _EVIDENCE_SOURCE.get(field, "info_table"))


def page_meta_evidence(line: str) -> list[Evidence]:
    """What a page-meta line says: when the page was published, which site it came from."""
    if len(line) > CLUTTER_MAX_CHARS or not PAGE_META_LINE.fullmatch(line):
        return []
    evidence = []
    for item in META_ITEM.finditer(line):
        label, value = item["label"], item["value"].strip()
        if label in _PUBLISHED_LABELS and (iso := _leading_date(value)):
            evidence.append(Evidence("published", iso, "page_meta"))
        elif label in _SOURCE_LABELS:
            site = re.split(r"\s|\d{4}[-/.年]|[【\[]", value, maxsplit=1)[0].strip("，,。;；")
            if site:
                evidence.append(Evidence("source_site", site, "page_meta"))
    return evidence


def _next_filled(lines: list[str], i: int) -> int | None:
    """The index of the first non-blank line after line `i`, or None."""
    return next((k for k in range(i + 1, len(lines)) if lines[k]), None)


def _leading_date(value: str) -> str | None:
    """A date as written at the start of a value, as ISO "2024-01-29" (or "2024-01")."""
    dates = find_dates(value.strip())
    return dates[0].iso if dates and dates[0].start == 0 else None
