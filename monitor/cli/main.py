"""The `driftsvarsel` command: thin shells around library functions.

Each command group lives in its own module (`core`, `records`, `rules`, `probes`, `notify`,
`classify`), which adds its parsers with `add(commands)`; a command parses its arguments, calls
one library function, prints, and returns an exit code (`monitor.cli.common`). Library errors
(`monitor.errors.UserError`) become `Error: ...` and their exit code here and nowhere else.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Sequence

from monitor import __version__
from monitor.cli import classify, core, correct_args, notify, probes, records, report, rules, silence
from monitor.cli.common import BROKEN_PIPE, INTERRUPTED, Command
from monitor.cli.init import add_init
from monitor.cli.sources import add_sources
from monitor.cli.web import add_web
from monitor.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="driftsvarsel",
        description=(
            "Watches Skatteetaten's driftsvarsler and alerts the kommuner that use the affected APIs."
        ),
        epilog="Exit codes: 0 all well, 1 error, 2 usage; poll/probe --once add 4 (a source failed), "
        "8 (an API is down), 16 (a delivery failed); 141 when stdout closed early. Times are "
        "Europe/Oslo with the UTC offset. README: Exit codes, JSON output.",
    )
    parser.add_argument("--version", action="version", version=f"driftsvarsel {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for group in (core, records, rules, probes, notify, classify):
        group.add(commands)
    add_init(commands)
    add_sources(commands)
    add_web(commands)
    correct_args.add_commands(commands)
    silence.add(commands)
    report.add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Command = args.handler
    try:
        code = handler(args)
        sys.stdout.flush()
        return code
    except UserError as error:
        print(f"Error: {error}", file=sys.stderr)
        return error.exit_code
    except sqlite3.DatabaseError as error:  # damaged pages read late, a full disk on a write
        from monitor.store.files import explain

        print(f"Error: {explain(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return INTERRUPTED
    except BrokenPipeError:
        return _reader_went_away()


def _reader_went_away() -> int:
    """stdout was closed early (`driftsvarsel history X | head`): end quietly, as git does.

    What is still buffered would fail again at exit, so stdout is pointed at /dev/null first.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return BROKEN_PIPE
