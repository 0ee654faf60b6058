"""Full-text search for Chinese government work reports.

The data flows one way: source files → reports (read, clean, split, structure, describe,
identify) → store and indexes → query → results → CLI and web app. README.md, "How it
works", has the table of every module; in short:

- ingest (`indexer/ingest/`, stages s1_… to s6_…): files → reports with metadata and evidence;
- corrections, models, errors, settings: user corrections, the records, errors, limits;
- store, analyse, literal index, word index, similar, build: what is kept and how it is found;
- similar pairs (`similar_pairs.py`): classes of identical passages and their near copies;
- query, search: the query language, matching, ranking, facets, trends, the JSON contract;
- shells: `cli.py` here, `webapp/` beside it.
"""

__version__ = "0.2.0"
