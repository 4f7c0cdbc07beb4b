"""The delivery worker and retry policy: retries, dead letters, fallback, admin reports, rate limit.

Most tests pass `drain` a scripted channel (a `send` callable answering from a script, as a
channel would); the last ones go through the real senders to the local receivers.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

from monitor.cli.main import main
from monitor.config.types import ChannelConfig, KommuneConfig, Rules, Settings, SmtpConfig
from monitor.deliver.backoff import (
    BASE_SECONDS,
    CAP_SECONDS,
    MIN_SECONDS,
    delay_seconds,
    next_attempt,
    should_give_up,
)
from monitor.deliver.deadletter import report_dead
from monitor.deliver.worker import RateLimiter, drain
from monitor.demo.receivers import SlackReceiver, SmtpReceiver
from monitor.model import DeliveryResult, Message
from monitor.store import open_db, outbox
from monitor.store.outbox import OutboxEntry, OutboxItem

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
OK = DeliveryResult(True, 200, "ok")
BUSY = DeliveryResult(False, 503, "HTTP 503")


class Clock:
    def __init__(self, start: datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class ScriptedChannels:
    """A send callable: answers per channel name from a script (then OK); records what it got."""

    script: dict[str, list[DeliveryResult | Exception]] = field(default_factory=dict)
    sent: list[tuple[str, str, str | None]] = field(default_factory=list)

    def __call__(self, item: OutboxItem, channel: ChannelConfig) -> DeliveryResult:
        self.sent.append((item.kommune, channel.name, item.thread_ref))
        answers = self.script.get(channel.name, [])
        answer = answers.pop(0) if answers else DeliveryResult(True, 200, "ok", thread_ref=f"ts-{item.id}")
        if isinstance(answer, Exception):
            raise answer
        return answer


def make_rules(tmp_path: Path, **settings: object) -> Rules:
    slack = ChannelConfig("slack", "slack_webhook", secret="env:OSLO_SLACK", fallback="epost")
    epost = ChannelConfig("epost", "email", to=("it@oslo.test",))
    teams = ChannelConfig("teams", "teams", secret="env:BERGEN_TEAMS")
    return Rules(
        path=tmp_path / "rules.yaml",
        settings=Settings(state_dir=tmp_path, database=tmp_path / "d.db", **settings),  # type: ignore[arg-type]
        sources=(),
        kommuner=(
            KommuneConfig("0301", "Oslo", (), ("inntekt",), (slack, epost)),
            KommuneConfig("4601", "Bergen", (), ("inntekt",), (teams,)),
        ),
        admin=(ChannelConfig("drift", "email", to=("drift@test.local",)),),
    )


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    database = open_db(tmp_path / "d.db")
    yield database
    database.conn.close()


def message(subject: str) -> Message:
    return Message(subject, subject, (("Kategori", "Feil"),), "tekst", None, "f", f"<{subject}@t>")


def enqueue(
    db: sqlite_utils.Database, number: int, kommune: str = "0301", channel: str = "slack", **extra: str
) -> int:
    key = f"feed:post-{number}#v1|{kommune}|{channel}"
    entry = OutboxEntry(key, f"feed:post-{number}", 1, kommune, channel, message(f"s{number}"), **extra)
    [item_id] = outbox.enqueue(db, [entry], now=NOW)
    return item_id


def state(db: sqlite_utils.Database, item_id: int) -> OutboxItem:
    item = outbox.get_item(db, item_id)
    assert item is not None
    return item


def test_drain_retries_then_delivers(db: sqlite_utils.Database, tmp_path: Path) -> None:
    item_id = enqueue(db, 1)
    channels, clock = ScriptedChannels({"slack": [BUSY]}), Clock()
    stats = drain(db, make_rules(tmp_path), now_fn=clock, send=channels, rng=random.Random(1))
    assert (stats.sent, stats.retried) == (0, 1)
    retry_at = state(db, item_id).next_attempt_at
    assert NOW + timedelta(seconds=MIN_SECONDS) <= retry_at <= NOW + timedelta(seconds=BASE_SECONDS + 1)
    assert stats.next_due == retry_at
    assert drain(db, make_rules(tmp_path), now_fn=clock, send=channels).sent == 0  # not due yet
    clock.now = retry_at
    assert drain(db, make_rules(tmp_path), now_fn=clock, send=channels).sent == 1
    item = state(db, item_id)
    assert (item.state, item.attempts, item.thread_ref) == ("done", 2, f"ts-{item_id}")
    assert [a.ok for a in outbox.attempts_of(db, item_id)] == [False, True]
    clock.advance(days=2)
    assert drain(db, make_rules(tmp_path), now_fn=clock, send=channels).sent == 0
    assert len(channels.sent) == 2  # a done item is never sent again


def test_drain_honours_retry_after(db: sqlite_utils.Database, tmp_path: Path) -> None:
    item_id = enqueue(db, 1)
    limited = DeliveryResult(False, 429, "rate limited", retry_after=600.0)
    drain(db, make_rules(tmp_path), now_fn=Clock(), send=ScriptedChannels({"slack": [limited]}))
    assert state(db, item_id).next_attempt_at >= NOW + timedelta(seconds=600)


def test_drain_permanent_failure_dead_letters_falls_back_and_reports(
    db: sqlite_utils.Database, tmp_path: Path
) -> None:
    item_id = enqueue(db, 1)
    gone = DeliveryResult(False, 410, "Slack webhook answered HTTP 410: channel_is_archived", permanent=True)
    channels, clock, rules = ScriptedChannels({"slack": [gone]}), Clock(), make_rules(tmp_path)
    stats = drain(db, rules, now_fn=clock, send=channels)
    assert stats.dead == 1 and state(db, item_id).state == "dead"
    fallback = outbox.item_by_key(db, "feed:post-1#v1|0301|epost")
    assert fallback is not None and fallback.message == message("s1")
    report = outbox.item_by_key(db, f"admin:dead:{item_id}|admin|drift")
    assert report is not None and report.kommune == "admin"
    assert "410" in report.message.body and "Oslo (0301)" in report.message.subject + report.message.body
    assert "reservekanalen «epost»" in report.message.body
    # Reporting again (a crash and replay) queues nothing new.
    assert report_dead(db, rules, state(db, item_id), gone, "epost", NOW, reason="permanent") == []
    assert drain(db, rules, now_fn=clock, send=channels).sent == 2
    assert sorted(name for _, name, _ in channels.sent) == ["drift", "epost", "slack"]


def test_drain_fallback_not_duplicated_when_channel_already_routed(
    db: sqlite_utils.Database, tmp_path: Path
) -> None:
    enqueue(db, 1, channel="epost")
    enqueue(db, 1, channel="slack")
    gone = DeliveryResult(False, 404, "no_service", permanent=True)
    channels = ScriptedChannels({"slack": [gone]})
    drain(db, make_rules(tmp_path), now_fn=Clock(), send=channels)
    assert len(outbox.list_items(db, ["pending", "done"])) == 2  # epost done + the admin report
    assert [name for _, name, _ in channels.sent] == ["epost", "slack"]


def test_drain_gives_up_after_give_up_hours(db: sqlite_utils.Database, tmp_path: Path) -> None:
    item_id = enqueue(db, 1, kommune="4601", channel="teams")
    clock = Clock(NOW + timedelta(hours=6, seconds=1))
    rules = make_rules(tmp_path, give_up_hours=6.0)
    stats = drain(db, rules, now_fn=clock, send=ScriptedChannels({"teams": [BUSY]}))
    assert stats.dead == 1 and state(db, item_id).state == "dead"
    report = outbox.item_by_key(db, f"admin:dead:{item_id}|admin|drift")
    assert report is not None and "Ga opp" in report.message.subject
    assert "Ingen reservekanal" in report.message.body and "Bergen (4601)" in report.message.subject


def test_drain_requeued_item_gets_a_fresh_give_up_clock(db: sqlite_utils.Database, tmp_path: Path) -> None:
    item_id = enqueue(db, 1, kommune="4601", channel="teams")
    outbox.mark_dead(db, item_id, BUSY, NOW)
    clock = Clock(NOW + timedelta(days=3))
    outbox.requeue(db, item_id, clock.now)
    drain(db, make_rules(tmp_path), now_fn=clock, send=ScriptedChannels({"teams": [BUSY]}))
    assert state(db, item_id).state == "pending"


def test_drain_channel_gone_from_rules_is_dead_without_sending(
    db: sqlite_utils.Database, tmp_path: Path
) -> None:
    item_id = enqueue(db, 1, channel="sms")
    channels = ScriptedChannels()
    assert drain(db, make_rules(tmp_path), now_fn=Clock(), send=channels).dead == 1
    item = state(db, item_id)
    assert (item.state, item.attempts, channels.sent) == ("dead", 0, [])
    assert item.last_error is not None and "rules.yaml" in item.last_error
    report = outbox.item_by_key(db, f"admin:dead:{item_id}|admin|drift")
    assert report is not None and "finnes ikke lenger" in report.message.subject


def test_drain_dead_admin_report_is_not_reported_again(db: sqlite_utils.Database, tmp_path: Path) -> None:
    entry = OutboxEntry("admin:dead:7|admin|drift", None, None, "admin", "drift", message("r"))
    outbox.enqueue(db, [entry], now=NOW)
    gone = DeliveryResult(False, 550, "mailbox unavailable", permanent=True)
    drain(db, make_rules(tmp_path), now_fn=Clock(), send=ScriptedChannels({"drift": [gone]}))
    assert outbox.depth(db) == {"pending": 0, "done": 0, "dead": 1, "silenced": 0}


def test_drain_rate_limits_each_target(db: sqlite_utils.Database, tmp_path: Path) -> None:
    ids = [enqueue(db, number) for number in range(3)]
    other = enqueue(db, 9, kommune="4601", channel="teams")
    mail = enqueue(db, 10, channel="epost")
    clock, channels, limiter = Clock(), ScriptedChannels(), RateLimiter()
    stats = drain(db, make_rules(tmp_path), now_fn=clock, send=channels, limiter=limiter)
    assert (stats.sent, stats.deferred) == (3, 2)  # one per Slack target, Teams and email at once
    assert {state(db, i).state for i in (ids[0], other, mail)} == {"done"}
    assert state(db, ids[1]).next_attempt_at == NOW + timedelta(seconds=1)
    assert state(db, ids[1]).attempts == 0
    clock.advance(seconds=1)
    assert drain(db, make_rules(tmp_path), now_fn=clock, send=channels, limiter=limiter).sent == 1
    clock.advance(seconds=1)
    assert drain(db, make_rules(tmp_path), now_fn=clock, send=channels, limiter=limiter).sent == 1
    assert outbox.depth(db)["done"] == 5


def test_drain_failing_channel_does_not_stop_others(db: sqlite_utils.Database, tmp_path: Path) -> None:
    broken = enqueue(db, 1)
    fine = enqueue(db, 2, kommune="4601", channel="teams")
    channels = ScriptedChannels({"slack": [RuntimeError("https://hooks.slack.com/services/SECRET")]})
    stats = drain(db, make_rules(tmp_path), now_fn=Clock(), send=channels)
    assert (stats.sent, stats.retried) == (1, 1)
    assert state(db, fine).state == "done"
    item = state(db, broken)
    assert item.state == "pending" and item.last_error is not None and "SECRET" not in item.last_error


def test_drain_reply_waits_for_parent_then_threads(db: sqlite_utils.Database, tmp_path: Path) -> None:
    parent = enqueue(db, 1)
    parent_key = state(db, parent).idem_key
    child = enqueue(db, 2, thread_key=parent_key)
    channels, clock = ScriptedChannels({"slack": [BUSY]}), Clock()
    rules = make_rules(tmp_path)
    stats = drain(db, rules, now_fn=clock, send=channels, limiter=RateLimiter(0))
    assert (stats.retried, stats.deferred) == (1, 1)
    assert state(db, child).next_attempt_at > state(db, parent).next_attempt_at
    clock.now = state(db, child).next_attempt_at
    drain(db, rules, now_fn=clock, send=channels, limiter=RateLimiter(0))
    assert channels.sent == [
        ("0301", "slack", None),
        ("0301", "slack", None),
        ("0301", "slack", f"ts-{parent}"),
    ]
    assert state(db, child).state == "done"


def test_drain_stop_event_ends_the_round(db: sqlite_utils.Database, tmp_path: Path) -> None:
    enqueue(db, 1)
    stop = threading.Event()
    stop.set()
    channels = ScriptedChannels()
    assert drain(db, make_rules(tmp_path), now_fn=Clock(), send=channels, stop=stop).sent == 0
    assert channels.sent == []


def test_drain_after_restart_sends_what_was_owed(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    first = open_db(path)
    item_id = enqueue(first, 1)
    drain(first, make_rules(tmp_path), now_fn=Clock(), send=ScriptedChannels({"slack": [BUSY]}))
    first.conn.close()
    later = Clock(NOW + timedelta(hours=2))
    again = open_db(path)
    assert drain(again, make_rules(tmp_path), now_fn=later, send=ScriptedChannels()).sent == 1
    assert state(again, item_id).attempts == 2


def test_delay_seconds_bounds_grow_and_cap() -> None:
    rng = random.Random(42)
    for attempts in range(1, 30):
        ceiling = min(CAP_SECONDS, BASE_SECONDS * 2 ** (attempts - 1))
        delays = [delay_seconds(attempts, retry_after=None, rng=rng) for _ in range(50)]
        assert all(MIN_SECONDS <= delay <= ceiling for delay in delays)
    late = [delay_seconds(12, retry_after=None, rng=rng) for _ in range(200)]
    assert max(late) > CAP_SECONDS / 2  # full jitter reaches well into the capped range


def test_next_attempt_is_deterministic_and_honours_retry_after() -> None:
    first = next_attempt(3, NOW, retry_after=None, rng=random.Random(7))
    assert first == next_attempt(3, NOW, retry_after=None, rng=random.Random(7))
    assert next_attempt(1, NOW, retry_after=900.0, rng=random.Random(7)) == NOW + timedelta(seconds=900)
    assert next_attempt(1, NOW, retry_after=10**9, rng=random.Random(7)) == NOW + timedelta(days=1)


def test_should_give_up_after_hours() -> None:
    assert not should_give_up(NOW, NOW + timedelta(hours=23, minutes=59), 24)
    assert should_give_up(NOW, NOW + timedelta(hours=24), 24)
    assert should_give_up(NOW, NOW, 0)


def test_outbox_command_lists_and_retries(
    db: sqlite_utils.Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dead = enqueue(db, 1)
    done = enqueue(db, 2)
    outbox.mark_dead(db, dead, DeliveryResult(False, 410, "channel_is_archived", permanent=True), NOW)
    outbox.mark_done(db, done, OK, NOW)
    path = str(tmp_path / "d.db")
    assert main(["outbox", "--db", path]) == 0
    listing = capsys.readouterr().out
    assert "channel_is_archived" in listing and f"{dead:>5}  dead" in listing and "  done" not in listing
    assert main(["outbox", "--db", path, "--state", "all"]) == 0
    assert "  done" in capsys.readouterr().out
    assert main(["outbox", "retry", str(done), "--db", path]) == 1
    assert "is done" in capsys.readouterr().err
    assert main(["outbox", "--db", path, "retry", str(dead)]) == 0
    assert state(db, dead).state == "pending"
    assert main(["outbox", "retry", "--db", path]) == 1  # neither id nor --all
    assert main(["outbox", "--db", str(tmp_path / "missing.db")]) == 1
    assert not (tmp_path / "missing.db").exists()


# -- through the real senders to the local receivers ------------------------------------------


@pytest.fixture
def receivers() -> Iterator[tuple[SlackReceiver, SmtpReceiver]]:
    with SlackReceiver(
        channels=frozenset({"C0KOMMUNE", "C0ARKIV"}), archived=frozenset({"C0ARKIV"})
    ) as slack:
        with SmtpReceiver() as smtp:
            yield slack, smtp


def real_rules(tmp_path: Path, slack: SlackReceiver, smtp: SmtpReceiver) -> Rules:
    channels = (
        ChannelConfig("bot", "slack_bot", secret="env:TEST_SLACK_TOKEN", target="C0KOMMUNE"),
        ChannelConfig(
            "arkiv", "slack_bot", secret="env:TEST_SLACK_TOKEN", target="C0ARKIV", fallback="epost"
        ),
        ChannelConfig("hook", "slack_webhook", secret="env:TEST_SLACK_HOOK"),
        ChannelConfig("epost", "email", to=("it@oslo.test",)),
    )
    settings = Settings(
        state_dir=tmp_path,
        database=tmp_path / "d.db",
        slack_api_url=slack.api_url,
        smtp=SmtpConfig(host="127.0.0.1", port=smtp.port, security="none", sender="driftsvarsel@test.local"),
    )
    admin = (ChannelConfig("drift", "email", to=("drift@test.local",)),)
    kommune = KommuneConfig("0301", "Oslo", (), ("inntekt",), channels)
    return Rules(tmp_path / "rules.yaml", settings, (), (kommune,), admin)


@pytest.fixture
def secrets_env(monkeypatch: pytest.MonkeyPatch, receivers: tuple[SlackReceiver, SmtpReceiver]) -> None:
    slack, _ = receivers
    monkeypatch.setenv("TEST_SLACK_TOKEN", slack.token)
    monkeypatch.setenv("TEST_SLACK_HOOK", slack.webhook_url)


@pytest.mark.usefixtures("secrets_env")
def test_drain_real_slack_bot_reply_is_threaded(
    db: sqlite_utils.Database, tmp_path: Path, receivers: tuple[SlackReceiver, SmtpReceiver]
) -> None:
    slack, smtp = receivers
    parent = enqueue(db, 1, channel="bot")
    child = enqueue(db, 2, channel="bot", thread_key=state(db, parent).idem_key)
    clock = Clock()
    rules = real_rules(tmp_path, slack, smtp)
    assert drain(db, rules, now_fn=clock).sent == 1  # the reply waits for the rate limit
    clock.now = state(db, child).next_attempt_at
    assert drain(db, rules, now_fn=clock).sent == 1
    first, reply = slack.received()
    assert (first.thread_ts, reply.thread_ts) == (None, first.ts)
    assert state(db, parent).thread_ref == first.ts


@pytest.mark.usefixtures("secrets_env")
def test_drain_real_webhook_429_is_retried_after_retry_after(
    db: sqlite_utils.Database, tmp_path: Path, receivers: tuple[SlackReceiver, SmtpReceiver]
) -> None:
    slack, smtp = receivers
    item_id = enqueue(db, 1, channel="hook")
    slack.fail(429, retry_after=120)
    clock, rules = Clock(), real_rules(tmp_path, slack, smtp)
    assert drain(db, rules, now_fn=clock).retried == 1
    item = state(db, item_id)
    assert item.next_attempt_at >= NOW + timedelta(seconds=120) and item.last_status == 429
    clock.now = item.next_attempt_at
    assert drain(db, rules, now_fn=clock).sent == 1
    assert [message.path for message in slack.received()] == [slack.webhook_path]


@pytest.mark.usefixtures("secrets_env")
def test_drain_real_archived_channel_falls_back_to_email_and_tells_admin(
    db: sqlite_utils.Database, tmp_path: Path, receivers: tuple[SlackReceiver, SmtpReceiver]
) -> None:
    slack, smtp = receivers
    item_id = enqueue(db, 1, channel="arkiv")
    rules = real_rules(tmp_path, slack, smtp)
    assert drain(db, rules, now_fn=Clock()).dead == 1
    assert drain(db, rules, now_fn=Clock()).sent == 2
    mails = {mail.rcpt_tos: mail.message for mail in smtp.received()}
    assert mails[("it@oslo.test",)]["Subject"] == "s1"
    report = mails[("drift@test.local",)].get_body(("plain",))
    assert report is not None and f"driftsvarsel outbox retry {item_id}" in report.get_content()
    assert slack.received() == []


@pytest.mark.usefixtures("secrets_env")
def test_drain_real_email_reply_has_in_reply_to(
    db: sqlite_utils.Database, tmp_path: Path, receivers: tuple[SlackReceiver, SmtpReceiver]
) -> None:
    slack, smtp = receivers
    parent = enqueue(db, 1, channel="epost")
    enqueue(db, 2, channel="epost", thread_key=state(db, parent).idem_key)
    assert drain(db, real_rules(tmp_path, slack, smtp), now_fn=Clock()).sent == 2
    first, reply = (mail.message for mail in smtp.received())
    assert reply["In-Reply-To"] == first["Message-ID"] == "<s1@t>"


def test_drain_real_missing_secret_is_retried_not_leaked(
    db: sqlite_utils.Database,
    tmp_path: Path,
    receivers: tuple[SlackReceiver, SmtpReceiver],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slack, smtp = receivers
    monkeypatch.delenv("TEST_SLACK_HOOK", raising=False)
    item_id = enqueue(db, 1, channel="hook")
    assert drain(db, real_rules(tmp_path, slack, smtp), now_fn=Clock()).retried == 1
    item = state(db, item_id)
    assert item.last_error is not None and "TEST_SLACK_HOOK" in item.last_error
