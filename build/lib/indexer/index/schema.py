"""The Whoosh schema, declared once: the index writer and the searcher both import it."""

from __future__ import annotations

from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, Schema

from indexer.index.analysis import Entry
from indexer.index.word_fields import CountedWordsField

# Ranking weights: a word in a report's title or in a section heading says more about
# what a passage is about than the same word in running text.
FIELD_BOOSTS = {"content": 1.0, "section": 2.0, "title": 3.0}
WORD_FIELDS = tuple(FIELD_BOOSTS)

# Three kinds of Whoosh document: a passage (its text), a section heading path (once per
# distinct path) and a report (its title, once). A heading or title is indexed once, not
# in every passage beneath it: that was 40% of all postings. The `key` column says which
# document is what: kind << 32 | id (passage ordinal, section id or report ordinal).
PASSAGE, SECTION, REPORT = 0, 1, 2
FIELD_KINDS = {"content": PASSAGE, "section": SECTION, "title": REPORT}
KEY_COLUMN = NumericColumn("Q")
ID_MASK = 0xFFFFFFFF


def document_key(kind: int, number: int) -> int:
    return (kind << 32) | number


def make_schema(entries: tuple[Entry, ...]) -> Schema:
    """Return the schema: the documents ranking reads, and nothing else.

    Filters and facets read report metadata from the document store, not from here.
    """
    return Schema(
        # With several writer processes Whoosh's document numbers are not insertion
        # order, so this column maps them back to what they index.
        key=COLUMN(KEY_COLUMN),
        content=CountedWordsField(entries, field_boost=FIELD_BOOSTS["content"]),
        section=CountedWordsField(entries, field_boost=FIELD_BOOSTS["section"]),
        title=CountedWordsField(entries, field_boost=FIELD_BOOSTS["title"]),
    )
