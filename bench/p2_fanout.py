"""P2: one notice to 357 kommuner × 3 channels (Slack webhook, Teams Workflows, email), local receivers.

python3 bench/p2_fanout.py [--kommuner 357] [--repeats 3]

The receivers (bench/crash.py's world: one Slack webhook and one Teams URL per kommune, one SMTP
server) run in this process. This process polls the feed twice (a quiet baseline, then the feed
with a notice about "alle våre delingstjenester"), which queues 3 × N outbox items. A child
process then drains the outbox the way the daemon does (`drain` with the daemon's lane time and
one rate limiter) until nothing is pending: that wall time is the fan-out. The floor, measured in
the same run by another child: 3 × N POSTs of the same rendered message, one after another through
one httpx.Client, to the same receivers. Last line: `P2 ratio=X.XX ...` (fan-out / floor; target ≤ 2.5).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchkit import REPO, machine, median, run_child

sys.path.insert(0, str(REPO))

from crash import CHANNELS, load_kommuner, serve_feed, world, write_rules  # noqa: E402


def drain_child(rules_path: str) -> None:
    """Drain everything owed, as the daemon's delivery job does; prints wall and CPU seconds.

    Logs as the daemon does (its handler, secret filter and quiet library loggers), to /dev/null.
    """
    from monitor.config.load import load_rules
    from monitor.deliver.pace import RateLimiter
    from monitor.deliver.worker import drain
    from monitor.service.daemon import DRAIN_LIMIT, LANE_SECONDS
    from monitor.service.logsetup import configure_logging
    from monitor.store import open_db, outbox

    configure_logging(stream=open(os.devnull, "w"), environ={})  # noqa: SIM115 (lives as long as the process)
    rules = load_rules(Path(rules_path))
    db = open_db(rules.settings.database)
    limiter, sent = RateLimiter(), 0
    started, cpu = time.perf_counter(), time.process_time()
    while outbox.depth(db)["pending"]:
        stats = drain(
            db,
            rules,
            now_fn=lambda: datetime.now(UTC),
            limit=DRAIN_LIMIT,
            limiter=limiter,
            lane_seconds=LANE_SECONDS,
        )
        sent += stats.sent
        if stats.sent + stats.retried + stats.dead == 0:
            time.sleep(0.05)
    print(
        json.dumps({"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu, "sent": sent})
    )


def floor_child(rules_path: str) -> None:
    """3 × N POSTs of the rendered message through one httpx.Client, one after another."""
    import httpx

    from monitor.config.load import load_rules
    from monitor.deliver import slack, teams
    from monitor.store import open_db, outbox

    rules = load_rules(Path(rules_path))
    db = open_db(rules.settings.database)
    message = outbox.list_items(db)[0].message
    slack_body = json.dumps(slack.build_payload(message)).encode()
    teams_body = teams.payload_bytes(message)
    targets = []
    for kommune in rules.kommuner:
        number = kommune.number
        hook, workflow = os.environ[f"BENCH_SLACK_{number}"], os.environ[f"BENCH_TEAMS_{number}"]
        targets += [(hook, slack_body), (workflow, teams_body), (hook, slack_body)]
    headers = {"Content-Type": "application/json"}
    with httpx.Client(timeout=15) as client:
        started, cpu = time.perf_counter(), time.process_time()
        for url, body in targets:
            client.post(url, content=body, headers=headers).raise_for_status()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({"seconds": seconds, "cpu": cpu, "posts": len(targets)}))


def queue_notice(rules_path: Path, here: object) -> int:
    """Baseline, then the notice: returns how many kommune items were queued."""
    from monitor.config.load import load_rules
    from monitor.pipeline import poll_source
    from monitor.store import open_db

    rules = load_rules(rules_path)
    db = open_db(rules.settings.database)
    serve_feed(here.feed, with_notice=False)  # type: ignore[attr-defined]
    poll_source(db, rules, rules.sources[0], now=datetime.now(UTC))
    serve_feed(here.feed, with_notice=True)  # type: ignore[attr-defined]
    report = poll_source(db, rules, rules.sources[0], now=datetime.now(UTC))
    db.conn.close()
    return len(report.alerts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kommuner", type=int, default=357, help="how many kommuner (default: all 357)")
    parser.add_argument("--repeats", type=int, default=3, help="fan-outs measured; the median counts")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "RULES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child and args.child[0] == "drain" and os.environ.get("P2_PROFILE"):
        import cProfile

        cProfile.runctx("drain_child(args.child[1])", globals(), locals(), os.environ["P2_PROFILE"])
        return 0
    if args.child:
        (drain_child if args.child[0] == "drain" else floor_child)(args.child[1])
        return 0
    kommuner = load_kommuner(args.kommuner)
    owed = len(kommuner) * len(CHANNELS)
    fanouts, floors, cpus = [], [], []
    for repeat in range(args.repeats):
        with tempfile.TemporaryDirectory(prefix="p2-") as temp, world(Path(temp), kommuner) as here:
            rules = write_rules(here)
            queued = queue_notice(rules, here)
            receivers_cpu = time.process_time()
            drained = run_child(Path(__file__), ["drain", str(rules)], here.env)
            receivers_cpu = time.process_time() - receivers_cpu
            received = here.delivered()
            if queued != owed or received != owed:
                raise SystemExit(f"expected {owed} messages, queued {queued}, received {received}")
            floor = run_child(Path(__file__), ["floor", str(rules)], here.env)
        fanouts.append(drained["seconds"])
        floors.append(floor["seconds"])
        cpus.append(drained["cpu"])
        print(
            f"run {repeat + 1}: fan-out {drained['seconds']:.2f} s ({drained['cpu']:.2f} s CPU in the "
            f"monitor, {receivers_cpu:.2f} s in the receivers) for {owed} messages; "
            f"floor {floor['seconds']:.2f} s ({floor['cpu']:.2f} s CPU) for {floor['posts']} POSTs",
            flush=True,
        )
    fanout, floor_seconds = median(fanouts), median(floors)
    print(f"machine: {machine()}")
    print(
        f"P2 ratio={fanout / floor_seconds:.2f} fanout_s={fanout:.2f} floor_s={floor_seconds:.2f} "
        f"cpu_s={median(cpus):.2f} messages={owed} target<=2.5"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
