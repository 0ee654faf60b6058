"""`python -m webapp [--index DIR] [--host H] [--port P] [--workers N]`: serve with gunicorn."""

from .server import main

raise SystemExit(main())
