"""How the app is served: worker processes, admission, caches, hosts, the opened index.

======================  ==========================================================
module                  what
======================  ==========================================================
server                  python -m webapp: gunicorn worker processes sharing the index
                        the master loaded; a background server for tests
worker                  gunicorn's thread worker, reading raw UTF-8 request lines
ports                   whether the port is free, said in Chinese before binding
admission               one computing thread per worker, a bounded queue, timeouts;
                        exports waiting their turn
cache                   results, first pages and report pages cached per generation
hosts                   the Host names served and the public base URL of links
engine                  the opened index of this app, per generation (`get_engine`)
======================  ==========================================================
"""
