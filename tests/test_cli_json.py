"""`--json` on outbox, history and status: one documented shape each (README, "JSON output"),
parsed and checked field by field on databases filled by the real pipeline and real probe rounds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from probe_servers import CertificateFiles, HttpsServer
from test_end_to_end import World
from test_status_cli import gateway, populate, tls  # noqa: F401 (fixtures)

from monitor.cli.main import main
from monitor.demo.replay import build_feed
from monitor.localtime import OSLO
from monitor.store import open_db

POSTS = "https://skatteetaten.github.io/api-dokumentasjon/nyheter-og-driftsvarsler/"
FIRST_KEY = f"nyheter-atom:{POSTS}2023/10/02/driftsvarsel"
TITLE = "Vi har driftsproblemer på en rekke av Skatteetatens systemer og applikasjoner - 02.10.2023"


@pytest.fixture()
def world(tmp_path: Path, real_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    instance = World(tmp_path, real_dir, monkeypatch)
    instance.serve(build_feed(15))
    instance.poll_and_deliver()  # baseline, 2024-01-27 09:00 UTC
    instance.serve(build_feed(22))
    instance.poll_and_deliver()  # 7 new notices, 10:00 UTC (11:00 in Oslo)
    yield instance
    instance.close()


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def test_outbox_json_counts_and_items(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    database = str(world.rules.settings.database)
    report = run_json(capsys, "outbox", "--db", database, "--json", "--state", "all")
    assert isinstance(report, dict) and set(report) == {"counts", "items"}
    assert report["counts"] == {"pending": 0, "done": 24, "dead": 0, "silenced": 0}
    items = report["items"]
    assert len(items) == 24
    assert [item["id"] for item in items] == list(range(1, 25))
    assert items[0] == {
        "id": 1,
        "state": "done",
        "attempts": 1,
        "kommune": "0301",
        "channel": "slack",
        "subject": "[Driftsvarsel] Feil: Vi har driftsproblemer på en rekke av Skatteetatens systemer og "
        "applikasjoner - 02.10.2023",
        "notice_key": FIRST_KEY,
        "version": 1,
        "created_at": "2024-01-27T11:00:00+01:00",
        "next_attempt_at": None,
        "delivered_at": "2024-01-27T11:00:00+01:00",
        "last_status": 200,
        "last_error": None,
    }
    assert items[-1]["kommune"] == "admin"
    default = run_json(capsys, "outbox", "--db", database, "--json")
    assert default == {"counts": {"pending": 0, "done": 24, "dead": 0, "silenced": 0}, "items": []}


def test_outbox_text_shows_next_attempt_in_oslo_time(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.db.execute(
        "UPDATE outbox SET state = 'pending', next_attempt_at = '2024-07-01T10:00:00Z', "
        "last_error = 'HTTP 500' WHERE id = 1"
    )
    world.db.conn.commit()
    assert main(["outbox", "--db", str(world.rules.settings.database)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == [
        "1",
        "pending",
        "1",
        "0301",
        "slack",
        "2024-07-01",
        "12:00:00",
        "+02:00",
        "HTTP",
        "500",
    ]
    assert lines[-1] == "(1 shown; pending 1, done 23, dead 0, silenced 0)"


def test_history_json_versions_and_diffs(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    report = run_json(capsys, "history", "--db", str(world.rules.settings.database), FIRST_KEY, "--json")
    assert report == {
        "target": FIRST_KEY,
        "notices": [
            {
                "key": FIRST_KEY,
                "title": TITLE,
                "removed_at": None,
                "corrections": [],
                "versions": [
                    {
                        "version": 1,
                        "seen_at": "2024-01-27T11:00:00+01:00",
                        "change_kind": "new",
                        "category": "error",
                        "title": TITLE,
                        "text": "Vi har driftsproblemer på en rekke systemer og applikasjoner. "
                        "Saken har høyeste prioritert, og det jobbes med å få dette løst.",
                    }
                ],
                "diffs": [],
            }
        ],
    }
    assert main(["history", "--db", str(world.rules.settings.database), FIRST_KEY]) == 0
    assert capsys.readouterr().out.splitlines()[2] == "  v1  2024-01-27 11:00 +01:00  new  [error]"


def test_status_json_and_stale_marks(
    tmp_path: Path,
    gateway: HttpsServer,  # noqa: F811
    tls: CertificateFiles,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    rules, last_round = populate(tmp_path, gateway, tls.ca_file)
    database = str(rules.settings.database)
    report = run_json(capsys, "status", "--db", database, "--json")
    assert isinstance(report, dict) and set(report) == {"now", "stale_after_seconds", "apis"}
    assert report["stale_after_seconds"] == 900
    apis = {(item["api"], item["environment"]): item for item in report["apis"]}
    assert sorted(apis) == [
        ("beregnetskatt", "prod"),
        ("formuesgrunnlageiendomsskatt", "prod"),
        ("inntekt", "prod"),
        ("maskinporten", "prod"),
    ]
    inntekt = apis[("inntekt", "prod")]
    assert (inntekt["name"], inntekt["state"], inntekt["display"], inntekt["stale"]) == (
        "Inntekt API",
        "up",
        "oppe",
        False,
    )
    assert inntekt["last_checked"] == last_round.astimezone(OSLO).isoformat()
    assert (inntekt["uptime_24h"], inntekt["uptime_7d"]) == (1.0, 1.0)
    beregnet = apis[("beregnetskatt", "prod")]
    assert (beregnet["state"], beregnet["display"], beregnet["announced_by"], beregnet["uptime_24h"]) == (
        "down",
        "varslet nedetid",
        "atom:bsa-vedlikehold",
        0.0,
    )
    # Move the last probe back an hour: every row is stale, in JSON and in the table.
    db = open_db(rules.settings.database)
    earlier = (last_round - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    db.execute("UPDATE probe_state SET last_checked_at = ?", [earlier])
    db.conn.commit()
    report = run_json(capsys, "status", "--db", database, "--json")
    assert [item["stale"] for item in report["apis"]] == [True, True, True, True]
    assert main(["status", "--db", database]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sum(line.count(" STALE") for line in lines[2:6]) == 4
    assert lines[-1].startswith("STALE: not probed for over 15 min (3 probe intervals)")
