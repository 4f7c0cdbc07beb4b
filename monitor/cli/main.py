"""The `driftsvarsel` command: thin shells around library functions.

Each command group lives in its own `_add_<group>` function below; a command parses its
arguments, calls one library function, prints, and returns an exit code. Library errors
(`monitor.errors.UserError`) become `Error: ...` and exit 1 here and nowhere else.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from monitor import __version__
from monitor.cli import correct_args
from monitor.errors import UserError

if TYPE_CHECKING:
    import sqlite_utils

    from monitor.config.types import Rules

Command = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="driftsvarsel",
        description=(
            "Watches Skatteetaten's driftsvarsler and alerts the kommuner that use the affected APIs."
        ),
    )
    parser.add_argument("--version", action="version", version=f"driftsvarsel {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for add in (_add_core, _add_history, _add_outbox, _add_rules, _add_probes, _add_service, _add_classify):
        add(commands)
    correct_args.add_commands(commands)
    return parser


def _add_core(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """run, poll, demo."""
    run = commands.add_parser("run", help="run the daemon (polls, probes, deliveries) until stopped")
    run.add_argument(
        "--rules",
        type=Path,
        help="rules file (default: $DRIFTSVARSEL_RULES, ./rules.yaml, /etc/driftsvarsel/rules.yaml)",
    )
    run.add_argument("--log-format", choices=("text", "json"), help="override settings.log_format")
    run.add_argument("--verbose", "-v", action="store_true", help="debug logging")
    run.set_defaults(handler=_run)

    poll = commands.add_parser("poll", help="poll every source once, deliver what is owed, and exit")
    poll.add_argument("--once", action="store_true", help="one round (the only mode; kept for clarity)")
    poll.add_argument("--rules", type=Path, help="rules file")
    poll.add_argument("--source", action="append", help="only this source (repeatable)")
    poll.add_argument("--no-deliver", action="store_true", help="record and queue, but send nothing")
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


def _stored(args: argparse.Namespace) -> tuple[Rules | None, sqlite_utils.Database]:
    """For commands that read history: the rules (unless only --db was given) and the database.

    Raises UserError when the database does not exist yet (these commands never create one).
    """
    from monitor.config.load import load_rules
    from monitor.store import open_existing

    if args.db is not None and not args.rules:
        return None, open_existing(args.db)
    rules = load_rules(_rules_path(args))
    return rules, open_existing(args.db if args.db is not None else rules.settings.database)


def _rules_path(args: argparse.Namespace) -> Path:
    from monitor.config.load import default_rules_path

    return Path(args.rules) if getattr(args, "rules", None) else default_rules_path()


def _run(args: argparse.Namespace) -> int:
    from monitor.config.load import load_rules
    from monitor.service.daemon import Daemon
    from monitor.service.logsetup import configure_logging

    path = _rules_path(args)
    rules = load_rules(path)
    configure_logging(args.log_format or rules.settings.log_format, "DEBUG" if args.verbose else "INFO")
    return Daemon(path, rules=rules).run()


def _poll(args: argparse.Namespace) -> int:
    from monitor.pipeline import poll_once
    from monitor.service.logsetup import configure_logging

    configure_logging("text", "INFO")
    summary = poll_once(_rules_path(args), only=args.source, deliver=not args.no_deliver)
    print(summary)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from monitor.demo.run import run_demo

    return run_demo(args.state_dir, steps=args.steps, out=sys.stdout)


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


def _add_history(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """history: the stored versions and diffs of a doc page, an API's docs/spec, or one notice."""
    parser = commands.add_parser(
        "history",
        help="show every stored version of a doc page / API / notice, with the diffs",
        description="PAGE is a documentation URL (all its sections), an API id (its docpage and openapi "
        "sources, needs the rules) or a source name; NOTICE is a notice key '<source>:<id>', id or URL.",
    )
    parser.add_argument("target", metavar="PAGE|NOTICE", help="doc URL, API id, source name or notice key/id")
    parser.add_argument("--rules", type=Path, help="rules file (for --db and API ids; default as for run)")
    parser.add_argument("--db", type=Path, help="database file (default: settings.database of the rules)")
    parser.set_defaults(handler=_history)


