"""The argument parsing of `correct` and `labels export` (the work is in monitor/cli/correct.py).

Kept apart so that building the parser imports nothing heavy; the handlers import what they need.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.cli.common import OK
from monitor.model import CATEGORIES, ENVIRONMENTS, KOMMUNE_APIS

if TYPE_CHECKING:
    from monitor.cli.common import Commands


def add_commands(commands: Commands) -> None:
    """correct NOTICE ..., labels export."""
    correct = commands.add_parser(
        "correct",
        help="correct a notice's classification and re-route it at once",
        description="Records who corrected what and why (kept in history); kommuner newly in scope get the "
        "alert marked [Korrigert], kommuner alerted wrongly get one short correction in the same thread.",
    )
    correct.add_argument("notice", metavar="NOTICE", help="notice key '<source>:<notice id>', id or URL")
    correct.add_argument("--category", help=f"one of {', '.join(CATEGORIES)}")
    correct.add_argument("--apis", help=f"comma-separated {', '.join(KOMMUNE_APIS)}; '*' for all; 'none'")
    correct.add_argument("--environment", help=f"one of {', '.join(ENVIRONMENTS)}")
    correct.add_argument("--reason", required=True, help="why (shown to the kommuner and kept in history)")
    correct.add_argument("--who", help="who corrects (default: $SUDO_USER or the login name)")
    correct.add_argument("--rules", type=Path, help="rules file (default as for run)")
    correct.add_argument("--no-deliver", action="store_true", help="queue only; the daemon sends it")
    correct.set_defaults(handler=_correct)
    labels = commands.add_parser("labels", help="the corrections as labelled lines (GUIDE.md keys)")
    actions = labels.add_subparsers(dest="labels_command", metavar="ACTION")
    actions.required = True
    export = actions.add_parser("export", help="one JSON label line per corrected notice")
    export.add_argument("--rules", type=Path, help="rules file (its settings.database is used)")
    export.add_argument("--db", type=Path, help="database file (overrides the rules file)")
    export.set_defaults(handler=_labels_export)


def _correct(args: argparse.Namespace) -> int:
    from monitor.cli.common import rules_path
    from monitor.cli.correct import correct_notice, parse_apis, parse_category, parse_environment, who_am_i
    from monitor.config.load import load_rules
    from monitor.deliver.worker import drain
    from monitor.store import open_existing, outbox

    rules = load_rules(rules_path(args))
    db = open_existing(rules.settings.database, writable=True)
    result = correct_notice(
        db, rules, args.notice,
        category=parse_category(args.category), apis=parse_apis(args.apis),
        environment=parse_environment(args.environment), reason=args.reason, who=args.who or who_am_i(),
        now=datetime.now(UTC),
    )  # fmt: skip
    print(result.summary())
    if not args.no_deliver:
        while True:  # what is due now; a channel's rate limit may leave some for the daemon
            stats = drain(db, rules, now_fn=lambda: datetime.now(UTC))
            if stats.sent + stats.retried + stats.dead == 0:
                break
        print(f"delivery: {outbox.depth(db).get('pending', 0)} waiting in the outbox")
    return OK


def _labels_export(args: argparse.Namespace) -> int:
    from monitor.cli.common import stored
    from monitor.cli.correct import export_labels

    rules, db = stored(args)
    for line in export_labels(db, rules):
        print(line)
    return OK
