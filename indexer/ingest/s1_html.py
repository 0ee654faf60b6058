"""Stage 1, HTML: the text of a saved web page, without script, style or navigation."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from unicodedata import east_asian_width

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning
from bs4.dammit import EncodingDetector
from bs4.element import NavigableString, PreformattedString

from indexer.ingest.s1_text import decode_text

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


def read_html(data: bytes) -> tuple[str, str]:
    declared = EncodingDetector.find_declared_encoding(data, is_html=True)
    markup, encoding = decode_text(data, declared)
    with warnings.catch_warnings():
        # We know this is a file's content and want it parsed as HTML, even when it is short
        # and looks like a file name, or starts with an XML declaration (XHTML).
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(markup, "lxml")
    return _html_text(soup.body or soup), encoding


def _html_text(root: Tag) -> str:
    """Return the visible text under `root`, one block element per line, no blank lines."""
    lines = "".join(_html_chunks(root)).split("\n")
    stripped = (line.strip(_HTML_SPACE_CHARS) for line in lines)
    return "\n".join(line for line in stripped if line and not line.isspace())


def _html_chunks(root: Tag) -> Iterator[str]:
    """Yield the visible strings under `root` in order, with "\\n" at block boundaries."""
    # An explicit stack rather than recursion: real pages nest deeper than Python's
    # recursion limit allows.
    stack = [(iter(root.children), root)]
    pre_depth = content_depth = 0
    while stack:
        children, parent = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            name = parent.name
            pre_depth -= name == "pre"
            content_depth -= name in _CONTENT_ROOTS
            if name in _BLOCK_TAGS:
                yield "\n"
        elif isinstance(child, Tag):
            name = child.name
            if name in _DROPPED_TAGS and not (content_depth and name in _KEPT_IN_CONTENT):
                continue
            pre_depth += name == "pre"
            content_depth += name in _CONTENT_ROOTS
            if name in _BLOCK_TAGS:
                yield "\n"
            stack.append((iter(child.children), child))
        # Comments, doctypes, CDATA and processing instructions are not visible text.
        elif isinstance(child, NavigableString) and not isinstance(child, PreformattedString):
            yield str(child) if pre_depth else _collapse_html_space(child)


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
