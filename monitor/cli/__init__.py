"""The `driftsvarsel` command: thin commands that parse arguments, call one library function, print.

`main` is the entry point (`driftsvarsel` and `python -m monitor`) and only assembles the command
groups: `core` (run, poll, demo, backup), `records` (history, outbox), `rules`, `probes` (status,
probe), `notify`, `classify` (classify, eval). `common` holds the exit codes, the rules/--db
options and --json output. No logic lives here that a library function could own.
"""

from monitor.cli.main import main

__all__ = ["main"]
