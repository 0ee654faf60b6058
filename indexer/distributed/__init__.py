"""Build and search on a Ray cluster: the same index and answers, on many machines.

Optional: it needs Ray (`requirements-ray.txt`); nothing else in the library imports it.
The shells hand what it makes to the families below it: a build's backend
(`build/backend.py`) and the way a sharded engine reaches its shards (`search/shard_set.py`).

======================  ==========================================================
module                  what
======================  ==========================================================
connecting              --ray local, auto or an address: join or start a cluster; our
                        code shipped along; a missing Ray or a silent address said in
                        Chinese
storage                 whether every node sees the index folder and the files, checked
                        before a build writes anything
building                a build's files read in Ray tasks, in order; each shard's
                        generation written in a Ray actor
serving                 each shard's service in Ray actors, replicas round-robin with
                        failover and a timeout: a ShardSet over the cluster
hosting                 the process owning a web server's shard actors, started
                        before the workers fork
======================  ==========================================================
"""
