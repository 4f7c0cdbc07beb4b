"""The `driftsvarsel` command: thin shells around library functions.

Each command group lives in its own `_add_<group>` function below; a command parses its
arguments, calls one library function, prints, and returns an exit code. Library errors
(`monitor.errors.UserError`) become `Error: ...` and exit 1 here and nowhere else.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from monitor import __version__
from monitor.errors import UserError

Command = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="driftsvarsel",
        description="Watches Skatteetaten's driftsvarsler and alerts the kommuner that use the affected APIs.",
    )
    parser.add_argument("--version", action="version", version=f"driftsvarsel {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for add in (_add_core,):
        add(commands)
    return parser


def _add_core(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """run, poll, demo: added by the pipeline."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Command = args.handler
    try:
        return handler(args)
    except UserError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
