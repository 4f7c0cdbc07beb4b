"""Pace end to end: each target at its own rate, targets side by side, Retry-After per target.

Real senders, real local receivers (which note when each request arrived), a temp SQLite file and
the real clock. Assertions are on counts, order and minimum spacing (lower bounds that hold on a
slow machine), never on how long anything took.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

from monitor.config.types import ChannelConfig, KommuneConfig, Rules, Settings, SmtpConfig
from monitor.deliver.pace import INTERVALS
from monitor.deliver.worker import drain
from monitor.demo.receivers import SlackReceiver, SmtpReceiver, TeamsReceiver
from monitor.model import Message
from monitor.store import open_db, outbox
from monitor.store.outbox import OutboxEntry

PER_TARGET = 4
#: Time-stamp slack between our clock and the receiver's (both monotonic on one host; a margin
#: for the float round trip only, far below the interval being checked).
MARGIN = 0.02


@dataclass
class Stands:
    oslo: SlackReceiver
    bergen: SlackReceiver
    teams: TeamsReceiver
    smtp: SmtpReceiver


@pytest.fixture
def stands(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stands]:
    with SlackReceiver() as oslo, SlackReceiver() as bergen, TeamsReceiver() as teams, SmtpReceiver() as smtp:
        monkeypatch.setenv("PACE_OSLO_HOOK", oslo.webhook_url)
        monkeypatch.setenv("PACE_BERGEN_HOOK", bergen.webhook_url)
        monkeypatch.setenv("PACE_BERGEN_TEAMS", teams.url)
        yield Stands(oslo, bergen, teams, smtp)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    database = open_db(tmp_path / "d.db")
    yield database
    database.conn.close()


def rules_for(tmp_path: Path, stands: Stands) -> Rules:
    settings = Settings(
        state_dir=tmp_path,
        database=tmp_path / "d.db",
        smtp=SmtpConfig(host="127.0.0.1", port=stands.smtp.port, security="none", sender="dv@test.local"),
    )
    oslo = (
        ChannelConfig("slack", "slack_webhook", secret="env:PACE_OSLO_HOOK"),
        ChannelConfig("epost", "email", to=("it@oslo.test",)),
    )
    bergen = (
        ChannelConfig("slack", "slack_webhook", secret="env:PACE_BERGEN_HOOK"),
        ChannelConfig("teams", "teams", secret="env:PACE_BERGEN_TEAMS"),
    )
    kommuner = (
        KommuneConfig("0301", "Oslo", (), ("inntekt",), oslo),
        KommuneConfig("4601", "Bergen", (), ("inntekt",), bergen),
    )
    admin = (ChannelConfig("drift", "email", to=("drift@test.local",)),)
    return Rules(tmp_path / "rules.yaml", settings, (), kommuner, admin)


def fill(db: sqlite_utils.Database, now: datetime) -> None:
    """PER_TARGET messages to each of the four targets, interleaved as a fan-out queues them."""
    entries = []
    for number in range(PER_TARGET):
        for kommune, channel in (("0301", "slack"), ("0301", "epost"), ("4601", "slack"), ("4601", "teams")):
            subject = f"melding {number}"
            message = Message(subject, subject, (("Kategori", "Feil"),), "tekst", None, "f", f"<{number}@t>")
            key = f"feed:post-{number}#v1|{kommune}|{channel}"
            entries.append(OutboxEntry(key, f"feed:post-{number}", 1, kommune, channel, message))
    outbox.enqueue(db, entries, now=now)


def real_clock() -> datetime:
    return datetime.now(UTC)


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]


def test_drain_paces_each_target_and_serves_targets_side_by_side(
    db: sqlite_utils.Database, tmp_path: Path, stands: Stands
) -> None:
    fill(db, real_clock())
    stats = drain(db, rules_for(tmp_path, stands), now_fn=real_clock, lane_seconds=30)
    assert (stats.sent, stats.retried, stats.deferred) == (4 * PER_TARGET, 0, 0)
    assert outbox.depth(db) == {"pending": 0, "done": 4 * PER_TARGET, "dead": 0, "silenced": 0}
    oslo, bergen = stands.oslo.arrivals("webhook"), stands.bergen.arrivals("webhook")
    teams = stands.teams.arrivals("invoke")
    assert (len(oslo), len(bergen), len(teams)) == (PER_TARGET,) * 3
    assert min(gaps(oslo) + gaps(bergen)) >= INTERVALS["slack_webhook"] - MARGIN
    assert min(gaps(teams)) >= INTERVALS["teams"] - MARGIN
    # Side by side: Bergen's Slack and Teams started before Oslo's Slack was through.
    assert bergen[0] < oslo[-1] and teams[0] < oslo[-1]
    for receiver in (stands.oslo, stands.bergen):
        assert [message.text for message in receiver.received()] == [
            f"melding {n}" for n in range(PER_TARGET)
        ]
    mails = stands.smtp.received()
    assert [mail.message["Subject"] for mail in mails] == [f"melding {n}" for n in range(PER_TARGET)]


def test_drain_retry_after_holds_back_only_its_own_target(
    db: sqlite_utils.Database, tmp_path: Path, stands: Stands
) -> None:
    start = real_clock()
    fill(db, start)
    stands.oslo.fail(429, retry_after=3)
    stats = drain(db, rules_for(tmp_path, stands), now_fn=real_clock, lane_seconds=30)
    assert (stats.sent, stats.retried) == (4 * PER_TARGET - 1, 1)
    oslo, bergen = stands.oslo.arrivals("webhook"), stands.bergen.arrivals("webhook")
    assert len(oslo) == PER_TARGET and len(bergen) == PER_TARGET
    assert oslo[1] - oslo[0] >= 3 - MARGIN  # Slack said: wait 3 s
    assert bergen[1] < oslo[1]  # ... and Bergen's webhook did not wait for it
    limited = outbox.item_by_key(db, "feed:post-0#v1|0301|slack")
    assert limited is not None and limited.state == "pending" and limited.last_status == 429
    assert limited.next_attempt_at >= start + timedelta(seconds=3)
    # The other three went out in order after the pause; the limited one waits for its retry.
    assert [message.text for message in stands.oslo.received()] == [f"melding {n}" for n in range(1, 4)]


def test_drain_without_lane_time_sends_one_per_busy_target_and_defers_the_rest_to_their_turn(
    db: sqlite_utils.Database, tmp_path: Path, stands: Stands
) -> None:
    now = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    fill(db, now)
    stats = drain(db, rules_for(tmp_path, stands), now_fn=lambda: now)
    # Email is not spaced: its whole lane goes; each chat target gets one, the rest wait their turn.
    assert (stats.sent, stats.deferred) == (3 + PER_TARGET, 3 * (PER_TARGET - 1))
    turns = [outbox.item_by_key(db, f"feed:post-{n}#v1|4601|slack") for n in range(1, PER_TARGET)]
    assert [item.next_attempt_at - now for item in turns if item is not None] == [
        timedelta(seconds=n) for n in range(1, PER_TARGET)
    ]
