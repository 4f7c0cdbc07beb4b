"""`driftsvarsel poll --once` exit codes and its `--json` shape, on the real feed with loopback
Slack/Teams/SMTP receivers: 0 all well, +4 a source failed, +16 a delivery failed or died."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_end_to_end import FEED_PATH, World

from monitor.cli.main import main
from monitor.demo.localserver import Route
from monitor.demo.replay import build_feed


@pytest.fixture()
def world(tmp_path: Path, real_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    instance = World(tmp_path, real_dir, monkeypatch)
    yield instance
    instance.close()


def poll(world: World, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = main(["poll", "--once", "--json", "--rules", str(world.rules.path)])
    return code, json.loads(capsys.readouterr().out)


def test_poll_once_json_baseline_exits_0(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.serve(build_feed(15))
    code, report = poll(world, capsys)
    assert code == 0
    assert report == {
        "exit_code": 0,
        "sources": [
            {"source": "nyheter-atom", "outcome": "baseline", "changes": 15, "alerts": 0, "error": None}
        ],
        "delivery": {"sent": 0, "retried": 0, "dead": 0},
        "waiting": 0,
    }


def test_poll_once_failed_source_exits_4(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    # Nothing served at the feed's path: the local server answers 404.
    code, report = poll(world, capsys)
    assert (code, report["exit_code"]) == (4, 4)
    [source] = report["sources"]
    assert (source["source"], source["outcome"], source["changes"], source["alerts"]) == (
        "nyheter-atom",
        "failed",
        0,
        0,
    )
    assert source["error"] == "HTTP 404 from 127.0.0.1"
    assert report["delivery"] == {"sent": 0, "retried": 0, "dead": 0}
    assert main(["poll", "--once", "--rules", str(world.rules.path)]) == 4
    assert capsys.readouterr().out.splitlines() == [
        "nyheter-atom: failed (HTTP 404 from 127.0.0.1)",
        "delivery: 1 sent, 0 to retry, 0 dead, 0 waiting in the outbox",  # the second failure: admin told
    ]
    assert [mail.rcpt_tos for mail in world.smtp.received()] == [("admin@test.localhost",)]


def test_poll_once_failed_delivery_exits_16_and_with_a_failed_source_20(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.serve(build_feed(15))
    assert poll(world, capsys)[0] == 0
    world.serve(build_feed(22))
    world.slack.fail(500, times=50)
    code, report = poll(world, capsys)
    assert code == 16
    delivery = report["delivery"]
    # The first Slack post fails (retried later); the rest of Oslo's Slack posts wait for the rate
    # limit, so how many more are tried depends on the clock: at least one failed.
    assert isinstance(delivery, dict) and delivery["retried"] >= 1 and delivery["dead"] == 0
    assert report["sources"] == [
        {"source": "nyheter-atom", "outcome": "changed", "changes": 7, "alerts": 24, "error": None}
    ]
    # Now the feed breaks twice, and the admin's mail server refuses the "source broken" message.
    world.feed.route(FEED_PATH, Route(b"<html>Bad gateway</html>", "text/html", status=502))
    assert poll(world, capsys)[0] & 4 == 4
    world.smtp.fail(451, "4.3.0 try again later", times=5)
    code, report = poll(world, capsys)
    assert (code, report["exit_code"]) == (20, 20)
    assert report["sources"] == [
        {
            "source": "nyheter-atom",
            "outcome": "failed",
            "changes": 0,
            "alerts": 0,
            "error": "HTTP 502 from 127.0.0.1",
        }
    ]
