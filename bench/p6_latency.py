"""P6: detection latency, from the moment the status page shows an incident to the first kommune
message accepted, with the real daemon polling the status page every 5 s.

python3 bench/p6_latency.py [--interval 5] [--incidents 4]

This process serves the status page (Statuspage v2 JSON built from the real 2024 incidents the
demo replays) and a Slack stand-in; `python -m monitor run` runs as a child with one kommune
subscribed to every API. After the quiet baseline it shows one more incident at a random moment
within the poll cycle, and waits for the first message to arrive at the kommune's webhook; the
gap is the latency. Last line: `P6 worst_s=... interval_s=5 ...` (target: worst ≤ interval + 1 s).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchkit import REPO, child_env, machine, median

sys.path.insert(0, str(REPO))

from monitor.demo.localserver import LocalServer, Route  # noqa: E402
from monitor.demo.receivers import SlackReceiver  # noqa: E402
from monitor.demo.replay import build_statuspage  # noqa: E402

STATUS_PATH = "/api/v2/incidents.json"
JSON_TYPE = "application/json; charset=utf-8"
RULES = """\
settings:
  state_dir: {state}
  smtp: {{host: 127.0.0.1, port: 2525, security: none, sender: driftsvarsel@bench.localhost}}
sources:
  - {{name: status, kind: statuspage_api, url: "{url}", interval_seconds: {interval}, jitter_seconds: 0}}
probes:
  enabled: false
kommuner:
  - kommunenummer: "0301"
    apis: ["*"]
    channels:
      - {{name: slack, kind: slack_webhook, webhook: "env:P6_SLACK"}}
admin:
  - {{name: slack, kind: slack_webhook, webhook: "env:P6_ADMIN"}}
"""
WAIT_SECONDS = 60.0


def baselined(database: Path) -> bool:
    if not database.exists():
        return False
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        row = connection.execute("SELECT baselined_at FROM sources WHERE name = 'status'").fetchone()
        return bool(row and row[0])
    except sqlite3.OperationalError:
        return False
    finally:
        connection.close()


def wait_until(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.01)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=int, default=5, help="status-page poll interval (default 5 s)")
    parser.add_argument("--incidents", type=int, default=4, help="incidents shown one by one (default 4)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    latencies: list[float] = []
    with (
        tempfile.TemporaryDirectory(prefix="p6-") as temp,
        LocalServer() as status,
        SlackReceiver() as kommune,
        SlackReceiver(webhook_path="/services/T0ADMIN/B0ADMIN/admin") as admin,
    ):
        folder = Path(temp)
        status.route(STATUS_PATH, Route(build_statuspage(0), JSON_TYPE))
        rules = folder / "rules.yaml"
        url = status.url(STATUS_PATH)
        rules.write_text(RULES.format(state=folder, url=url, interval=args.interval), encoding="utf-8")
        env = child_env({"P6_SLACK": kommune.webhook_url, "P6_ADMIN": admin.webhook_url})
        with open(folder / "daemon.log", "w") as log:
            daemon = subprocess.Popen(
                [sys.executable, "-m", "monitor", "run", "--rules", str(rules)],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            try:
                if not wait_until(lambda: baselined(folder / "driftsvarsel.db"), WAIT_SECONDS):
                    raise SystemExit(f"no baseline poll within {WAIT_SECONDS:.0f} s; see {folder}/daemon.log")
                for shown in range(1, args.incidents + 1):
                    time.sleep(rng.uniform(0, args.interval))  # a random moment in the poll cycle
                    before = len(kommune.arrivals("webhook"))
                    status.route(STATUS_PATH, Route(build_statuspage(shown), JSON_TYPE))
                    published = time.monotonic()
                    if not wait_until(lambda n=before: len(kommune.arrivals("webhook")) > n, WAIT_SECONDS):
                        raise SystemExit(f"incident {shown}: no message within {WAIT_SECONDS:.0f} s")
                    latency = kommune.arrivals("webhook")[before] - published
                    latencies.append(latency)
                    print(
                        f"incident {shown}: first message {latency:.2f} s after it was published", flush=True
                    )
                    wait_until(lambda: False, 1.5)  # let the rest of that notice's messages go out
            finally:
                daemon.terminate()
                daemon.wait(timeout=60)
    worst = max(latencies)
    print(f"machine: {machine()}")
    print(
        f"P6 worst_s={worst:.2f} median_s={median(latencies):.2f} interval_s={args.interval} "
        f"incidents={len(latencies)} target<={args.interval + 1}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
