"""Turn a decoded source text into the report's paragraphs, exactly as written.

Three steps: split into lines and trim them; drop the lines a download site wraps a
report in; rejoin paragraphs that a copy broke in the middle of a sentence. Nothing
inside a paragraph is ever changed: a quote copied from a search result must still be
found in the source.
"""

from __future__ import annotations

import re
from itertools import pairwise

from indexer.ingest.lines import (
    has_closing_cue,
    has_opening_cue,
    is_heading_line,
    is_salutation,
    is_title_line,
    parse_heading,
)

# Clutter is recognised on whole short lines only, so no pattern can eat a paragraph.
CLUTTER_MAX_CHARS = 80

# Lines a download site adds around a report. Each pattern must match a whole line;
# add a row when a new site shows up. (pattern, what it catches)
CLUTTER_LINES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), why)
    for pattern, why in (
        (r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(\s+\d{1,2}:\d{2}(:\d{2})?)?", "2023-03-15 [21:00]"),
        (r"\d{4}年\d{1,2}月\d{1,2}日\s*\d{1,2}:\d{2}(:\d{2})?", "2023年3月15日 21:00"),
        (r"(更新|发布|上传|修改)时间[:：].*", "更新时间:2023-03-11 … 下载docx"),
        (r"(作者|来源|浏览|阅读|字数|页数|大小)[:：].{0,40}", "作者:文/会员上传"),
        (r".*下载\s*(docx?|pdf|wps|txt|rtf)\b.*", "… 下载docx"),
        (r"将本文.{0,12}下载到(电脑|本地|手机).*", "将本文的Word文档下载到电脑"),
        (r"(点击|免费|立即|全文)下载.*", "点击下载 / 免费下载"),
        (r"(推荐度|评分|星级)[:：].*", "推荐度:"),
        (r"相关(推荐|阅读|文章|文档|范文|搜索|热词).*", "相关推荐"),
        (r"(上一篇|下一篇|上一页|下一页)([:：].*)?", "上一篇:… / 下一篇"),
        (r"扫一扫.*|.*扫码.{0,10}(下载|关注|阅读).*", "扫一扫 / 扫码下载"),
        (r"(版权所有|copyright\b).*|.*©.*", "版权所有 / Copyright / ©"),
        (r"本文(由|系|为).{0,30}(上传|发布|整理|提供).*", "本文由…上传"),
        (r"第\s*\d+\s*页[\s,，/]*共\s*\d+\s*页", "第 1 页 共 3 页"),
        (r"[-—–]\s*\d+\s*[-—–]|\d+\s*/\s*\d+|page\s*\d+(\s*of\s*\d+)?", "- 2 - / 2/3 page"),
    )
)

# A date written the Chinese way may be a report's dated signature ("2023年12月25日"),
# so alone it stays; in a run of date lines it is the site's list of dates.
_CHINESE_DATE_LINE = re.compile(
    r"(\d{4}|[〇零一二三四五六七八九]{4})年[\d〇零一二三四五六七八九十]{1,2}月"
    r"([\d〇零一二三四五六七八九十]{1,3}日)?"
)

# A line opening on a full date is an entry of its own (a chronology, a dated notice):
# "2012年8月31日 第十一届全国人民代表大会常务委员会…第一次修正".
_DATED_START = re.compile(r"(\d{4}|[〇零一二三四五六七八九]{4})年\d{1,2}月\d{1,2}日")

# Beyond str.isspace (which covers U+3000 and NBSP): zero-width space and BOM.
_EDGE_SPACE = re.compile(r"^[\s\u200b\ufeff]+|[\s\u200b\ufeff]+$")

# A line ending in one of these has finished its sentence (or its quotation, or its
# parenthesis) and never continues on the next line.
SENTENCE_FINAL = "。！？；：…”’」』）)!?;:."
# A line ending in one of these is cut in the middle of a sentence for certain.
MID_SENTENCE = "、，,（(《“‘—-"
# A line starting with one of these cannot start a paragraph.
_CONTINUES = "，,。、；;：:！!？?）)》”’」』"
# Shorter lines without final punctuation are titles, issuers or dates, not fragments.
SHORT_LINE_MAX = 40


def clean_paragraphs(text: str) -> list[str]:
    """Return the report paragraphs of a decoded source text, clutter removed."""
    return rejoin_broken(drop_clutter(split_lines(text)))


def split_lines(text: str) -> list[str]:
    """Split text into lines trimmed of edge whitespace; a blank line becomes "".

    Spaces inside a line stay as written ("全县 1300 余名执法人员"). Blank lines are
    kept until paragraphs are rejoined, because they are the writer's paragraph breaks.
    """
    return [_EDGE_SPACE.sub("", line) for line in text.splitlines()]


def is_clutter(line: str) -> bool:
    """Tell whether a line is one of the download site's additions in `CLUTTER_LINES`."""
    if len(line) > CLUTTER_MAX_CHARS:
        return False
    return any(pattern.fullmatch(line) for pattern, _ in CLUTTER_LINES)


def drop_clutter(lines: list[str]) -> list[str]:
    """Drop clutter lines, and Chinese-style date lines that come in a run.

    Blank lines stay, and do not break a run of dates.
    """
    filled = [i for i, line in enumerate(lines) if line]
    dated = {i for i in filled if _CHINESE_DATE_LINE.fullmatch(lines[i])}
    in_run = {i for pair in pairwise(filled) if dated.issuperset(pair) for i in pair}
    return [
        line for i, line in enumerate(lines) if not line or not (is_clutter(line) or i in in_run)
    ]


def rejoin_broken(lines: list[str]) -> list[str]:
    """Merge each line broken mid-sentence with the line that continues it, adding nothing.

    Blank lines ("") are dropped here, after telling `continues` where they were.
    """
    paragraphs: list[str] = []
    blank_before = False
    for line in lines:
        if not line:
            blank_before = True
            continue
        if paragraphs and continues(paragraphs[-1], line, blank_between=blank_before):
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
        blank_before = False
    return paragraphs


def continues(line: str, following: str, *, blank_between: bool = False) -> bool:
    """Tell whether `following` is the rest of the sentence `line` breaks off.

    Conservative: a heading line, a line ending with sentence-final punctuation, or a
    line followed by a heading never continues. A line ending in 、 or a comma does,
    even across a blank line (some sites put one after every line). Otherwise (it ends
    in a character) it continues only when no blank line separates them, it is longer
    than a title, and the next line does not look like the start of a paragraph.
    """
    if line[-1] in SENTENCE_FINAL or is_heading_line(line) or parse_heading(following):
        return False
    if line[-1] in MID_SENTENCE:
        return True
    if blank_between:
        return False
    if following[0] in _CONTINUES:
        return True
    if len(line) <= SHORT_LINE_MAX or is_title_line(line) or is_salutation(line):
        return False
    return not starts_paragraph(following)


def starts_paragraph(line: str) -> bool:
    """Tell whether a line reads like the beginning of a paragraph of its own."""
    return (
        parse_heading(line) is not None
        or _DATED_START.match(line) is not None
        or is_title_line(line)
        or is_salutation(line)
        or has_opening_cue(line)
        or has_closing_cue(line)
    )
