"""What a request sees: the blueprints and the helpers that turn results into pages.

======================  ==========================================================
module                  what
======================  ==========================================================
search                  the search page (and the home page): results, facets, trends
reports                 a report as a reading tool, its matches marked
api                     the JSON API: search, trends, reports, similar passages
export                  every hit of a query as CSV, streamed, and as .xlsx
kwic                    the concordance: a line per occurrence, its pages and exports
spreadsheet             .xlsx workbooks of any size, Chinese headers, text kept as text
feeds                   Atom feeds of searches: the newest matching reports
compare                 two reports side by side: shared, only in one, changed
similar                 pairs of reports sharing near-identical passages; law pages
provenance              where a value came from, in words a reader understands
params                  request parameters validated into a search (400 with a message)
query_assist            did you mean, within-results refinement, the caret under an error
facets_view             the facet sidebar: values, counts, links that toggle them
charts                  the trends as SVG bar charts, drawn server-side
render                  passages with their matches marked, escaped piece by piece
links                   every link the app builds (permalinks, search URLs)
======================  ==========================================================
"""
