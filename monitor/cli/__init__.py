"""The `driftsvarsel` command: thin commands that parse arguments, call one library function, print.

`main` is the entry point (`driftsvarsel` and `python -m monitor`); `rules` builds what
`rules check|explain|test` print. No logic lives here that a library function could own.
"""

from monitor.cli.main import main

__all__ = ["main"]
