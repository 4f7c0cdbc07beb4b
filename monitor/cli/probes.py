"""status, probe --once [--dry-run]: the health probes of the APIs kommuner use."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from monitor.cli.common import API_DOWN, OK, add_json_option, add_rules_option, print_json, rules_path, stored

if TYPE_CHECKING:
    from monitor.cli.common import Commands


def add(commands: Commands) -> None:
    status = commands.add_parser(
        "status", help="each probed API: state, since, last checked (stale marked), uptime 24 h / 7 d"
    )
    add_rules_option(status, db=True)
    add_json_option(status)
    status.set_defaults(handler=_status)
    probe = commands.add_parser(
        "probe",
        help="run one round of health probes, record it and print it",
        description="Exit code: 0 every API up, 8 a probe found an API down or misconfigured "
        "(README, Exit codes).",
    )
    probe.add_argument("--once", action="store_true", help="one round (the only mode; kept for clarity)")
    probe.add_argument(
        "--dry-run", action="store_true", help="probe and print only: record nothing, queue no alerts"
    )
    add_rules_option(probe, db=True)
    add_json_option(probe)
    probe.set_defaults(handler=_probe)


def _status(args: argparse.Namespace) -> int:
    from monitor.pipeline import utcnow
    from monitor.probes.status import status_json, status_report

    rules, db = stored(args)
    if args.json:
        print_json(status_json(db, rules, utcnow()))
    else:
        print(status_report(db, rules, utcnow()))
    return OK


def _probe(args: argparse.Namespace) -> int:
    from monitor.config.load import load_rules
    from monitor.pipeline import utcnow
    from monitor.probes.once import probe_once, probe_once_json, probe_once_text
    from monitor.store import open_db

    rules = load_rules(rules_path(args))
    db = None if args.dry_run else open_db(args.db if args.db is not None else rules.settings.database)
    run = probe_once(db, rules, utcnow(), dry_run=args.dry_run)
    code = API_DOWN if run.api_down else OK
    if args.json:
        print_json({"exit_code": code, **probe_once_json(run)})
    else:
        print(probe_once_text(run))
    return code
