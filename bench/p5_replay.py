"""P5: the whole real history replayed for 357 kommuner × 3 channels: time, peak RSS, database size.

python3 bench/p5_replay.py [--kommuner 357]

This process serves the real Atom feed and the status page the demo replays, each GET showing one
more entry (or status update) than the last. A child runs the pipeline (`poll_source`, as the
daemon's poll job) once per step, for the feed and then the status page, from the quiet baseline
to the full history: every alerting notice is routed, rendered and queued in the outbox for
every kommune (3 channels each). Delivery is not part of it (P2 measures a fan-out). Last line:
`P5 seconds=... rss_mb=... db_mb=...` (target: ≤ 10 s and ≤ 150 MB RSS).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchkit import REPO, machine, quiet_logging, run_child

sys.path.insert(0, str(REPO))

from crash import KOMMUNE, load_kommuner  # noqa: E402

HEAD = """\
settings:
  state_dir: {state}
  smtp: {{host: 127.0.0.1, port: 2525, security: none, sender: driftsvarsel@bench.localhost}}
sources:
  - {{name: nyheter-atom, kind: atom, url: "{feed}", interval_seconds: 60}}
  - {{name: status-incidents, kind: statuspage_api, url: "{status}", interval_seconds: 60}}
probes:
  enabled: false
admin:
  - {{name: epost, kind: email, to: [admin@bench.localhost]}}
kommuner:
"""
START = datetime(2024, 1, 1, tzinfo=UTC)


def child(rules_path: str, feed_steps: int, status_steps: int) -> None:
    quiet_logging()
    from monitor.classify import load_vocabulary
    from monitor.config.load import load_rules
    from monitor.pipeline import poll_source
    from monitor.store import open_db, outbox

    rules = load_rules(Path(rules_path))
    db = open_db(rules.settings.database)
    vocabulary = load_vocabulary(rules.vocabulary)
    feed, status = rules.sources
    started, cpu, minute = time.perf_counter(), time.process_time(), 0
    for source, steps in ((feed, feed_steps), (status, status_steps)):
        for _ in range(steps + 1):
            minute += 1
            poll_source(db, rules, source, now=START + timedelta(minutes=minute), vocabulary=vocabulary)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = Path(rules.settings.database).stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queued = sum(outbox.depth(db).values())
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rss_mb": peak, "db_bytes": size, "queued": queued}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kommuner", type=int, default=357, help="how many kommuner (default: all 357)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]))
        return 0
    from monitor.demo.localserver import LocalServer, Request, Response
    from monitor.demo.replay import build_feed, build_statuspage_events, feed_entry_count, status_event_count

    steps = {"/atom.xml": 0, "/incidents.json": 0}

    def stepping(build: object, content_type: str) -> object:
        def answer(request: Request) -> Response:
            body = build(steps[request.path])  # type: ignore[operator]
            steps[request.path] += 1
            return Response(200, body, content_type)

        return answer

    kommuner = load_kommuner(args.kommuner)
    env = {
        f"BENCH_{kind}_{number}": "http://127.0.0.1:9/unused"
        for number in kommuner
        for kind in ("SLACK", "TEAMS")
    }
    with LocalServer() as server, tempfile.TemporaryDirectory(prefix="p5-") as temp:
        server.route("/atom.xml", stepping(build_feed, "application/atom+xml; charset=utf-8"))  # type: ignore[arg-type]
        server.route("/incidents.json", stepping(build_statuspage_events, "application/json"))  # type: ignore[arg-type]
        rules = Path(temp) / "rules.yaml"
        head = HEAD.format(state=temp, feed=server.url("/atom.xml"), status=server.url("/incidents.json"))
        rules.write_text(
            head + "".join(KOMMUNE.format(number=number) for number in kommuner), encoding="utf-8"
        )
        result = run_child(
            Path(__file__), [str(rules), str(feed_entry_count()), str(status_event_count())], env
        )
    print(
        f"replayed {feed_entry_count()} feed entries and {status_event_count()} status updates for "
        f"{len(kommuner)} kommuner: {result['queued']} outbox items, {result['cpu']:.1f} s CPU"
    )
    print(f"machine: {machine()}")
    print(
        f"P5 seconds={result['seconds']:.1f} cpu_s={result['cpu']:.1f} rss_mb={result['rss_mb']:.0f} "
        f"db_mb={result['db_bytes'] / 1e6:.1f} kommuner={len(kommuner)} target<=10s,<=150MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
