"""The Whoosh schema, declared once: the index writer and the searcher both import it."""

from __future__ import annotations

from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, Schema

from .analysis import Entry, WordsField

# Ranking weights: a word in a report's title or in a section heading says more about
# what a passage is about than the same word in running text.
FIELD_BOOSTS = {"content": 1.0, "section": 2.0, "title": 3.0}
WORD_FIELDS = tuple(FIELD_BOOSTS)
ORDINAL_COLUMN = NumericColumn("I")


def make_schema(entries: tuple[Entry, ...]) -> Schema:
    """Return the schema: one document per passage, holding only what ranking reads.

    Filters and facets read report metadata from the document store, not from here.
    """
    return Schema(
        # Our passage ordinal: with several writer processes Whoosh's document numbers
        # are not insertion order, so this column maps them back.
        ordinal=COLUMN(ORDINAL_COLUMN),
        content=WordsField(entries, field_boost=FIELD_BOOSTS["content"]),
        section=WordsField(entries, field_boost=FIELD_BOOSTS["section"]),
        title=WordsField(entries, field_boost=FIELD_BOOSTS["title"]),
    )
