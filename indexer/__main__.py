"""`python -m indexer`: the command line."""

from .cli import main

main()
