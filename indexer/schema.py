"""The Whoosh schema, declared once: the index writer and the searcher both import it."""

from __future__ import annotations

from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, KEYWORD, Schema

from .analysis import Entry, WordsField

# Ranking weights: a word in a report's title or in a section heading says more about
# what a passage is about than the same word in running text.
FIELD_BOOSTS = {"content": 1.0, "section": 2.0, "title": 3.0}
WORD_FIELDS = tuple(FIELD_BOOSTS)


def make_schema(entries: tuple[Entry, ...]) -> Schema:
    """Return the schema: one document per passage, carrying its report's metadata."""
    return Schema(
        # Our passage ordinal: with several writer processes Whoosh's document numbers
        # are not insertion order, so this column maps them back.
        ordinal=COLUMN(NumericColumn("I")),
        content=WordsField(entries, field_boost=FIELD_BOOSTS["content"]),
        section=WordsField(entries, field_boost=FIELD_BOOSTS["section"]),
        title=WordsField(entries, field_boost=FIELD_BOOSTS["title"]),
        report_id=_metadata_field(),
        issuer=_metadata_field(),
        province=_metadata_field(),
        city=_metadata_field(),
        county=_metadata_field(),
        department=_metadata_field(),
        year=_metadata_field(),  # the searcher filters years as integer ranges
        laws=_metadata_field(),
    )


def _metadata_field() -> KEYWORD:
    """A comma-separated keyword field for a report's metadata.

    Marked scorable although nothing scores on it: whoosh-reloaded 2.7.5 looks for a
    length column on every posting of a non-scorable field without caching the miss,
    which doubled build time (MEASUREMENTS.md); a length column is cheap.
    """
    return KEYWORD(commas=True, scorable=True, lowercase=False)