def _history(args: argparse.Namespace) -> int:
    from monitor.docs.check import history_report

    rules, db = _stored(args)
    print(history_report(db, args.target, rules))
    return 0


def _add_outbox(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """outbox [--state ...], outbox retry ID|--all: inspect and re-queue deliveries."""
    box = commands.add_parser("outbox", help="list queued, delivered and dead-lettered messages")
    box.add_argument("--rules", type=Path, help="rules file (its settings.database is used)")
    box.add_argument("--db", type=Path, help="database file (overrides the rules file)")
    box.add_argument("--state", choices=("pending", "dead", "done", "all"), help="default: pending and dead")
    box.set_defaults(handler=_outbox_list)
    actions = box.add_subparsers(dest="outbox_action", metavar="ACTION")
    retry = actions.add_parser("retry", help="re-queue a dead or failing item now (ID, or --all)")
    retry.add_argument("id", type=int, nargs="?", help="outbox id (see `driftsvarsel outbox`)")
    retry.add_argument("--all", action="store_true", help="every dead item and every failing pending one")
    retry.add_argument("--rules", type=Path, default=argparse.SUPPRESS, help="rules file")
    retry.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="database file")
    retry.set_defaults(handler=_outbox_retry)


def _outbox_list(args: argparse.Namespace) -> int:
    from monitor.deliver.worker import list_report, open_outbox_db

    print(list_report(open_outbox_db(args.db, _rules_path(args)), args.state))
    return 0


def _outbox_retry(args: argparse.Namespace) -> int:
    from monitor.deliver.worker import open_outbox_db, retry

    if (args.id is None) == (not args.all):
        raise UserError("give an outbox id or --all (not both); `driftsvarsel outbox` lists the ids")
    count = retry(open_outbox_db(args.db, _rules_path(args), writable=True), None if args.all else args.id)
    print(f"{count} item(s) re-queued; the daemon sends them at its next delivery round")
    return 0


