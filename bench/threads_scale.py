"""Incident-thread matching at scale: one status-page poll of N new incidents (issue 13, row 12).

python3 bench/threads_scale.py [--incidents 10000] [--seed S]

Serves Statuspage v2 JSON on loopback with N incidents spread over a week: each opens on one API
(or all), is followed up, and is resolved, as three separate status-page incidents. Polls once as
the quiet baseline with none of them, then once with all N (every one new, every one routed and
threaded) into a temp SQLite file, with three kommuner (no delivery). Prints the seconds of that
poll, the alerts queued and how many were threads. Matching used to be quadratic (10,000
incidents did not finish in 2.5 min); it is now n log n.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.config.load import load_rules
from monitor.demo.localserver import LocalServer, Route
from monitor.pipeline import poll_source
from monitor.store import open_db

COMPONENTS = ("Inntekt API", "Beregnet skatt API", "Summert skattegrunnlag API", "Alle delingstjenester")
START = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)
RULES = """\
settings:
  state_dir: {state}
  max_new_per_poll: 1000000
  smtp: {{host: 127.0.0.1, port: 2525, security: none, sender: bench@example.no}}
sources:
  - {{name: status, kind: statuspage_api, url: "{url}", interval_seconds: 1}}
kommuner:
  - {{kommunenummer: "0301", rettighetspakker: [kommuneBoligsosialeFormaal],
     channels: [{{name: epost, kind: email, to: [a@example.no]}}]}}
  - {{kommunenummer: "4601", rettighetspakker: [kommuneLangtidsoppholdInstitusjon],
     channels: [{{name: epost, kind: email, to: [b@example.no]}}]}}
  - {{kommunenummer: "5501", rettighetspakker: [kommuneEiendomsskatt],
     channels: [{{name: epost, kind: email, to: [c@example.no]}}]}}
admin:
  - {{name: epost, kind: email, to: [admin@example.no]}}
"""
STAGES = (
    ("investigating", "Feil i {c}", "Vi har driftsproblemer med {c} ({n}). Kall feiler."),
    ("identified", "Feil i {c}", "Fortsatt driftsproblemer med {c} ({n}). Vi jobber med saken."),
    ("resolved", "Feil i {c} er rettet", "Feilen i {c} ({n}) er rettet, og alt fungerer normalt igjen."),
)


def incidents(count: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    items: list[dict[str, object]] = []
    for number in range(count):
        stage = number % 3
        chain = number // 3
        component = COMPONENTS[rng.randrange(len(COMPONENTS))] if stage == 0 else COMPONENTS[chain % 4]
        status, title, body = STAGES[stage]
        at = START + timedelta(minutes=chain * 7 * 24 * 60 * 3 / max(count, 1) + stage * 40)
        items.append(
            {
                "id": f"i{number}",
                "name": title.format(c=component),
                "status": status,
                "created_at": at.isoformat(),
                "updated_at": at.isoformat(),
                "components": [{"name": component}],
                "incident_updates": [
                    {"id": f"u{number}", "status": status, "body": body.format(c=component, n=chain),
                     "created_at": at.isoformat()}
                ],
            }
        )  # fmt: skip
    return items


def body(items: list[dict[str, object]]) -> bytes:
    page = {"id": "bench", "name": "Skatteetaten", "url": "https://status.skatteetaten.no"}
    return json.dumps({"page": page, "incidents": items}).encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, LocalServer() as server:
        path = Path(folder) / "rules.yaml"
        path.write_text(RULES.format(state=Path(folder) / "state", url=server.url("/incidents.json")))
        rules = load_rules(path)
        db = open_db(rules.settings.database)
        source = rules.sources[0]
        server.route("/incidents.json", Route(body([]), "application/json"))
        poll_source(db, rules, source, now=START - timedelta(days=1))
        server.route("/incidents.json", Route(body(incidents(args.incidents, args.seed)), "application/json"))
        started = time.perf_counter()
        report = poll_source(db, rules, source, now=START + timedelta(days=22))
        seconds = time.perf_counter() - started
        threaded = sum(1 for alert in report.alerts if alert.thread_key is not None)
        print(
            f"incidents={args.incidents} outcome={report.outcome} changes={len(report.changes)} "
            f"alerts={len(report.alerts)} threaded={threaded} seconds={seconds:.1f}"
        )


if __name__ == "__main__":
    main()
