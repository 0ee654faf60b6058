"""Full-text search for Chinese government work reports that never misses a literal match.

The data flows one way: source files → reports → store and indexes → query → results → CLI
and web app. The library is five families (and `distributed`, optional, on a Ray cluster),
each a package with a table of its modules in its docstring (README.md, "How it works", has
the same tables; a test keeps them in step):

======================  ==========================================================
module                  what
======================  ==========================================================
ingest                  files → reports with metadata and evidence, in six stages
index                   the index on disk: layout, generations, store, literal and
                        word indexes, similar-passage signing
build                   a build: source files → a new generation, published atomically
query                   the query language: text → a tree of terms, fields, operators
search                  an opened generation searched: match, rank, facets, results
distributed             build and search on a Ray cluster (optional: needs Ray)
cli                     the command line (python -m indexer), a thin shell
errors                  errors with a user message, a hint and an HTTP status
settings                defaults and limits shared by the CLI and the web app
models                  the records stages pass along; the metadata fields declared once
normalize               folding of width, case and traditional/simplified variants
spans                   character spans and runs of numbers several modules share
======================  ==========================================================

The public API is what this package exports: `SearchEngine`, `open_index` (an index of
one shard or many), `build_index`, `remove_sources`, `optimize_index`, `BuildSummary`,
`SearchResult`, `Hit`, `ReportGroup`, `Report`, `Metadata`, `QueryError` and the other
errors (`ShardsUnavailableError`: a shard of a sharded index did not answer). They are
imported on first use, so `import indexer.models` (in a worker process, say) loads nothing
it does not need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.3.0"

_EXPORTS = {
    "SearchEngine": "indexer.search.engine",
    "open_index": "indexer.search.engine",
    "ShardsUnavailableError": "indexer.search.answered",
    "SearchResult": "indexer.search.ranking",
    "Hit": "indexer.search.results",
    "ReportGroup": "indexer.search.results",
    "build_index": "indexer.build",
    "remove_sources": "indexer.build",
    "optimize_index": "indexer.build",
    "BuildSummary": "indexer.build",
    "Report": "indexer.models",
    "Passage": "indexer.models",
    "Metadata": "indexer.models",
    "ReportSearchError": "indexer.errors",
    "QueryError": "indexer.errors",
    "SourceError": "indexer.errors",
    "IndexMissingError": "indexer.errors",
    "NotFoundError": "indexer.errors",
}

__all__ = [
    "BuildSummary",
    "Hit",
    "IndexMissingError",
    "Metadata",
    "NotFoundError",
    "Passage",
    "QueryError",
    "Report",
    "ReportGroup",
    "ReportSearchError",
    "SearchEngine",
    "SearchResult",
    "ShardsUnavailableError",
    "SourceError",
    "__version__",
    "build_index",
    "open_index",
    "optimize_index",
    "remove_sources",
]

if TYPE_CHECKING:
    from indexer.build import BuildSummary, build_index, optimize_index, remove_sources
    from indexer.errors import (
        IndexMissingError,
        NotFoundError,
        QueryError,
        ReportSearchError,
        SourceError,
    )
    from indexer.models import Metadata, Passage, Report
    from indexer.search.answered import ShardsUnavailableError
    from indexer.search.engine import SearchEngine, open_index
    from indexer.search.ranking import SearchResult
    from indexer.search.results import Hit, ReportGroup


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'indexer' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
