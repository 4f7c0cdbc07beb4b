"""rules check|explain|test: validate rules.yaml and see who would get what.

Every action takes the rules file the same way: a positional FILE and/or `--rules FILE`, else
$DRIFTSVARSEL_RULES, ./rules.yaml, /etc/driftsvarsel/rules.yaml. What explain and test show is
built in `monitor.route.explain` and `monitor.route.dryrun`; `test` composes postfile → classify
→ route here, the one place that needs all three.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.cli.backtest import add_backtest
from monitor.cli.common import ERROR, OK, RULES_DEFAULT, add_json_option, print_json, rules_path
from monitor.config.load import load_rules, summarize
from monitor.config.secretcheck import locate_secret, unresolved_secrets
from monitor.errors import ConfigError

if TYPE_CHECKING:
    from monitor.cli.common import Commands


def add(commands: Commands) -> None:
    rules = commands.add_parser("rules", help="check rules.yaml and see who would get which notices")
    actions = rules.add_subparsers(dest="rules_command", metavar="ACTION")
    actions.required = True
    check = actions.add_parser("check", help="report every problem in the rules file (exit 1 if any)")
    _rules_file(check)
    check.add_argument(
        "--offline", action="store_true", help="do not resolve env:/cred: references (a file for elsewhere)"
    )
    check.set_defaults(handler=_check)
    explain = actions.add_parser("explain", help="which APIs each kommune follows, why, and its channels")
    _rules_file(explain)
    explain.add_argument("--kommune", help="kommunenummer, e.g. 0301 (default: every kommune, one table)")
    add_json_option(explain)
    explain.set_defaults(handler=_explain)
    test = actions.add_parser(
        "test",
        help="who would get this notice file, who would not and why",
        description="Exit code: 0, or 1 when --expect does not match, 2 when NOTICE is not a notice.",
    )
    test.add_argument("notice", type=Path, help="a notice file (front matter with a title + markdown)")
    _rules_file(test)
    test.add_argument(
        "--expect",
        metavar="KOMMUNE:CHANNEL,...",
        help="the receivers you expect, e.g. 0301:slack,4601:epost,admin:epost; exit 1 on a difference",
    )
    add_json_option(test)
    test.set_defaults(handler=_test)
    add_backtest(actions)


def _rules_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", type=Path, metavar="FILE", help=f"rules file ({RULES_DEFAULT})")
    parser.add_argument("--rules", type=Path, metavar="FILE", help="the same, as an option")


def check_report(
    path: Path, *, offline: bool = False, locate: Callable[[str], object] = locate_secret
) -> tuple[bool, list[str]]:
    """(ok, lines): "FILE: OK (counts)" or every problem followed by a count line.

    Unless `offline`, every env:/cred: reference must also resolve (`locate` raises SecretError).
    """
    try:
        rules = load_rules(path)
    except ConfigError as error:
        return False, [*error.problems, _count_line(path, len(error.problems))]
    if offline:
        return True, [f"{path}: OK ({summarize(rules)}; secrets not checked: --offline)"]
    missing = [problem.located(path) for problem in unresolved_secrets(rules, locate)]
    if missing:
        return False, [*missing, _count_line(path, len(missing))]
    return True, [f"{path}: OK ({summarize(rules)}; every secret reference resolves)"]


def _count_line(path: Path, count: int) -> str:
    return f"{path}: {count} problem{'s' if count != 1 else ''}"


def _check(args: argparse.Namespace) -> int:
    ok, lines = check_report(rules_path(args), offline=args.offline)
    print("\n".join(lines))
    return OK if ok else ERROR


def _explain(args: argparse.Namespace) -> int:
    from monitor.route.explain import explain_json, explain_lines, explain_table, find_kommune

    rules = load_rules(rules_path(args))
    kommuner = [find_kommune(rules, args.kommune)] if args.kommune else list(rules.kommuner)
    if args.json:
        print_json(explain_json(rules, kommuner))
    elif args.kommune:
        print("\n".join(explain_lines(kommuner[0])))
    else:
        print("\n".join(explain_table(rules)))
    return OK


def _test(args: argparse.Namespace) -> int:
    from monitor.catalogue.components import component_lookup
    from monitor.classify import classify, load_vocabulary
    from monitor.route.dryrun import dry_run, dry_run_json, dry_run_lines, parse_expect
    from monitor.sources.postfile import read_post

    expected = parse_expect(args.expect) if args.expect is not None else None
    notice = read_post(args.notice, require_front_matter=True)
    rules = load_rules(rules_path(args))
    lookup = component_lookup(rules.components)
    classification = classify(notice, load_vocabulary(rules.vocabulary or None), lookup)
    run = dry_run(args.notice.name, notice, classification, rules, expected)
    if args.json:
        print_json(dry_run_json(run))
    else:
        print("\n".join(dry_run_lines(run)))
    return ERROR if run.expectation is not None and not run.expectation.ok else OK
