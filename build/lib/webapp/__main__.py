"""`python -m webapp [--index DIR] [--host H] [--port P] [--workers N]`: serve with gunicorn."""

from webapp.cli import main

main(prog_name="python -m webapp")
