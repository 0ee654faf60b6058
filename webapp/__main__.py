"""`python -m webapp [--index DIR] [--host 127.0.0.1] [--port 5000]`: serve with gunicorn worker processes."""

from .server import main

raise SystemExit(main())
