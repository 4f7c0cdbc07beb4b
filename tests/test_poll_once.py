"""`driftsvarsel poll --once` and the first poll of a source (`settings.baseline_alert_days`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_end_to_end import World

from monitor.cli.main import main
from monitor.config.load import load_rules
from monitor.demo.replay import build_feed

POSTS = "https://skatteetaten.github.io/api-dokumentasjon/nyheter-og-driftsvarsler/"


@pytest.fixture()
def world(tmp_path: Path, real_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    instance = World(tmp_path, real_dir, monkeypatch)
    yield instance
    instance.close()


def test_poll_once_records_a_baseline_then_answers_not_modified(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.serve(build_feed(43))
    rules = str(world.rules.path)
    assert main(["poll", "--once", "--rules", rules]) == 0
    first = capsys.readouterr().out
    assert "nyheter-atom: baseline (43 changes, 0 alerts queued)" in first
    assert "delivery: 0 sent, 0 to retry, 0 dead, 0 waiting in the outbox" in first
    assert main(["poll", "--once", "--rules", rules]) == 0
    assert "nyheter-atom: not_modified" in capsys.readouterr().out
    assert main(["poll", "--once", "--rules", rules, "--source", "nope"]) == 1
    assert "no source named nope (sources: nyheter-atom)" in capsys.readouterr().err


def test_baseline_alert_days_still_alerts_the_newest_notices(world: World) -> None:
    path = world.rules.path
    path.write_text(
        path.read_text(encoding="utf-8").replace("settings:\n", "settings:\n  baseline_alert_days: 10\n", 1),
        encoding="utf-8",
    )
    world.rules = load_rules(path)
    world.serve(build_feed(43))
    assert world.poll_and_deliver() == "baseline"  # on 2024-01-27 09:00 UTC
    alerted = {row[0] for row in world.db.execute("SELECT DISTINCT notice_key FROM outbox")}
    # Published within 10 days of the first poll: 22 Jan (two posts) and 26 Jan; 17 Jan 08:40 is not.
    assert alerted == {
        f"nyheter-atom:{POSTS}2024/01/22/apim",
        f"nyheter-atom:{POSTS}2024/01/22/inntekt-2024",
        f"nyheter-atom:{POSTS}2024/01/26/oas-spesifisert",
    }
    assert world.received() == world.ledger()
