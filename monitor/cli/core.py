"""run, poll --once, demo, backup: the commands that do the work."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.cli.common import (
    DELIVERY_FAILED,
    OK,
    SOURCE_FAILED,
    add_json_option,
    add_rules_option,
    print_json,
    rules_path,
)
from monitor.errors import UserError

if TYPE_CHECKING:
    from monitor.cli.common import Commands
    from monitor.pipeline import PollOnce


def add(commands: Commands) -> None:
    run = commands.add_parser("run", help="run the daemon (polls, probes, deliveries) until stopped")
    add_rules_option(run)
    run.add_argument("--log-format", choices=("text", "json"), help="override settings.log_format")
    run.add_argument("--verbose", "-v", action="store_true", help="debug logging")
    run.set_defaults(handler=_run)

    poll = commands.add_parser(
        "poll",
        help="poll every source once, deliver what is owed, and exit",
        description="Exit code: 0 all well; adds 4 when a source failed, 16 when a delivery failed "
        "or was dead-lettered (README, Exit codes).",
    )
    poll.add_argument("--once", action="store_true", help="one round (the only mode; kept for clarity)")
    add_rules_option(poll)
    poll.add_argument("--source", action="append", help="only this source (repeatable)")
    poll.add_argument("--no-deliver", action="store_true", help="record and queue, but send nothing")
    add_json_option(poll)
    poll.set_defaults(handler=_poll)

    demo = commands.add_parser("demo", help="replay real Skatteetaten notices locally, end to end")
    demo.add_argument(
        "--state-dir",
        type=Path,
        default=Path("driftsvarsel-demo"),
        help="where the demo database goes (default: ./driftsvarsel-demo)",
    )
    demo.add_argument("--steps", type=int, default=5, help="polls after the baseline (default 5)")
    demo.set_defaults(handler=_demo)

    backup = commands.add_parser("backup", help="copy the database to DEST while the daemon runs")
    backup.add_argument(
        "dest", type=Path, metavar="DEST", help="new backup file, or a directory for driftsvarsel-<time>.db"
    )
    add_rules_option(backup, db=True)
    backup.set_defaults(handler=_backup)


def _run(args: argparse.Namespace) -> int:
    from monitor.config.load import load_rules
    from monitor.service.daemon import Daemon
    from monitor.service.logsetup import configure_logging

    path = rules_path(args)
    rules = load_rules(path)
    configure_logging(args.log_format or rules.settings.log_format, "DEBUG" if args.verbose else "INFO")
    return Daemon(path, rules=rules).run()


def _poll(args: argparse.Namespace) -> int:
    from monitor.pipeline import poll_once
    from monitor.service.logsetup import configure_logging

    # Log lines go to stderr; with --json, only warnings, so stdout stays one JSON document.
    configure_logging("text", "WARNING" if args.json else "INFO")
    run = poll_once(rules_path(args), only=args.source, deliver=not args.no_deliver)
    code = poll_exit_code(run)
    if args.json:
        print_json({"exit_code": code, **poll_json(run)})
    else:
        print("\n".join(poll_lines(run)))
    return code


def poll_exit_code(run: PollOnce) -> int:
    """OK, plus SOURCE_FAILED if a source failed, plus DELIVERY_FAILED if a delivery failed or died."""
    code = OK
    if any(report.outcome == "failed" for report in run.reports):
        code |= SOURCE_FAILED
    if run.delivery is not None and (run.delivery.retried or run.delivery.dead):
        code |= DELIVERY_FAILED
    return code


def poll_lines(run: PollOnce) -> list[str]:
    lines = []
    for report in run.reports:
        detail = report.error or f"{len(report.changes)} changes, {len(report.alerts)} alerts queued"
        lines.append(f"{report.source}: {report.outcome} ({detail})")
    if run.delivery is not None:
        stats = run.delivery
        lines.append(
            f"delivery: {stats.sent} sent, {stats.retried} to retry, {stats.dead} dead, "
            f"{run.waiting} waiting in the outbox"
        )
    return lines


def poll_json(run: PollOnce) -> dict[str, object]:
    """The `poll --once --json` shape (README, JSON output), without `exit_code`."""
    stats = run.delivery
    return {
        "sources": [
            {
                "source": report.source,
                "outcome": report.outcome,
                "changes": len(report.changes),
                "alerts": len(report.alerts),
                "error": report.error,
            }
            for report in run.reports
        ],
        "delivery": None
        if stats is None
        else {"sent": stats.sent, "retried": stats.retried, "dead": stats.dead},
        "waiting": run.waiting,
    }


def _demo(args: argparse.Namespace) -> int:
    try:
        from monitor.demo.run import run_demo
    except ModuleNotFoundError as error:  # the demo's SMTP stand-in is an optional extra
        if (error.name or "").split(".")[0] != "aiosmtpd":
            raise
        raise UserError(
            "the demo needs aiosmtpd, its local SMTP receiver, which is not installed "
            "(install the demo extra: pip install 'driftsvarsel-monitor[demo]', or in a checkout: "
            "pip install '.[demo]')"
        ) from None
    return run_demo(args.state_dir, steps=args.steps, out=sys.stdout)


def _backup(args: argparse.Namespace) -> int:
    from monitor.config.load import load_rules
    from monitor.store.backup import backup

    database = args.db if args.db is not None else load_rules(rules_path(args)).settings.database
    print(f"Backed up {database} to {backup(database, args.dest)}")
    return OK