def _add_rules(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """rules check|explain|test: validate rules.yaml and see who would get what."""
    rules = commands.add_parser("rules", help="check rules.yaml and see who would get which notices")
    actions = rules.add_subparsers(dest="rules_command", metavar="ACTION")
    actions.required = True
    default = "default: $DRIFTSVARSEL_RULES, ./rules.yaml, /etc/driftsvarsel/rules.yaml"
    check = actions.add_parser("check", help="report every problem in the rules file (exit 1 if any)")
    check.add_argument("file", nargs="?", type=Path, help=f"rules file ({default})")
    check.set_defaults(handler=_rules_check)
    explain = actions.add_parser("explain", help="which APIs a kommune follows, why, and its channels")
    explain.add_argument("file", nargs="?", type=Path, help=f"rules file ({default})")
    explain.add_argument("--kommune", required=True, help="kommunenummer, e.g. 0301")
    explain.set_defaults(handler=_rules_explain)
    test = actions.add_parser("test", help="which kommuner and channels would get this notice file")
    test.add_argument("notice", type=Path, help="a post file (front matter + markdown), e.g. from the corpus")
    test.add_argument("--rules", type=Path, help=f"rules file ({default})")
    test.set_defaults(handler=_rules_test)


def _rules_check(args: argparse.Namespace) -> int:
    from monitor.cli.rules import check_report
    from monitor.config.load import default_rules_path

    ok, lines = check_report(args.file or default_rules_path())
    print("\n".join(lines))
    return 0 if ok else 1


def _rules_explain(args: argparse.Namespace) -> int:
    from monitor.cli.rules import explain_kommune
    from monitor.config.load import default_rules_path, load_rules

    print("\n".join(explain_kommune(load_rules(args.file or default_rules_path()), args.kommune)))
    return 0


def _rules_test(args: argparse.Namespace) -> int:
    from monitor.cli.rules import dry_run_post
    from monitor.config.load import load_rules

    print("\n".join(dry_run_post(load_rules(_rules_path(args)), args.notice)))
    return 0


def _add_probes(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """status, probe --once: the health probes of the APIs kommuner use."""
    status = commands.add_parser("status", help="each probed API: state, last change, uptime 24 h / 7 d")
    status.add_argument("--rules", type=Path, help="rules file (its settings.database is used)")
    status.add_argument("--db", type=Path, help="database file (overrides the rules file)")
    status.set_defaults(handler=_status)
    probe = commands.add_parser("probe", help="run one round of health probes, record it and print it")
    probe.add_argument("--once", action="store_true", help="one round (the only mode; kept for clarity)")
    probe.add_argument("--rules", type=Path, help="rules file")
    probe.add_argument("--db", type=Path, help="database file (overrides the rules file)")
    probe.set_defaults(handler=_probe)


def _status(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from monitor.probes.status import status_report

    rules, db = _stored(args)
    print(status_report(db, rules, datetime.now(UTC)))
    return 0


def _probe(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from monitor.config.load import load_rules
    from monitor.probes.round import probe_once_report
    from monitor.store import open_db

    rules = load_rules(_rules_path(args))
    db = open_db(args.db if args.db is not None else rules.settings.database)
    print(probe_once_report(db, rules, datetime.now(UTC)))
    return 0


def _add_service(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """backup DEST: a consistent copy of the live database."""
    backup = commands.add_parser("backup", help="copy the database to DEST while the daemon runs")
    backup.add_argument(
        "dest", type=Path, metavar="DEST", help="new backup file, or a directory for driftsvarsel-<time>.db"
    )
    backup.add_argument("--rules", type=Path, metavar="FILE", help="rules file (uses its settings.database)")
    backup.add_argument("--db", type=Path, metavar="PATH", help="database file (overrides the rules file)")
    backup.set_defaults(handler=_backup)


def _backup(args: argparse.Namespace) -> int:
    from monitor.config.load import load_rules
    from monitor.store.backup import backup

    database = args.db if args.db is not None else load_rules(_rules_path(args)).settings.database
    print(f"Backed up {database} to {backup(database, args.dest)}")
    return 0


def _add_classify(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """classify FILE..., eval LABELS [FILE...]: the notice classifier on post files."""
    classify = commands.add_parser(
        "classify", help="classify post files: one JSON label (GUIDE.md keys) per line"
    )
    classify.add_argument("files", type=Path, nargs="+", metavar="FILE", help="post file (.md, front matter)")
    classify.add_argument("--explain", action="store_true", help="add a 'reasons' list to each line")
    classify.set_defaults(handler=_classify)
    evaluate = commands.add_parser("eval", help="measure the classifier against labelled posts")
    evaluate.add_argument("labels", type=Path, metavar="LABELS.jsonl", help="labels (GUIDE.md format)")
    evaluate.add_argument(
        "files",
        type=Path,
        nargs="*",
        default=[],
        metavar="FILE",
        help="posts (default: <labels>/../corpus/posts/)",
    )
    evaluate.add_argument(
        "--rules", type=Path, help="rules for recipient recall/precision (default as for run, when present)"
    )
    evaluate.add_argument("--first-sight-log", type=Path, metavar="FILE", help="append this batch's row")
    evaluate.add_argument("--batch", metavar="NAME", help="batch name for --first-sight-log")
    evaluate.set_defaults(handler=_eval)


def _classify(args: argparse.Namespace) -> int:
    import json

    from monitor.catalogue.components import component_apis
    from monitor.classify import classify
    from monitor.sources.postfile import read_post

    failed = False
    for path in args.files:
        try:
            notice = read_post(path)
        except UserError as error:
            print(f"Error: {error}", file=sys.stderr)
            failed = True
            continue
        result = classify(notice, components=component_apis)
        line = result.as_label(path.name)
        if args.explain:
            line["reasons"] = list(result.reasons)
            line["unsure"] = sorted(result.unsure)
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return 1 if failed else 0


def _eval(args: argparse.Namespace) -> int:
    from monitor.cli.evaluate import evaluate, format_report

    report = evaluate(args.labels, args.files or None)
    print(format_report(report))
    from monitor.cli.reach import reach_report

    print("\n".join(reach_report(report.routed, args.rules)))
    if args.first_sight_log is not None:
        from monitor.cli.firstsight import log_first_sight

        print(log_first_sight(report, args.first_sight_log, args.batch))
    return 0
