"""Searching an opened generation: match, rank, group, count, read.

======================  ==========================================================
module                  what
======================  ==========================================================
engine                  the front door: open an index, search, count, read reports
generation              one opened generation, the object search code receives
matching                which passages match: literal index and filters as masks
filters                 what a field value selects (a facet value: what it counted)
report_table            per-report metadata as arrays and folded strings
ranking                 BM25F scores → reports ranked, passages grouped under them
sorting                 the orders results can take
facets                  facet counts by province, city, county, department, year, law
trends                  the hits by year and by province
occurrences             every place a passage matched, located and counted exactly
kwic                    keyword in context: one line per occurrence, sortable by context
collocations            the words beside a query in its sentences, by log-likelihood
newest                  a result's reports newest build first: what a feed follows
compare                 two reports passage by passage: shared, only in one, changed
suggest                 did you mean: nearby queries that have hits
results                 the JSON contract of hits, groups and reports
citation                citations: the short form and GB/T 7714-2015
laws                    cited laws the corpus holds, and who cites them
similar                 a report's near-duplicate passages elsewhere; report pairs
interface               what the shells use of an engine and a result, one index's
                        or a sharded one's alike
answered                which shards answered a request: never a silently partial
                        answer
shard_service           one shard of a sharded index answering its coordinator in
                        plain data, per cluster generation
shard_set               how the coordinator reaches the shards (this process, Ray)
sharded                 a sharded index searched as one: the query fanned out, counts
                        summed, reports asked of their shard
sharded_result          a result over every shard: groups merged in one index's order,
                        its trends, concordance, collocations and newest reports
sharded_similar         similar passages over every shard, by whole-index ordinals
======================  ==========================================================
"""
