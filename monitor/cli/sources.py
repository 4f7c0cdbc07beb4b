"""`driftsvarsel sources discover URL` and `driftsvarsel sources check`: thin shells."""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from monitor.errors import UserError

#: Discovery reads small pages and JSON answers; a status page that needs more is not one.
DISCOVER_TIMEOUT_SECONDS = 15.0
DISCOVER_MAX_BYTES = 2_000_000


def add_sources(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """sources discover URL | sources check."""
    sources = commands.add_parser("sources", help="find a status page's format; check the configured sources")
    actions = sources.add_subparsers(dest="sources_command", metavar="ACTION")
    actions.required = True
    discover = actions.add_parser(
        "discover",
        help="find which status-page product serves URL and print the rules.yaml source block",
        description="Reads the page's <link rel=alternate> feeds and generator hints, tries the known "
        "endpoints of Atlassian Statuspage, Better Stack, Instatus, Cachet and plain RSS/Atom, validates "
        "every answer's shape (a 200 alone proves nothing), and prints the evidence. Exits 1 when the "
        "page is ambiguous or nothing valid was found.",
    )
    discover.add_argument("url", help="the status page, e.g. https://status.skatteetaten.no/")
    discover.set_defaults(handler=_discover)
    check = actions.add_parser(
        "check", help="fetch every configured source once and report format, entries, newest, caching"
    )
    check.add_argument("--rules", type=Path, help="rules file (default as for run)")
    check.set_defaults(handler=_check)


def _discover(args: argparse.Namespace) -> int:
    import httpx

    from monitor.fetch import MAX_REDIRECTS, fetch
    from monitor.sources.discover import discover, render

    parts = urlsplit(args.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"{args.url!r} is not a web address (write e.g. https://status.skatteetaten.no/)")
    # One client for the dozen requests, one after the other: one connection, not a dozen.
    with httpx.Client(max_redirects=MAX_REDIRECTS) as client:
        get = partial(fetch, timeout=DISCOVER_TIMEOUT_SECONDS, max_bytes=DISCOVER_MAX_BYTES, client=client)
        found = discover(args.url, get)
    print(render(found))
    return 1 if found.problem else 0


def _check(args: argparse.Namespace) -> int:
    from monitor.cli.common import rules_path
    from monitor.config.load import load_rules
    from monitor.pipeline import utcnow
    from monitor.service.sourcecheck import check_sources, render_checks

    rules = load_rules(rules_path(args))
    checks = check_sources(rules, utcnow())
    print(render_checks(checks))
    return 1 if any(check.problems for check in checks) else 0
