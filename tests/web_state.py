"""A realistic database for the status page tests, written through the real store functions.

Notices are the real status-page fixtures (tests/fixtures/status/), parsed and classified by the
real stages; one incident is moved to an hour before NOW (so it is current) and the Better Stack
maintenance to the day after (so it is announced). Seven days of probes, an Inntekt outage on
one of them; outbox items waiting, failing and dead for Oslo; one healthy and one failing source.

    python tests/web_state.py DIR      # writes DIR/rules.yaml and DIR/state/driftsvarsel.db
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from monitor.classify import classify
from monitor.config.load import load_rules
from monitor.config.types import Rules, SourceConfig
from monitor.deliver.render import render_admin
from monitor.model import Change, DeliveryResult, FetchResult, Notice, ProbeResult, TargetState
from monitor.sources import parse_body
from monitor.store import open_db
from monitor.store.notices import commit_poll
from monitor.store.outbox import OutboxEntry, enqueue, mark_dead, mark_retry
from monitor.store.probes import record_result, save_state
from monitor.store.sources import record_fetch

STATUS = Path(__file__).parent / "fixtures" / "status"
NOW = datetime(2024, 8, 20, 10, 0, tzinfo=UTC)
RULES = """\
settings:
  state_dir: {state}
  smtp: {{host: 127.0.0.1, port: 2525, security: none, sender: d@test.localhost}}
sources:
  - {{name: status-incidents, kind: statuspage_api, url: "http://127.0.0.1:9/api/v2/incidents.json"}}
  - {{name: status-betterstack, kind: betterstack, url: "http://127.0.0.1:9/index.json"}}
kommuner:
  - kommunenummer: "0301"
    navn: Oslo
    rettighetspakker: [kommuneBoligsosialeFormaal]
    channels:
      - {{name: epost, kind: email, to: [drift@oslo.test.localhost]}}
  - kommunenummer: "4601"
    navn: Bergen
    rettighetspakker: [saernamsmann]
    channels:
      - {{name: epost, kind: email, to: [drift@bergen.test.localhost]}}
admin:
  - {{name: epost, kind: email, to: [admin@test.localhost]}}
"""
#: What the page must show for this state (the tests count them).
RECENT_NOTICES = 5
PROBED = 2


def build(directory: Path) -> tuple[Rules, sqlite_utils.Database]:
    """Write the rules file and the database under `directory`."""
    path = directory / "rules.yaml"
    path.write_text(RULES.format(state=directory / "state"), encoding="utf-8")
    rules = load_rules(path)
    db = open_db(rules.settings.database)
    _notices(db, rules)
    _probes(db)
    _outbox(db)
    _sources(db, rules)
    return rules, db


def _notices(db: sqlite_utils.Database, rules: Rules) -> None:
    incidents, betterstack = rules.sources
    _commit(db, incidents, parse_body((STATUS / "incidents.json").read_bytes(), incidents))
    data = json.loads((STATUS / "betterstack" / "index.json").read_text(encoding="utf-8"))
    maintenance = data["included"][5]["attributes"]
    maintenance["starts_at"], maintenance["ends_at"] = "2024-08-21T16:00:00Z", "2024-08-21T18:00:00Z"
    data["included"][6]["attributes"]["published_at"] = "2024-08-20T09:00:00Z"  # the incident: now
    data["included"][7]["attributes"]["published_at"] = "2024-08-20T09:40:00Z"
    _commit(db, betterstack, parse_body(json.dumps(data).encode(), betterstack))


def _commit(db: sqlite_utils.Database, source: SourceConfig, notices: list[Notice]) -> None:
    changes = [Change("new", notice, 1) for notice in notices]
    labels = {notice.notice_id: classify(notice) for notice in notices}
    commit_poll(db, source.name, changes, labels, [], NOW - timedelta(minutes=5))


def _probes(db: sqlite_utils.Database) -> None:
    for api in ("inntekt", "summertskattegrunnlag"):
        for hour in range(0, 7 * 24, 3):
            at = NOW - timedelta(hours=hour)
            down = api == "inntekt" and 50 <= hour < 56
            state = "down" if down else "up"
            detail = "HTTP 500 DAS-003: gatewayen melder feil" if down else "HTTP 401: API-et svarer"
            record_result(db, ProbeResult(api, "prod", f"https://{api}.test/", state, at, 80.0, 401, detail))
        save_state(db, TargetState(api, "prod", "up", since=NOW - timedelta(hours=49), last_latency_ms=80.0,
                                   last_checked_at=NOW, last_detail="HTTP 401: API-et svarer"))  # fmt: skip


def _outbox(db: sqlite_utils.Database) -> None:
    entries = [
        OutboxEntry(
            f"k{index}", None, None, "0301", "epost", render_admin(f"Melding {index}", "Tekst", f"k{index}")
        )
        for index in range(3)
    ]
    waiting, failing, dead = enqueue(db, entries, now=NOW - timedelta(hours=2))
    refused = DeliveryResult(False, None, "SMTP 451 mottakeren svarer ikke")
    mark_retry(db, failing, refused, NOW + timedelta(minutes=5), NOW - timedelta(hours=1))
    mark_dead(db, dead, DeliveryResult(False, 550, "SMTP 550 ukjent mottaker", permanent=True), NOW)
    assert waiting


def _sources(db: sqlite_utils.Database, rules: Rules) -> None:
    incidents, betterstack = rules.sources
    ok = FetchResult(incidents.url, 200, b"{}")
    record_fetch(db, incidents.name, incidents.kind, incidents.url, ok, notices=3, error=None, now=NOW)
    gone = FetchResult(betterstack.url, 503, error="HTTP 503 from 127.0.0.1")
    for minutes in (30, 20, 10):
        when = NOW - timedelta(minutes=minutes)
        record_fetch(db, betterstack.name, betterstack.kind, betterstack.url, gone, notices=None,
                     error=gone.error, now=when)  # fmt: skip


if __name__ == "__main__":
    build(Path(sys.argv[1]).resolve())
