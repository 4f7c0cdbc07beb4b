"""P3: the daemon's memory: RSS when ready, and its growth over 10,000 polls.

python3 bench/p3_rss.py [--polls 10000]

This process serves the real atom.xml (with ETag: 304 answers) and the status page's
incidents.json (without validators: the same 200 body every time, short-circuited by hash). A
child process builds the real `Daemon`, starts its scheduler (delivery, housekeeping, watchdog
jobs) and waits for the first polls: that RSS is "ready". Then it runs the scheduler's poll job
`--polls` times, alternating the two sources, reading its RSS along the way. Last line:
`P3 ready_mb=... end_mb=... growth=...%` (target: ≤ 80 MB, < 5 % growth).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from benchkit import REPO, machine, quiet_logging, rss_mb, run_child

sys.path.insert(0, str(REPO))

FIXTURES = REPO / "tests" / "fixtures" / "skatteetaten"
FEED = FIXTURES / "corpus" / "html" / "nyheter-og-driftsvarsler__atom.xml"
RULES = """\
settings:
  state_dir: {state}
  smtp: {{host: 127.0.0.1, port: 2525, security: none, sender: driftsvarsel@bench.localhost}}
sources:
  - {{name: nyheter-atom, kind: atom, url: "{feed}", interval_seconds: 3600}}
  - {{name: status-incidents, kind: statuspage_api, url: "{status}", interval_seconds: 3600}}
probes:
  enabled: false
kommuner:
  - kommunenummer: "0301"
    apis: ["*"]
    channels:
      - {{name: epost, kind: email, to: [drift@oslo.bench.localhost]}}
admin:
  - {{name: epost, kind: email, to: [admin@bench.localhost]}}
"""
CHECKPOINTS = (1000, 2500, 5000, 7500, 10000)


def child(rules: str, polls: int) -> None:
    quiet_logging()
    from monitor.service.daemon import Daemon

    daemon = Daemon(Path(rules))
    daemon.db()
    daemon.schedule()
    daemon.scheduler.start()
    names = [source.name for source in daemon.rules.sources]
    deadline = time.monotonic() + 60
    while len(daemon._polled) < len(names) and time.monotonic() < deadline:
        time.sleep(0.05)  # the scheduler's first polls (baselines)
    ready = rss_mb()
    figures = {}
    for number in range(1, polls + 1):
        daemon.poll(names[number % len(names)])
        if number in CHECKPOINTS or number == polls:
            figures[number] = rss_mb()
    daemon.stop_event.set()
    daemon.scheduler.shutdown(wait=True)
    print(json.dumps({"ready": ready, "figures": figures}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=10000, help="polls after ready (default 10000)")
    parser.add_argument("--child", nargs=2, metavar=("RULES", "POLLS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return 0
    from monitor.demo.localserver import LocalServer, Response, Route
    from monitor.demo.replay import build_statuspage

    status_body = build_statuspage(10)
    with LocalServer() as server, tempfile.TemporaryDirectory(prefix="p3-") as temp:
        server.route("/atom.xml", Route(FEED.read_bytes(), "application/atom+xml; charset=utf-8"))
        server.route("/incidents.json", lambda request: Response(200, status_body, "application/json"))
        rules = Path(temp) / "rules.yaml"
        text = RULES.format(state=temp, feed=server.url("/atom.xml"), status=server.url("/incidents.json"))
        rules.write_text(text, encoding="utf-8")
        result = run_child(Path(__file__), [str(rules), str(args.polls)])
    ready, figures = result["ready"], {int(key): value for key, value in result["figures"].items()}
    for polls, value in sorted(figures.items()):
        print(f"after {polls:>6} polls: RSS {value:.1f} MB")
    end = figures[max(figures)]
    warm = figures[min(figures)]
    print(f"machine: {machine()}")
    print(
        f"P3 ready_mb={ready:.1f} end_mb={end:.1f} growth={100 * (end - ready) / ready:.1f}% "
        f"growth_after_{min(figures)}={100 * (end - warm) / warm:.1f}% polls={max(figures)} "
        "target<=80MB,<5%"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
