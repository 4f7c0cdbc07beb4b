"""P4: database growth: bytes per unchanged poll, and the size after a year of 1-minute polling.

python3 bench/p4_growth.py [--polls 5000] [--targets 8] [--days 40]

Part 1 (measured, real network on loopback): a child runs the daemon's poll job `--polls` times
on the real atom.xml (304 answers) and on the status page (same 200 body), and reports the
database's growth per poll (after a WAL checkpoint, so the main file holds everything).
Part 2 (simulated clock, real store code): one probe result a minute for `--targets` probe
targets (the APIs kommuner use, prod and test) for `--days` days, with the daemon's housekeeping
(`store.housekeeping.tidy`, keep_days 30) run every 6 hours; past keep_days the size is flat, so
that is the size of a year of probes. A year = part 2 + 4 sources × 525,600 polls × part 1's bytes
per poll. Last line: `P4 year_mb=... per_poll_bytes=...` (target: ≤ 20 MB a year).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchkit import REPO, machine, quiet_logging, run_child

sys.path.insert(0, str(REPO))

from p3_rss import FEED, RULES  # noqa: E402

SOURCES = 4
POLLS_PER_YEAR = 365 * 24 * 60
KEEP_DAYS = 30
START = datetime(2026, 1, 1, tzinfo=UTC)


def size(db: object) -> int:
    connection = db.conn  # type: ignore[attr-defined]
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    free = connection.execute("PRAGMA freelist_count").fetchone()[0]
    return int((pages - free) * connection.execute("PRAGMA page_size").fetchone()[0])


def polls_child(rules: str, polls: int) -> None:
    quiet_logging()
    from monitor.service.daemon import Daemon

    daemon = Daemon(Path(rules))
    names = [source.name for source in daemon.rules.sources]
    for name in names * 3:  # baselines, then the first repeat of each
        daemon.poll(name)
    before = size(daemon.db())
    for number in range(polls):
        daemon.poll(names[number % len(names)])
    after = size(daemon.db())
    lines = daemon.db().execute("SELECT count(*), sum(repeats) FROM fetch_log").fetchone()
    print(json.dumps({"per_poll": (after - before) / polls, "lines": lines[0], "polls": lines[1]}))


def probes_child(folder: str, targets: int, days: int) -> None:
    from monitor.model import ProbeResult
    from monitor.store import open_db, write_transaction
    from monitor.store import probes as probe_store
    from monitor.store.housekeeping import tidy

    db = open_db(Path(folder) / "probes.db")
    apis = [f"api{number}" for number in range(targets)]
    for hour in range(days * 24):
        with write_transaction(db):
            for minute in range(60):
                at = START + timedelta(hours=hour, minutes=minute)
                for api in apis:
                    state = "down" if (hour % 97 == 0 and minute < 5) else "up"
                    result = ProbeResult(
                        api, "prod", f"https://{api}.api.skatteetaten.no/v1", state, at,  # type: ignore[arg-type]
                        41.5, 401, "HTTP 401 IM-004 (the API answers)",
                    )  # fmt: skip
                    probe_store.record_result(db, result)
        if hour % 6 == 5:
            tidy(db, START + timedelta(hours=hour + 1), KEEP_DAYS)
    rows = db.execute("SELECT count(*) FROM probe_results").fetchone()[0]
    print(json.dumps({"bytes": size(db), "rows": rows}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=5000, help="unchanged polls measured (default 5000)")
    parser.add_argument("--targets", type=int, default=8, help="probe targets (default 8)")
    parser.add_argument("--days", type=int, default=40, help="simulated days of probes (default 40)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child[0] == "polls":
            polls_child(args.child[1], int(args.child[2]))
        else:
            probes_child(args.child[1], int(args.child[2]), int(args.child[3]))
        return 0
    from monitor.demo.localserver import LocalServer, Response, Route
    from monitor.demo.replay import build_statuspage

    status_body = build_statuspage(10)
    with LocalServer() as server, tempfile.TemporaryDirectory(prefix="p4-") as temp:
        server.route("/atom.xml", Route(FEED.read_bytes(), "application/atom+xml; charset=utf-8"))
        server.route("/incidents.json", lambda request: Response(200, status_body, "application/json"))
        rules = Path(temp) / "rules.yaml"
        text = RULES.format(state=temp, feed=server.url("/atom.xml"), status=server.url("/incidents.json"))
        rules.write_text(text, encoding="utf-8")
        polls = run_child(Path(__file__), ["polls", str(rules), str(args.polls), "-"])
        probes = run_child(Path(__file__), ["probes", temp, str(args.targets), str(args.days)])
    per_poll = max(polls["per_poll"], 0.0)
    year = probes["bytes"] + SOURCES * POLLS_PER_YEAR * per_poll
    print(
        f"unchanged polls: {polls['polls']} polls in {polls['lines']} fetch-log lines, "
        f"{polls['per_poll']:.2f} bytes per poll"
    )
    print(
        f"probes: {args.targets} targets × 1/min, {args.days} days, keep_days {KEEP_DAYS}: "
        f"{probes['rows']} lines, {probes['bytes'] / 1e6:.2f} MB (flat after keep_days)"
    )
    print(f"machine: {machine()}")
    print(
        f"P4 year_mb={year / 1e6:.1f} per_poll_bytes={per_poll:.2f} probes_mb={probes['bytes'] / 1e6:.2f} "
        f"sources={SOURCES} target<=20MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
