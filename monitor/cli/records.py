"""history, outbox [retry]: what the database holds about notices and deliveries."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.cli.common import OK, add_json_option, add_rules_option, print_json, rules_path, stored
from monitor.errors import UserError

if TYPE_CHECKING:
    from monitor.cli.common import Commands


def add(commands: Commands) -> None:
    history = commands.add_parser(
        "history",
        help="show every stored version of a doc page / API / notice, with the diffs",
        description="PAGE is a documentation URL (all its sections), an API id (its docpage and openapi "
        "sources, needs the rules) or a source name; NOTICE is a notice key '<source>:<id>', id or URL.",
    )
    history.add_argument(
        "target", metavar="PAGE|NOTICE", help="doc URL, API id, source name or notice key/id"
    )
    add_rules_option(history, db=True)
    add_json_option(history)
    history.set_defaults(handler=_history)

    box = commands.add_parser("outbox", help="list queued, delivered and dead-lettered messages")
    add_rules_option(box, db=True)
    box.add_argument(
        "--state", choices=("pending", "dead", "done", "silenced", "all"), help="default: pending and dead"
    )
    add_json_option(box)
    box.set_defaults(handler=_outbox_list)
    actions = box.add_subparsers(dest="outbox_action", metavar="ACTION")
    retry = actions.add_parser("retry", help="re-queue a dead or failing item now (ID, or --all)")
    retry.add_argument("id", type=int, nargs="?", help="outbox id (see `driftsvarsel outbox`)")
    retry.add_argument("--all", action="store_true", help="every dead item and every failing pending one")
    retry.add_argument("--rules", type=Path, default=argparse.SUPPRESS, help="rules file")
    retry.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="database file")
    retry.set_defaults(handler=_outbox_retry)


def _history(args: argparse.Namespace) -> int:
    from monitor.docs.check import history_json, history_report

    rules, db = stored(args)
    if args.json:
        print_json(history_json(db, args.target, rules))
    else:
        print(history_report(db, args.target, rules))
    return OK


def _outbox_list(args: argparse.Namespace) -> int:
    from monitor.deliver.listing import list_report, open_outbox_db, outbox_json

    db = open_outbox_db(args.db, rules_path(args))
    if args.json:
        print_json(outbox_json(db, args.state))
    else:
        print(list_report(db, args.state))
    return OK


def _outbox_retry(args: argparse.Namespace) -> int:
    from monitor.deliver.listing import open_outbox_db, retry

    if (args.id is None) == (not args.all):
        raise UserError("give an outbox id or --all (not both); `driftsvarsel outbox` lists the ids")
    count = retry(open_outbox_db(args.db, rules_path(args), writable=True), None if args.all else args.id)
    print(f"{count} item(s) re-queued; the daemon sends them at its next delivery round")
    return OK
