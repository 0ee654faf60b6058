"""The command line (python -m indexer): parse arguments, call the library, print.

======================  ==========================================================
module                  what
======================  ==========================================================
commands                the command group and the index's commands: build, remove,
                        optimize, reports, stats
searching               search and kwic: results, concordance, did you mean, the caret
                        under an error
output                  what is printed: terminal-safe text, JSON, links (a base URL)
usage                   usage errors said in Chinese (this CLI's and the web app's)
======================  ==========================================================
"""

from indexer.cli import searching  # noqa: F401 - registers search and kwic on the group
from indexer.cli.commands import main
from indexer.cli.output import cli_link, printable

__all__ = ["cli_link", "main", "printable"]
