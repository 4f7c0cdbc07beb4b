"""notify test --kommune NR [--channel NAME] | --admin: send a marked test message through real channels."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from monitor.cli.common import ERROR, OK, add_json_option, add_rules_option, print_json, rules_path

if TYPE_CHECKING:
    from monitor.cli.common import Commands


def add(commands: Commands) -> None:
    notify = commands.add_parser(
        "notify", help="send a test message through a kommune's or the admin channels"
    )
    actions = notify.add_subparsers(dest="notify_command", metavar="ACTION")
    actions.required = True
    test = actions.add_parser(
        "test",
        help="send a '[Test]' message now and show each receiver's answer (exit 1 if any failed)",
    )
    test.add_argument("--kommune", metavar="NR", help="kommunenummer, e.g. 0301")
    test.add_argument("--admin", action="store_true", help="the admin route's channels")
    test.add_argument("--channel", metavar="NAME", help="only this channel (default: all of them)")
    add_rules_option(test)
    add_json_option(test)
    test.set_defaults(handler=_test)


def _test(args: argparse.Namespace) -> int:
    from monitor.config.load import load_rules
    from monitor.deliver.trial import send_trials, trial_targets
    from monitor.pipeline import utcnow

    rules = load_rules(rules_path(args))
    targets = trial_targets(rules, kommune=args.kommune, channel=args.channel, admin=args.admin)
    answers = send_trials(rules, targets, utcnow())
    code = OK if all(result.ok for _, result in answers) else ERROR
    if args.json:
        print_json(
            {
                "exit_code": code,
                "results": [
                    {
                        "kommune": target.kommune,
                        "channel": target.channel.name,
                        "kind": target.channel.kind,
                        "ok": result.ok,
                        "status": result.status,
                        "detail": result.detail,
                    }
                    for target, result in answers
                ],
            }
        )
        return code
    for target, result in answers:
        answer = "accepted" if result.ok else "FAILED"
        status = f"HTTP/SMTP {result.status}" if result.status is not None else "no answer"
        print(
            f"{target.kommune} {target.name} / {target.channel.name} ({target.channel.kind}): "
            f"{answer}, {status}: {result.detail}"
        )
    return code
