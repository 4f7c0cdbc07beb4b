"""report compliance: per kommune its APIs, whether it receives all the agreement obliges it to
follow, and the ledger of every notice for its APIs (monitor.report)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from monitor.cli.common import OK, add_rules_option, print_json, rules_path
from monitor.errors import UserError
from monitor.localtime import OSLO

if TYPE_CHECKING:
    from monitor.cli.common import Commands

FORMATS = ("table", "csv", "json", "html")


def add(commands: Commands) -> None:
    report = commands.add_parser("report", help="reports for admins and audits")
    actions = report.add_subparsers(dest="report_kind", metavar="REPORT")
    actions.required = True
    compliance = actions.add_parser(
        "compliance",
        help="per kommune: its APIs and why, gaps against the agreement, and every notice's fate",
        description="A filter that keeps a kommune from getting API changes, errors, downtime or test "
        "notices on every channel is a gap. The ledger lists each notice version for the kommune's APIs: "
        "when and where it was delivered, or why not (silenced, dead, filtered, pending, not sent).",
    )
    compliance.add_argument("--kommune", metavar="NR", help="one kommune (default: every kommune)")
    compliance.add_argument("--since", metavar="DATE", help="from this date (Europe/Oslo; default: all)")
    compliance.add_argument("--format", choices=FORMATS, default="table", help="default: table")
    add_rules_option(compliance, db=True)
    compliance.set_defaults(handler=_compliance)


def parse_since(text: str | None) -> datetime | None:
    """--since "2026-11-01" (Oslo midnight) or an ISO time; None stays None. Raises UserError."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"--since {text!r} is not a date: give YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    return moment.replace(tzinfo=OSLO) if moment.tzinfo is None else moment


def _compliance(args: argparse.Namespace) -> int:
    from monitor.config.load import load_rules
    from monitor.report.compliance import build_report
    from monitor.report.html import report_html
    from monitor.report.output import report_csv, report_json, report_lines
    from monitor.route.explain import find_kommune
    from monitor.store import open_existing

    since = parse_since(args.since)
    rules = load_rules(rules_path(args))
    kommuner = [find_kommune(rules, args.kommune)] if args.kommune else list(rules.kommuner)
    db = open_existing(args.db if args.db is not None else rules.settings.database)
    report = build_report(db, rules, kommuner=kommuner, since=since, now=datetime.now(UTC))
    if args.format == "json":
        print_json(report_json(report))
    elif args.format == "csv":
        print(report_csv(report), end="")
    elif args.format == "html":
        print(report_html(report), end="")
    else:
        print("\n".join(report_lines(report)))
    return OK
