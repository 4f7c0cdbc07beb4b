"""silence add|list|expire: hold alerts back for a while, like `amtool silence` (monitor.deliver.silence)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.cli.common import OK, add_json_option, add_rules_option, print_json, rules_path
from monitor.localtime import local_time

if TYPE_CHECKING:
    import sqlite_utils

    from monitor.cli.common import Commands
    from monitor.config.types import Rules


def add(commands: Commands) -> None:
    silence = commands.add_parser(
        "silence", help="hold alerts back for a kommune, API or channel for a while"
    )
    actions = silence.add_subparsers(dest="silence_action", metavar="ACTION")
    actions.required = True
    new = actions.add_parser(
        "add",
        help="silence what matches until a time; matching alerts are recorded as silenced, not sent",
        description="Matchers combine (all must hold); at least one is required. --api holds only "
        "notices about that API alone.",
    )
    new.add_argument("--kommune", metavar="NR", help="kommunenummer, e.g. 0301 ('admin': the admin route)")
    new.add_argument("--api", help="API id, e.g. inntekt")
    new.add_argument("--channel", metavar="NAME", help="channel name from rules.yaml")
    new.add_argument("--until", required=True, metavar="TIME", help="2h, 3d, 30m, 1w or 2026-12-24T08:00")
    new.add_argument("--reason", required=True, metavar="TEXT", help="why (kept, shown in reports)")
    new.add_argument("--author", metavar="NAME", help="who asks for it (default: the user running this)")
    add_rules_option(new, db=True)
    new.set_defaults(handler=_add)
    listing = actions.add_parser("list", help="every silence: matchers, end, how many alerts it held")
    add_rules_option(listing, db=True)
    add_json_option(listing)
    listing.set_defaults(handler=_list)
    expire = actions.add_parser("expire", help="end a silence now (held alerts stay unsent unless --replay)")
    expire.add_argument("id", type=int, help="silence id (see `driftsvarsel silence list`)")
    expire.add_argument("--replay", action="store_true", help="re-queue the alerts it held, to be sent now")
    add_rules_option(expire, db=True)
    expire.set_defaults(handler=_expire)


def _open(args: argparse.Namespace, *, need_rules: bool) -> tuple[Rules | None, sqlite_utils.Database]:
    from monitor.config.load import load_rules
    from monitor.store import open_existing

    rules = load_rules(rules_path(args)) if need_rules or args.db is None else None
    database: Path = args.db if args.db is not None or rules is None else rules.settings.database
    return rules, open_existing(database, writable=True)


def _add(args: argparse.Namespace) -> int:
    from monitor.deliver.silence import Matchers, add_silence, parse_until

    now = datetime.now(UTC)
    until = parse_until(args.until, now)
    rules, db = _open(args, need_rules=True)
    assert rules is not None
    matchers = Matchers(kommune=args.kommune, api=args.api, channel=args.channel)
    silence = add_silence(
        db, rules, matchers, until=until, reason=args.reason, now=now, created_by=args.author
    )
    print(f"silence {silence.id} added: {silence.matchers()} until {local_time(silence.until)}")
    return OK


def _list(args: argparse.Namespace) -> int:
    from monitor.config.load import load_rules
    from monitor.deliver.silence import list_json, list_lines
    from monitor.store import open_existing

    database = args.db if args.db is not None else load_rules(rules_path(args)).settings.database
    db = open_existing(database)
    now = datetime.now(UTC)
    if args.json:
        print_json(list_json(db, now))
    else:
        print("\n".join(list_lines(db, now)))
    return OK


def _expire(args: argparse.Namespace) -> int:
    from monitor.deliver.silence import expire_silence

    _, db = _open(args, need_rules=False)
    ended, replayed = expire_silence(db, args.id, replay=args.replay, now=datetime.now(UTC))
    print(f"silence {args.id} {'expired' if ended else 'had already ended'}", end="")
    print(f"; {replayed} held alert(s) re-queued" if args.replay else "; held alerts stay unsent")
    return OK
