"""Turn a decoded source text into the report's paragraphs, exactly as written.

Three steps: split into lines and trim them; drop the lines a web page or a download site
wraps a report in; rejoin paragraphs that a copy broke in the middle of a sentence.
Nothing inside a paragraph is ever changed: a quote copied from a search result must
still be found in the source. Where a removed marker sat inside a sentence (a wiki's
footnote reference "鄧同志 / [ / 4 / ] / 在唐山"), the text on both sides is one sentence
to a reader and is joined, so a search for "鄧同志在唐山" finds it. `CleanedText.origins`
maps each paragraph back to the source lines it was made of.

Clutter is recognised on whole lines only, by anchored rules, so no rule can eat part of
a paragraph; and a line holding a full sentence (ending in 。！？) is never dropped, with
one exception: a wiki licence block, recognised by its own fixed wording (`_licence_runs`).
The rules, each a table of (pattern, what it catches), live in `s2_clutter_rules`;
what an info table or a page-meta line says is read by `s2_page_info`:

* `CLUTTER_LINES`: single lines, anywhere (breadcrumbs, top bars, font-size, print and
  share widgets, page-meta lines, prev/next links, download-site lines);
* `PAGE_META`: a line made only of ``label：value`` pairs (来源, 发布时间, 浏览次数 …) and
  widgets; 发布时间/发布日期 and 来源 become `Evidence` about the page;
* `INFO_TABLE_FIELDS`: a gov.cn info table flattened into lines (索引号, 发文机关,
  成文日期 …), removed from the text and returned as `Evidence` about the report;
* multi-line widgets (`_widget_runs`): a breadcrumb or a font-size widget one item per line,
  share-bar platforms on their own lines, a nav menu after 首页;
* inline markers (`_inline_markers`): a wiki footnote reference on lines of its own
  ("[ / 4 / ]", "[4]") inside running text;
* `LINK_LIST_HEADERS`: 相关链接/相关文章 … and the short link lines that follow (titles of
  *other* reports, which must never become titles or split points);
* `FOOTER_LINES` and `WEAK_FOOTER_LINES`: a site footer, only in the text's trailing zone
  (地址：/联系电话： may be report text, so they go only after a stronger footer sign).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise

from indexer.ingest.lines import is_salutation, is_signature_line, is_title_line, parse_heading
from indexer.ingest.s2_clutter_rules import (
    BREADCRUMB_OPENER,
    CHINESE_DATE_LINE,
    CLUTTER_MAX_CHARS,
    CRUMB,
    DATETIME_LINE,
    FONT_OPENER,
    FONT_PART,
    FOOTER_LINES,
    FOOTNOTE_MARK,
    FOOTNOTE_REF,
    HOME,
    LICENCE_LEFTOVER,
    LICENCE_MARK,
    LICENCE_OPENING,
    LICENCE_WORDING,
    LINK_LINE,
    LINK_LIST_HEADERS,
    LINK_LIST_MAX,
    MENU_ITEM,
    MENU_MIN,
    META_ITEM,
    PAGE_META_LINE,
    PLATFORM_LINE,
    SEPARATOR_LINE,
    SHARE_LINE,
    WEAK_FOOTER_LINES,
    is_clutter,  # other modules import it from here
    is_sentence,
)
from indexer.ingest.s2_page_info import info_table, page_meta_evidence
from indexer.ingest.s2_rejoin import CONTINUES, SENTENCE_FINAL, SHORT_LINE_MAX, rejoin
from indexer.models import Evidence

# Beyond str.isspace (which covers U+3000 and NBSP): zero-width space and BOM.
_EDGE_SPACE = re.compile(r"^[\s\u200b\ufeff]+|[\s\u200b\ufeff]+$")


@dataclass(frozen=True)
class CleanedText:
    """A source text's report paragraphs, and what its dropped page furniture said.

    `origins[k]` are the indexes (in `split_lines` of the source) of the lines paragraph k
    was joined from, in order; `dropped` the indexes of the lines removed as clutter, of
    which `markers` were inline markers (text on both sides of one is one sentence).
    """

    paragraphs: list[str]
    evidence: tuple[Evidence, ...] = ()
    origins: tuple[tuple[int, ...], ...] = field(default=(), compare=False)
    dropped: frozenset[int] = field(default=frozenset(), compare=False)
    markers: frozenset[int] = field(default=frozenset(), compare=False)


def clean_source(text: str) -> CleanedText:
    """Return the report paragraphs of a decoded source text, and the evidence of its clutter.

    Evidence comes from a gov.cn info table (issuer, date, title, doc_number: "info_table")
    and from page-meta lines (published, source_site: "page_meta"), only from lines dropped.
    """
    lines = split_lines(text)
    dropped, evidence = _find_clutter(lines)
    markers = frozenset(i for i in _inline_markers(lines) if i in dropped)
    found = [ev for i, ev in sorted(evidence, key=lambda item: item[0]) if i in dropped]
    paragraphs, origins = rejoin(lines, dropped, markers)
    return CleanedText(
        paragraphs,
        tuple(dict.fromkeys(found)),
        origins=origins,
        dropped=frozenset(dropped),
        markers=markers,
    )


def clean_paragraphs(text: str) -> list[str]:
    """Return the report paragraphs of a decoded source text, clutter removed."""
    return clean_source(text).paragraphs


def split_lines(text: str) -> list[str]:
    """Split text into lines trimmed of edge whitespace; a blank line becomes "".

    Spaces inside a line stay as written ("全县 1300 余名执法人员"). Blank lines are
    kept until paragraphs are rejoined, because they are the writer's paragraph breaks.
    """
    return [_EDGE_SPACE.sub("", line) for line in text.splitlines()]


# --- Finding clutter ------------------------------------------------------------------


def _find_clutter(lines: list[str]) -> tuple[set[int], list[tuple[int, Evidence]]]:
    """Return the indexes of the lines to drop, and evidence by the line it came from."""
    licence = set(_licence_runs(lines))
    marked: set[int] = set(licence)
    evidence: list[tuple[int, Evidence]] = []
    for i, ev in info_table(lines):
        marked.add(i)
        if ev is not None:
            evidence.append((i, ev))
    marked.update(_widget_runs(lines))
    marked.update(_inline_markers(lines))
    for i, line in enumerate(lines):
        if i not in marked and is_clutter(line):
            marked.add(i)
            evidence.extend((i, ev) for ev in page_meta_evidence(line))
    marked.update(_link_lists(lines, marked))
    marked.update(_date_runs(lines))
    marked.update(_enclosed_menus(lines, marked))
    marked.update(_trailing_footer(lines, marked))
    # A full sentence stays, whatever rule caught it, unless a licence block holds it.
    return {i for i in marked if lines[i] and (i in licence or not is_sentence(lines[i]))}, evidence


def _filled(lines: list[str], start: int, stop: int | None = None) -> Iterator[int]:
    """Indexes of the non-blank lines from `start` (up to `stop`)."""
    end = len(lines) if stop is None else min(stop, len(lines))
    return (i for i in range(start, end) if lines[i])


def _next_filled(lines: list[str], i: int) -> int | None:
    return next(_filled(lines, i + 1), None)


def _licence_runs(lines: list[str]) -> Iterator[int]:
    """Lines of a wiki licence block: from "本作品来自…" on, while lines are its wording.

    A block runs on through its fragments (a sentence broken around links: "据 /
    2024年社群共识 / ，国务院…"), footnotes (↑ and the note), short link lines and the
    template's leftovers (Public domain, false), and counts only if it names a licence.
    """
    i = 0
    while i < len(lines):
        if not LICENCE_OPENING.match(lines[i]):
            i += 1
            continue
        run, previous = [i], lines[i]
        for j in _filled(lines, i + 1):
            line = lines[j]
            if not (
                LICENCE_WORDING.search(line)
                or LICENCE_LEFTOVER.fullmatch(line)
                or line[0] in CONTINUES
                or previous == "↑"
                or (previous[-1] not in SENTENCE_FINAL and len(line) <= 30)
                or (len(line) <= 24 and not re.search(r"[。！？!?]", line))
            ):
                break
            run.append(j)
            previous = line
        if LICENCE_MARK.search("\n".join(lines[k] for k in run)):
            yield from range(run[0], run[-1] + 1)
        i = run[-1] + 1


def _widget_runs(lines: list[str]) -> Iterator[int]:
    """Widgets written one item per line."""
    filled = list(_filled(lines, 0))
    for n, i in enumerate(filled):
        line = lines[i]
        rest = filled[n + 1 :]
        if BREADCRUMB_OPENER.fullmatch(line) or (
            HOME.fullmatch(line) and rest and SEPARATOR_LINE.fullmatch(lines[rest[0]])
        ):
            # 您的位置: / 首页 / > / 云南要闻 / > / 正文
            yield i
            yield from _breadcrumb_items(lines, rest, first_is_item=not HOME.fullmatch(line))
        elif FONT_OPENER.fullmatch(line):
            # 【字体： / 大 / 中 / 小 / 】
            for j in rest[:6]:
                if not FONT_PART.fullmatch(lines[j]):
                    break
                yield j
                if re.search(r"[】\]]", lines[j]):
                    break
        elif SHARE_LINE.fullmatch(line):
            # 分享到： / 微信 / 微博 / QQ空间
            for j in rest:
                if not PLATFORM_LINE.fullmatch(lines[j]):
                    break
                yield j
        elif HOME.fullmatch(line):
            # A nav menu: 首页 / 政务公开 / 政务服务 / 互动交流
            menu = []
            for j in rest:
                if not MENU_ITEM.fullmatch(lines[j]) or is_title_line(lines[j]):
                    break
                menu.append(j)
            if len(menu) >= 2:
                yield i
                yield from (j for j in menu if not _heads_article(lines, j))


def _inline_markers(lines: list[str]) -> Iterator[int]:
    """A wiki footnote reference copied onto lines of its own: "[ / 4 / ]" or "[4]".

    It sits inside running text ("鄧同志 / [ / 4 / ] / 在唐山"), so it goes and the text
    around it is joined (`s2_rejoin.rejoin`). The bracketed form on three lines is a reference
    wherever it stands; "[4]" on one line only between two lines of text.
    """
    for i, line in enumerate(lines):
        if line == "[" and i + 2 < len(lines) and lines[i + 2] == "]":
            if FOOTNOTE_REF.fullmatch(lines[i + 1]):
                yield from (i, i + 1, i + 2)
        elif (
            FOOTNOTE_MARK.fullmatch(line)
            and 0 < i < len(lines) - 1
            and lines[i - 1]
            and lines[i + 1]
        ):
            yield i


def _breadcrumb_items(lines: list[str], rest: list[int], *, first_is_item: bool) -> Iterator[int]:
    expect_item = first_is_item
    for j in rest:
        line = lines[j]
        if (
            expect_item
            and CRUMB.fullmatch(line)
            and len(line) <= 16
            and not _heads_article(lines, j)
        ) or (not expect_item and SEPARATOR_LINE.fullmatch(line)):
            yield j
        else:
            return
        expect_item = not expect_item


def _heads_article(lines: list[str], i: int) -> bool:
    """Tell whether a short line is an article's headline: what follows starts the text."""
    following = _next_filled(lines, i)
    if following is None:
        return False
    line = lines[following]
    return (
        is_sentence(line)
        or is_salutation(line)
        or re.match(r"[—－\-]{1,2}.{0,40}(会议|大会)上", line) is not None
        or DATETIME_LINE.fullmatch(line) is not None
        or (
            len(line) <= CLUTTER_MAX_CHARS
            and PAGE_META_LINE.fullmatch(line) is not None
            and META_ITEM.search(line) is not None
        )
    )


def _link_lists(lines: list[str], marked: set[int]) -> Iterator[int]:
    """A link list's header and its links: short lines, up to a blank line or running text.

    A short line right before running text, a salutation or a page-meta line is an
    article's headline, not a link, and ends the list.
    """
    for i, line in enumerate(lines):
        if not (line and len(line) <= 20 and LINK_LIST_HEADERS.fullmatch(line)):
            continue
        yield i
        taken = 0
        for j in range(i + 1, len(lines)):
            link = lines[j]
            if not link:
                if taken:
                    break
                continue
            if (
                taken >= LINK_LIST_MAX
                or j in marked
                or not LINK_LINE.fullmatch(link)
                or parse_heading(link) is not None
                or is_salutation(link)
                or CHINESE_DATE_LINE.fullmatch(link)
                or _heads_article(lines, j)
            ):
                break
            taken += 1
            yield j


def _enclosed_menus(lines: list[str], marked: set[int]) -> Iterator[int]:
    """Menus between two dropped lines before the first or after the last running text.

    "当前位置：… / 信息公开目录 / 机构职能 / 政策文件 / 索引号：…": a run of at least
    `MENU_MIN` short lines without punctuation, none a title, heading, salutation, issuer
    or date line, nor an article's headline.
    """
    sentences = [
        i
        for i, line in enumerate(lines)
        if is_sentence(line) or (len(line) > SHORT_LINE_MAX and re.search(r"[。！？；，,]", line))
    ]
    if not sentences:
        return
    run: list[int] = []
    before: int | None = None  # the non-blank line before the run
    for i in _filled(lines, 0):
        if not sentences[0] < i < sentences[-1] and i not in marked and _is_menu_item(lines, i):
            run.append(i)
            continue
        if len(run) >= MENU_MIN and before in marked and i in marked:
            yield from run
        run, before = [], i


def _is_menu_item(lines: list[str], i: int) -> bool:
    line = lines[i]
    return (
        len(line) <= 24
        and re.search(r"[。！？；;!?，,、:：]", line) is None
        and not is_title_line(line)
        and not is_signature_line(line)
        and parse_heading(line) is None
        and not _heads_article(lines, i)
    )


def _date_runs(lines: list[str]) -> set[int]:
    """Chinese-style date lines that come in a run (blank lines do not break one)."""
    filled = [i for i, line in enumerate(lines) if line]
    dated = {i for i in filled if CHINESE_DATE_LINE.fullmatch(lines[i])}
    return {i for pair in pairwise(filled) if dated.issuperset(pair) for i in pair}


def _trailing_footer(lines: list[str], marked: set[int]) -> Iterator[int]:
    """Footer lines in the trailing zone: the end of the text made only of page furniture.

    The zone runs back from the end over blank lines, lines already dropped, footer lines
    and wiki footnotes (↑ and its note, which stays); a weak footer line (地址：…) goes
    only when a footer line comes before it in the zone.
    """
    zone: list[tuple[int, str]] = []  # (index, "marked" | "footer" | "weak" | "note")
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        previous = next((lines[k] for k in range(i - 1, -1, -1) if lines[k]), "")
        if not line:
            continue
        if i in marked:
            zone.append((i, "marked"))
        elif (
            len(line) <= CLUTTER_MAX_CHARS
            and not is_sentence(line)
            and any(p.fullmatch(line) for p, _ in FOOTER_LINES)
        ):
            zone.append((i, "footer"))
        elif (
            len(line) <= CLUTTER_MAX_CHARS
            and not is_sentence(line)
            and any(p.fullmatch(line) for p, _ in WEAK_FOOTER_LINES)
        ):
            zone.append((i, "weak"))
        elif previous in ("↑", "^"):
            zone.append((i, "note"))
        else:
            break
    footer_seen = False
    for i, kind in reversed(zone):
        if kind == "footer":
            footer_seen = True
            yield i
        elif kind == "weak" and footer_seen:
            yield i
