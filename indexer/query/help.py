"""The query language's help: examples and the syntax in a few lines of Chinese.

Shown by `python -m indexer search --help` and on the search page; the tests parse
every example.
"""

from __future__ import annotations

import re
import unicodedata

from indexer.query.parse import FIELD_NAMES_ZH, FIELDS, MAX_DEPTH, MAX_QUERY_LENGTH, NEAR_MAX

QUERY_EXAMPLES: tuple[tuple[str, str], ...] = (
    ("行政复议", "含「行政复议」的段落；按原文逐字查找，中文不用加空格"),
    ("行政复议 应诉", "两个词都要有（空格表示“且”，也可写 AND）"),
    ("行政复议 OR 行政诉讼", "有其中一个即可（也可写 |）；“且”比 OR 优先"),
    ("行政复议 -应诉", "有「行政复议」但没有「应诉」（也可写 NOT 应诉）"),
    ('"行政复议 应诉"', "引号内是一整串文字，连同空格照原样查找（也可用 “ ”）"),
    ("(行政复议 OR 行政诉讼) 败诉", "括号分组（也可用全角 （ ））"),
    ("region:贵州 行政复议", "只看贵州的报告（冒号也可用全角 ：，字段名也可用中文）"),
    ('section:"行政复议 应诉"', "字段值里有空格时加引号"),
    ("year:2021-2023", "2021 至 2023 年的报告"),
    ("浙民法〔2023〕45号", "标点是词的一部分，照原文查找"),
    ("同句(行政复议 应诉)", "几个词在同一句中（句子到 。！？!? 或段末为止；也可写 SENT(…)）"),
    ("同段(行政复议 应诉)", "几个词在同一段中，与 行政复议 应诉 相同（也可写 PARA(…)）"),
    ("NEAR(行政复议 应诉, 10)", '几个词相距不超过 10 个字，先后不限（也可写 "行政复议 应诉"~10）'),
    ("行政復議", "繁体、简体和异体字一并查找"),
    ("复议*", "末尾的 * 可以省略：逐字查找本来就包括 行政复议、复议机关 这类更长的词"),
)
"""(query, what it finds): rendered in QUERY_HELP; the tests parse every one."""


YEAR_FORMS = ("year:2023", "year:2021-2023", "year:2021..2023", "year:>=2021", "year:<2023")
"""The ways to write a year filter, each a query of its own."""

NOTES: tuple[str, ...] = (
    "OR、AND、NOT 要大写；小写的 or、and、not 是普通的词。",
    "只有词首的 - 表示排除；2021-2023、a.b、C++、2023年 都是普通的词。",
    "括号和 “ ” 在词中间闭合时照原文查找，如 (六)依法行政、“放管服”改革。",
    "冒号前不是字段名时照原文查找，如 时间:2023；要查找 foo:bar 这类文字请加引号。",
    f"不能只有排除条件；查询最多 {MAX_QUERY_LENGTH} 个字符。",
    '同句、同段、NEAR 的括号里只能写词、引号里的短语和字段，如 同句("行政 复议" 应诉 region:贵州)；'
    "或、非、分组写在括号外面。",
    "NEAR(甲 乙, n)：段中各有一处甲、乙，从最早一处的开头到最晚一处的结尾不超过 n + 各词字数个字"
    f"（两词不重叠时即相隔不超过 n 字；n 为 0–{NEAR_MAX}）。",
    "词末的 ~n（如 行政复议~5）不支持模糊查找，按原词查找。",
    f"括号和 同句/同段/NEAR 最多嵌套 {MAX_DEPTH} 层。",
    '引号里的 \\" 表示引号本身、\\\\ 表示反斜杠，如 "他说\\"依法\\""。',
)
"""What the examples do not show, one sentence each."""


def field_rows() -> list[tuple[str, tuple[str, ...], str, tuple[str, ...]]]:
    """(field, its Chinese names, what it filters on, example queries) for every field."""
    rows = []
    for name, what in FIELDS.items():
        said, _, examples = what.partition("，如 ")
        aside = re.fullmatch(r"(.+?)（(.+)）", examples)  # 文号:…5号（括号写法不限）
        if aside:
            examples, said = aside[1], f"{said}（{aside[2]}）"
        rows.append((name, FIELD_NAMES_ZH[name], said, tuple(examples.split("、"))))
    return rows


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(2, width - _width(text))


def _help() -> str:
    lines = ["查询语法：每个词都按原文逐字查找（子串匹配，不分词）。"]
    lines += [f"  {_pad(q, 30)}{what}" for q, what in QUERY_EXAMPLES]
    lines.append("字段（字段名后紧跟冒号和值，冒号后不要空格）：")
    for name, what in FIELDS.items():
        lines.append(f"  {_pad(name + '（' + '、'.join(FIELD_NAMES_ZH[name]) + '）', 30)}{what}")
    lines += [
        "年份写法：" + "  ".join(YEAR_FORMS),
        "说明：",
        *(f"  · {note}" for note in NOTES),
    ]
    return "\n".join(lines)


QUERY_HELP: str = _help()
"""The whole syntax in a few lines of Chinese, for `--help` (plain text); the search page
shows the same as tables whose examples are links (`QUERY_EXAMPLES`, `field_rows`, `NOTES`)."""
