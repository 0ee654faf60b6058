"""The query language: text a user types → a tree of literal terms, fields and operators.

======================  ==========================================================
module                  what
======================  ==========================================================
tokens                  the typed text → tokens (words, quoted phrases, fields,
                        operators, brackets), each with its position for errors
tree                    the vocabulary (fields, limits) and the tree a query parses to
parse                   tokens → tree, with Chinese errors and a caret position;
                        how a tree is explained back in Chinese
rewrite                 plain-text and within-results rewriting of a query
help                    the syntax help shown by the CLI and the search page
dates                   成文日期 of the date: filter: days, months, years and ranges
proximity               what 同句 and NEAR mean on a passage's text, and which spans
                        of a passage a query marks
======================  ==========================================================

Nothing here reads an index: a tree is evaluated by `indexer.search.matching`.
"""

from indexer.query.parse import (
    FIELD_ALIASES,
    FIELD_NAMES_ZH,
    FIELDS,
    MAX_DEPTH,
    MAX_QUERY_LENGTH,
    NEAR_MAX,
    YEAR_MAX,
    YEAR_MIN,
    And,
    Field,
    Near,
    Node,
    Not,
    Or,
    Term,
    YearFilter,
    cited_laws,
    explain_query,
    parse_query,
    positive_terms,
    variants_note,
)

__all__ = [
    "FIELDS",
    "FIELD_ALIASES",
    "FIELD_NAMES_ZH",
    "MAX_DEPTH",
    "MAX_QUERY_LENGTH",
    "NEAR_MAX",
    "YEAR_MAX",
    "YEAR_MIN",
    "And",
    "Field",
    "Near",
    "Node",
    "Not",
    "Or",
    "Term",
    "YearFilter",
    "cited_laws",
    "explain_query",
    "parse_query",
    "positive_terms",
    "variants_note",
]
