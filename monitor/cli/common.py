"""What every command shares: exit codes, the rules file and database options, JSON output.

Exit codes (README, "Exit codes"); `poll --once` and `probe --once` add the bits that hold:

    0  all well                        4  a source failed (poll)
    1  error: bad rules, no database   8  a probe found an API down or misconfigured (probe)
    2  usage: bad arguments, a file    16 a delivery failed (will be retried) or was dead-lettered
       that is not a notice               (poll)
    130 interrupted (Ctrl-C)           141 stdout closed early (`... | head`), as git does
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.errors import UserError

if TYPE_CHECKING:
    from typing import TypeAlias

    import sqlite_utils

    from monitor.config.types import Rules

    Commands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

OK = 0
ERROR = 1
USAGE = 2
SOURCE_FAILED = 4
API_DOWN = 8
DELIVERY_FAILED = 16
INTERRUPTED = 130
BROKEN_PIPE = 141

Command = Callable[[argparse.Namespace], int]
RULES_DEFAULT = "default: $DRIFTSVARSEL_RULES, ./rules.yaml, /etc/driftsvarsel/rules.yaml"


def add_rules_option(parser: argparse.ArgumentParser, *, db: bool = False) -> None:
    parser.add_argument("--rules", type=Path, metavar="FILE", help=f"rules file ({RULES_DEFAULT})")
    if db:
        parser.add_argument(
            "--db", type=Path, metavar="PATH", help="database file (overrides the rules file)"
        )


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object (shape: README, JSON output)")


def rules_path(args: argparse.Namespace) -> Path:
    """--rules (or a positional rules file where the command has one), else the default chain.

    Raises UserError when both are given and differ.
    """
    from monitor.config.load import default_rules_path

    option, positional = getattr(args, "rules", None), getattr(args, "file", None)
    if option is not None and positional is not None and Path(option) != Path(positional):
        raise UserError(f"two rules files given ({positional} and --rules {option}); give one")
    chosen = option if option is not None else positional
    return Path(chosen) if chosen else default_rules_path()


def stored(args: argparse.Namespace) -> tuple[Rules | None, sqlite_utils.Database]:
    """For commands that read history: the rules (unless only --db was given) and the database.

    Raises UserError when the database does not exist yet (these commands never create one).
    """
    from monitor.config.load import load_rules
    from monitor.store import open_existing

    if args.db is not None and not args.rules:
        return None, open_existing(args.db)
    rules = load_rules(rules_path(args))
    return rules, open_existing(args.db if args.db is not None else rules.settings.database)


def print_json(value: object) -> None:
    """One JSON document on stdout (UTF-8 text kept readable, keys in the documented order)."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")
