"""rules backtest: what other rules (and today's classifier) would have sent, against what was sent."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.cli.common import OK, RULES_DEFAULT, add_json_option, print_json, rules_path

if TYPE_CHECKING:
    from monitor.cli.common import Commands


def add_backtest(actions: Commands) -> None:
    backtest = actions.add_parser(
        "backtest",
        help="replay the stored history through these rules; per kommune and channel: added, dropped",
        description="Replays every notice version stored since DATE through the rules (--rules OTHER.yaml "
        "to try a change) and the current classifier, and compares with what was queued. Sends nothing, "
        "writes nothing. The database is --db, else the rules file's settings.database.",
    )
    backtest.add_argument("--since", required=True, metavar="DATE", help="YYYY-MM-DD (Europe/Oslo) or a time")
    backtest.add_argument(
        "--rules", metavar="OTHER.yaml", help=f"the rules to replay through ({RULES_DEFAULT})"
    )
    backtest.add_argument(
        "--db", type=Path, metavar="PATH", help="database file (overrides the rules file's)"
    )
    add_json_option(backtest)
    backtest.set_defaults(handler=_backtest)


def _backtest(args: argparse.Namespace) -> int:
    from monitor.classify import load_vocabulary
    from monitor.cli.report import parse_since
    from monitor.config.load import load_rules
    from monitor.errors import UserError
    from monitor.report.backtest import backtest, backtest_json, backtest_lines
    from monitor.store import open_existing

    since = parse_since(args.since)
    if since is None:
        raise UserError("--since is required")
    rules = load_rules(rules_path(args))
    db = open_existing(args.db if args.db is not None else rules.settings.database)
    result = backtest(db, rules, since=since, vocabulary=load_vocabulary(rules.vocabulary or None))
    if args.json:
        print_json(backtest_json(result))
    else:
        print("\n".join(backtest_lines(result)))
    return OK
