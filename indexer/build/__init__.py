"""The build: source files → a new generation of the index, published atomically.

======================  ==========================================================
module                  what
======================  ==========================================================
update                  one update under the folder's lock: a new generation, its steps
                        run by one loop that times each and cleans up once, published
steps                   the coordinator's steps: scan by file hash, read, number and
                        route reports to their shard, remove; then every writer's
                        finishing steps and, sharded, the reduce over all shards
backend                 where the heavy parts run: files read and generations written
                        on this machine, or (given by the shell) on a Ray cluster
generation              one generation written from its previous one (the index's,
                        or a shard's): add, remove, then words, literal merge,
                        reports, similar passages, ranking tables
reading                 files read, parsed and their words counted by worker processes,
                        taken back in the files' order
forked                  forked worker processes mapping a function over jobs, results
                        in job order, bookkeeping on the caller's own thread
spool                   results handed from the workers in files they append to, read
                        where they lie, each file removed once read through
heap                    freed memory kept for reuse while files are read (glibc), then
                        given back; the command line's threads in one arena
writers                 what a build writes besides the store: literal batches and
                        their merges, ranking arrays, whether the previous generation
                        can be reused
summary                 what a build did: files read, skipped and why, seconds a step
progress                progress of every step: a bar on a terminal, a line otherwise
======================  ==========================================================
"""

from indexer.build.summary import BuildSummary
from indexer.build.update import BATCH_CHARACTERS, build_index, optimize_index, remove_sources

__all__ = ["BATCH_CHARACTERS", "BuildSummary", "build_index", "optimize_index", "remove_sources"]
