"""Stage 1, HTML: the report a saved web page holds, without the page's chrome.

The page is decoded here (a declared gb2312/gbk is read as gb18030), then readability-lxml
picks the main content and the block-aware walker below turns it into lines. Because the
product promises that nothing in a report is silently lost, readability's choice is
checked against the whole page (`recall_gaps`): when any sentence or data-table row of the
page is missing from it, the whole body is used instead, chrome and all, for the line
rules of stage 2 to clean. What the page says about itself outside the running text
(headline, <title>, meta tags, gov.cn info table) is read by `s1_properties`.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from unicodedata import east_asian_width

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning
from bs4.dammit import EncodingDetector
from bs4.element import NavigableString, PreformattedString
from readability import Document

from indexer.ingest.s1_properties import INFO_LABELS, html_evidence, in_chrome, is_chrome_name
from indexer.ingest.s1_text import decode_text
from indexer.ingest.s5_dates import YEAR_DIGITS
from indexer.models import Evidence

# readability logs a traceback before raising; we catch the error and fall back, so its
# log is noise. A NullHandler keeps logging's last-resort stderr handler quiet while still
# letting an application that configures logging see the records.
logging.getLogger("readability").addHandler(logging.NullHandler())

_DROPPED_TAGS = frozenset(
    {
        "head",
        "script",
        "style",
        "noscript",
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "template",
        "iframe",
        "svg",
        "canvas",
        "button",
        "select",
    }
)
# Inside these, <header> holds the article's own title and <footer> its date and issuer:
# content, not page chrome.
_CONTENT_ROOTS = frozenset({"article", "main"})
_KEPT_IN_CONTENT = frozenset({"header", "footer"})

_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "blockquote",
        "body",
        "br",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "legend",
        "li",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
# HTML collapses ASCII whitespace only; &nbsp; and the ideographic space U+3000 are text.
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_HTML_SPACE_CHARS = " \t\n\r\f"


# The recall guard: a block of the whole page with this many Chinese characters that ends a
# sentence is report text, wherever it sits (unless in a link list or navigation).
_GUARD_MIN_CJK = 20
_SENTENCE_END = re.compile(r"[。！？；：][”’」』）)\]】]*$")
# A speech's dateline ("1979年6月18日在第五届全国人民代表大会第二次会议上") is report text
# without sentence punctuation; readability drops it on Wikisource (a header template).
_DATELINE = re.compile(rf"^[—-]*\s*{YEAR_DIGITS}年.{{1,8}}日\s*在.{{2,60}}(?:会议|大会)上$")
# "发布日期：2023-02-10来源：县民政局…视力保护色：": label：value pairs, not a sentence.
_LABEL_LINE = re.compile(r"[:：].*[:：]$")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_ANY_SPACE = re.compile(r"\s+")
# Readability chose too little when it kept less than this share of the page's text.
_MIN_SHARE = 0.1


@dataclass(frozen=True)
class PageText:
    """The text chosen from a page, and why."""

    text: str
    main_content: bool  # True: readability's main content; False: the whole body
    reason: str = ""  # why the whole body was used
    missing: tuple[str, ...] = ()  # the page's blocks readability's choice lacked


def read_html(data: bytes, charset: str | None = None) -> tuple[str, str, tuple[Evidence, ...]]:
    """Return a page's report text, the encoding it was decoded with, and its evidence.

    `charset` is what the container said of the page (a web archive's MIME part); it goes
    before the page's own declaration.
    """
    markup, encoding = decode_html(data, charset)
    soup = parse_html(markup)
    return page_text(markup, soup).text, encoding, html_evidence(soup)


def decode_html(data: bytes, charset: str | None = None) -> tuple[str, str]:
    """Decode a page, trusting its declared charset as a hint (gb2312/gbk → gb18030)."""
    declared = charset or EncodingDetector.find_declared_encoding(data, is_html=True)
    return decode_text(data, declared)


def parse_html(markup: str) -> BeautifulSoup:
    with warnings.catch_warnings():
        # We know this is a file's content and want it parsed as HTML, even when it is short
        # and looks like a file name, or starts with an XML declaration (XHTML).
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(markup, "lxml")


def page_text(markup: str, soup: BeautifulSoup) -> PageText:
    """Return the page's main content, or its whole body when that could lose report text.

    The whole body is used when readability raises, keeps almost nothing (under a tenth of
    the page's characters), or lacks any block the recall guard requires (`recall_gaps`).
    """
    root = soup.body or soup
    lines = _html_lines(root)
    whole = "\n".join(line for line, _ in lines)
    try:
        summary = Document(markup).summary(html_partial=True)
    # readability wraps whatever goes wrong (lxml parser errors, empty documents) in its
    # Unparseable; any failure means the same here: keep the whole body.
    except Exception as exc:
        return PageText(whole, False, f"readability failed: {type(exc).__name__}")
    main = _html_text(parse_html(summary))
    flat_main, flat_whole = _flat(main), _flat(whole)
    if not flat_main or len(flat_main) < _MIN_SHARE * len(flat_whole):
        return PageText(whole, False, "readability kept almost nothing")
    missing = recall_gaps(root, lines, flat_main)
    if missing:
        return PageText(whole, False, "readability dropped report text", missing)
    return PageText(main, True)


def recall_gaps(root: Tag, lines: list[tuple[str, bool]], flat_main: str) -> tuple[str, ...]:
    """Return the page's required blocks that are not in `flat_main` (whitespace removed).

    Required: every line with ≥ 20 Chinese characters that ends a sentence (。！？；：),
    every dateline, and every row of a data table; except what sits in a link list,
    navigation, a sidebar or footer, a line of label：value pairs ending in a bare label
    (发布日期：…来源：…字号：), and the info table (read as evidence instead).
    """
    required = [
        line
        for line, exempt in lines
        if not exempt
        and (
            (
                len(_CJK.findall(line)) >= _GUARD_MIN_CJK
                and _SENTENCE_END.search(line)
                and not _LABEL_LINE.search(line)
            )
            or _DATELINE.match(line)
        )
    ]
    required.extend(_data_table_rows(root))
    return tuple(block for block in required if _flat(block) not in flat_main)


def _flat(text: str) -> str:
    return _ANY_SPACE.sub("", text)


def _data_table_rows(root: Tag) -> Iterator[str]:
    """Yield the rows of every data table: a table with no table inside and ≥ 2 cells a row.

    Readability drops a table with under 25 characters outright; a report's table of
    figures must survive. Layout tables (one cell a row, or holding tables), info tables,
    link rows and tables in chrome are not data.
    """
    for table in root.find_all("table"):
        if table.find("table") is not None or in_chrome(table) or _dropped(table):
            continue
        text = table.get_text()
        if sum(label in _flat(text) for label in INFO_LABELS) >= 2:
            continue
        for row in table.find_all("tr"):
            cells = row.find_all(("td", "th"), recursive=False)
            flat = _flat(row.get_text())
            if len(cells) < 2 or len(flat) < 2:
                continue
            links = sum(len(_flat(a.get_text())) for a in row.find_all("a"))
            if 2 * links < len(flat):
                yield flat


def _dropped(tag: Tag) -> bool:
    return any(parent.name in _DROPPED_TAGS for parent in tag.parents)


def _html_text(root: Tag) -> str:
    """Return the visible text under `root`, one block element per line, no blank lines."""
    lines = "".join(chunk for chunk, _ in _html_chunks(root)).split("\n")
    stripped = (line.strip(_HTML_SPACE_CHARS) for line in lines)
    return "\n".join(line for line in stripped if line and not line.isspace())


def _html_lines(root: Tag) -> list[tuple[str, bool]]:
    """Return `_html_text`'s lines, each with whether it is mostly links or page chrome."""
    lines: list[tuple[str, bool]] = []
    pieces: list[str] = []
    counts = [0, 0]  # visible characters: all, in links or chrome

    def flush() -> None:
        line = "".join(pieces).strip(_HTML_SPACE_CHARS)
        if line and not line.isspace():
            lines.append((line, 2 * counts[1] >= counts[0] > 0))
        pieces.clear()
        counts[:] = [0, 0]

    for chunk, flags in _html_chunks(root):
        for i, part in enumerate(chunk.split("\n")):
            if i:
                flush()
            if part:
                pieces.append(part)
                visible = len(_flat(part))
                counts[0] += visible
                counts[1] += visible if flags else 0
    flush()
    return lines


def _html_chunks(root: Tag) -> Iterator[tuple[str, bool]]:
    """Yield the visible strings under `root` in order, with "\\n" at block boundaries.

    Each comes with a flag: whether it sits in a link or in page chrome named by class/id.
    """
    # An explicit stack rather than recursion: real pages nest deeper than Python's
    # recursion limit allows.
    stack = [(iter(root.children), root, 0)]
    pre_depth = content_depth = link_depth = 0
    while stack:
        children, parent, marked = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            name = parent.name
            pre_depth -= name == "pre"
            content_depth -= name in _CONTENT_ROOTS
            link_depth -= marked
            if name in _BLOCK_TAGS and not (name in _CELL_TAGS and _is_data_cell(parent)):
                yield "\n", False
        elif isinstance(child, Tag):
            name = child.name
            if name in _DROPPED_TAGS and not (content_depth and name in _KEPT_IN_CONTENT):
                continue
            pre_depth += name == "pre"
            content_depth += name in _CONTENT_ROOTS
            mark = int(name == "a" or is_chrome_name(child))
            link_depth += mark
            if name in _CELL_TAGS and _is_data_cell(child):
                # A data table's row is one line, its cells apart: a label and its
                # numbers (行政复议收案 2104 2689) stay in one passage.
                if child.find_previous_sibling(_CELL_TAGS) is not None:
                    yield CELL_GAP, False
                stack.append((iter(child.children), child, mark))
                continue
            if name in _BLOCK_TAGS:
                yield "\n", False
            stack.append((iter(child.children), child, mark))
        # Comments, doctypes, CDATA and processing instructions are not visible text.
        elif isinstance(child, NavigableString) and not isinstance(child, PreformattedString):
            text = str(child) if pre_depth else _collapse_html_space(child)
            yield text, link_depth > 0


_CELL_TAGS = ("td", "th")
CELL_GAP = "\u3000"  # an ideographic space: cells read apart, nothing added to search
_CELL_BLOCKS = frozenset({"p", "div", "br", "table", "ul", "ol", "li", "h1", "h2", "h3", "h4"})


def _is_data_cell(cell: Tag) -> bool:
    """Tell whether a table cell holds a value, not a layout block of paragraphs."""
    return cell.find(_CELL_BLOCKS) is None


def _collapse_html_space(text: str) -> str:
    """Collapse whitespace as a browser does; drop a line break between two CJK characters.

    Hard-wrapped Chinese source must not gain a space inside a word or phrase: CSS Text 3
    (segment break transformation) removes a line break whose neighbours are both East Asian
    wide characters. Only breaks within one text node are seen here.
    """
    if "\n" not in text and "\r" not in text:
        return _HTML_SPACE.sub(" ", text)
    return _HTML_SPACE.sub(_space_or_nothing, text)


def _space_or_nothing(match: re.Match[str]) -> str:
    run, text, start, end = match.group(), match.string, match.start(), match.end()
    if "\n" not in run and "\r" not in run:
        return " "
    if start == 0 or end == len(text):
        return " "
    return "" if _wide(text[start - 1]) and _wide(text[end]) else " "


def _wide(char: str) -> bool:
    # Hangul is excluded by the CSS rule: Korean separates words with spaces.
    return east_asian_width(char) in ("F", "W", "H") and not "\uac00" <= char <= "\ud7a3"
