"""`python -m indexer`: the command line."""

from indexer.cli import main

main()
