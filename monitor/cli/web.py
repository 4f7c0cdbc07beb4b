"""`driftsvarsel web`: serve the status page from a database without running the daemon
(e.g. on the demo's database, or on a copy made with `driftsvarsel backup`)."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

DEFAULT_LISTEN = "127.0.0.1:8080"


def add_web(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    web = commands.add_parser(
        "web", help="serve the read-only status page (HTML and /status.json) until Ctrl-C"
    )
    web.add_argument("--rules", type=Path, help="rules file (default as for run)")
    web.add_argument("--db", type=Path, help="database file (default: settings.database of the rules)")
    web.add_argument(
        "--listen", help=f"host:port (default: settings.web_listen, else {DEFAULT_LISTEN}; port 0 picks one)"
    )
    web.set_defaults(handler=_web)


def _web(args: argparse.Namespace) -> int:
    from monitor.cli.common import rules_path
    from monitor.config.load import load_rules
    from monitor.pipeline import utcnow
    from monitor.store import open_existing
    from monitor.web import serve
    from monitor.web.view import read_overview

    rules = load_rules(rules_path(args))
    database = args.db if args.db is not None else rules.settings.database
    open_existing(database).conn.close()  # a clear error now, not a 500 per request
    server = serve(args.listen or rules.settings.web_listen or DEFAULT_LISTEN,
                   lambda: read_overview(database, rules, utcnow()))  # fmt: skip
    print(f"status page at {server.url}/ (JSON at {server.url}/status.json); Ctrl-C stops", flush=True)
    try:
        threading.Event().wait()
    finally:
        server.stop()
    return 0
