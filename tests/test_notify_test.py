"""`driftsvarsel notify test`: a marked Norwegian test message through the real channels, against
the local Slack (webhook and bot), Teams and SMTP stand-ins; each receiver's answer reported."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_end_to_end import World

from monitor.cli.main import main


@pytest.fixture()
def world(tmp_path: Path, real_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    instance = World(tmp_path, real_dir, monkeypatch)
    yield instance
    instance.close()


def notify(world: World, *args: str) -> int:
    return main(["notify", "test", "--rules", str(world.rules.path), *args])


def test_notify_test_sends_a_marked_message_through_each_channel_of_a_kommune(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert notify(world, "--kommune", "0301") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert (
        lines[0]
        == "0301 Oslo / slack (slack_webhook): accepted, HTTP/SMTP 200: Slack webhook accepted the message"
    )
    assert lines[1].startswith("0301 Oslo / epost (email): accepted, HTTP/SMTP 250: ")
    [slack] = world.slack.received()
    assert slack.path.startswith("/services/")
    assert slack.text is not None and slack.text.startswith(
        "[Test] Driftsvarsel-monitoren: testmelding til 0301"
    )
    assert "Dette er en testmelding, ikke et driftsvarsel." in json.dumps(slack.blocks, ensure_ascii=False)
    [mail] = world.smtp.received()
    assert mail.rcpt_tos == ("drift@oslo.test.localhost",)
    assert mail.message["Subject"] == "[Test] Driftsvarsel-monitoren: testmelding til 0301 Oslo / epost"
    assert world.teams.received() == []
    assert world.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0  # nothing queued


def test_notify_test_one_channel_teams_bot_and_admin(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert notify(world, "--kommune", "0301", "--channel", "epost") == 0
    assert len(world.smtp.received()) == 1 and world.slack.received() == []
    assert notify(world, "--kommune", "4601") == 0
    [card] = world.teams.received()
    assert "Test" in card.card["body"][0]["text"]  # "[Test] ..." (brackets escaped for Teams markdown)
    assert "testmelding til 4601 Bergen / teams" in card.card["body"][0]["text"]
    assert notify(world, "--kommune", "5501") == 0
    [bot] = world.slack.received()
    assert (bot.path, bot.channel) == ("/api/chat.postMessage", "C0TROMSO")
    assert notify(world, "--admin") == 0
    assert world.smtp.received()[-1].rcpt_tos == ("admin@test.localhost",)
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == [
        "0301 Oslo / epost (email)",
        "4601 Bergen / teams (teams)",
        "5501 Tromsø / bot (slack_bot)",
        "admin Administrator / epost (email)",
    ]
    assert all(": accepted, " in line for line in out)


def test_notify_test_reports_a_refusal_and_exits_1(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.teams.fail(500)
    assert notify(world, "--kommune", "4601", "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert report["exit_code"] == 1
    [result] = report["results"]
    assert (result["kommune"], result["channel"], result["kind"], result["ok"], result["status"]) == (
        "4601",
        "teams",
        "teams",
        False,
        500,
    )
    assert world.teams.received() == []


def test_notify_test_with_a_missing_secret_fails_that_channel_only(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("E2E_OSLO_SLACK")
    assert notify(world, "--kommune", "0301") == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(
        "0301 Oslo / slack (slack_webhook): FAILED, no answer: hemmeligheten kan ikke leses"
    )
    assert "E2E_OSLO_SLACK" in out[0]
    assert out[1].startswith("0301 Oslo / epost (email): accepted, HTTP/SMTP 250")
    assert len(world.smtp.received()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--kommune", "9999"), "kommune 9999 is not in"),
        (("--kommune", "0301", "--channel", "teams"), "0301 Oslo has no channel named 'teams'"),
        ((), "give --kommune NR or --admin"),
        (("--kommune", "0301", "--admin"), "give --kommune NR or --admin"),
    ],
)
def test_notify_test_wrong_target_is_a_clear_error(
    world: World, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    assert notify(world, *args) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("Error: ") and message in captured.err
    assert world.slack.received() == [] and world.smtp.received() == []
