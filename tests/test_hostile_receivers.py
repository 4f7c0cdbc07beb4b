"""Receivers that misbehave (issue 13, row 3): a 500 whose body quotes the request URL.

The Slack webhook path and the Teams `sig=` are secrets. Whatever a receiver echoes is masked
before it is logged, stored in the outbox (`last_error`, the attempt ledger), printed by
`driftsvarsel outbox`, or sent to the admin route in the dead-letter report.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

from monitor.config.types import ChannelConfig, KommuneConfig, Rules, Settings, SmtpConfig
from monitor.deliver.listing import format_items
from monitor.deliver.worker import drain
from monitor.demo.receivers import SlackReceiver, SmtpReceiver, TeamsReceiver
from monitor.model import Message
from monitor.redact import MASK
from monitor.store import open_db, outbox
from monitor.store.outbox import OutboxEntry

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
SLACK_SECRET = "hostilewebhooksecret0123456789"
TEAMS_SIG = "hostile-teams-signature-0123456789"


@pytest.fixture
def receivers() -> Iterator[tuple[SlackReceiver, TeamsReceiver, SmtpReceiver]]:
    with SlackReceiver(webhook_path=f"/services/T0HOSTILE/B0HOSTILE/{SLACK_SECRET}") as slack:
        with TeamsReceiver(sig=TEAMS_SIG) as teams, SmtpReceiver() as smtp:
            yield slack, teams, smtp


def rules_for(tmp_path: Path, smtp: SmtpReceiver) -> Rules:
    channels = (
        ChannelConfig("hook", "slack_webhook", secret="env:HOSTILE_SLACK_HOOK"),
        ChannelConfig("teams", "teams", secret="env:HOSTILE_TEAMS"),
    )
    settings = Settings(
        state_dir=tmp_path,
        database=tmp_path / "d.db",
        smtp=SmtpConfig(host="127.0.0.1", port=smtp.port, security="none", sender="driftsvarsel@test.local"),
    )
    admin = (ChannelConfig("drift", "email", to=("drift@test.local",)),)
    return Rules(
        tmp_path / "rules.yaml",
        settings,
        (),
        (KommuneConfig("0301", "Oslo", (), ("inntekt",), channels),),
        admin,
    )


def enqueue(db: sqlite_utils.Database, channel: str) -> int:
    message = Message(
        "Feil i Inntekt API", "Feil", (("Kategori", "Feil"),), "tekst", None, "f", f"<{channel}@t>"
    )
    entry = OutboxEntry(f"feed:1#v1|0301|{channel}", "feed:1", 1, "0301", channel, message)
    [item_id] = outbox.enqueue(db, [entry], now=NOW)
    return item_id


def test_drain_receiver_500_quoting_the_url_never_stores_logs_or_sends_the_secret(
    tmp_path: Path,
    receivers: tuple[SlackReceiver, TeamsReceiver, SmtpReceiver],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    slack, teams, smtp = receivers
    monkeypatch.setenv("HOSTILE_SLACK_HOOK", slack.webhook_url)
    monkeypatch.setenv("HOSTILE_TEAMS", teams.url)
    # Each answers 500 and quotes what it was asked, as a proxy's error page does.
    slack.fail(500, times=5, body=f"upstream error for POST {slack.webhook_url}")
    teams.fail(500, times=5, body=json.dumps({"error": "flow failed", "request": teams.url}))
    rules = rules_for(tmp_path, smtp)
    db = open_db(rules.settings.database)
    ids = [enqueue(db, "hook"), enqueue(db, "teams")]
    clock = [NOW]
    caplog.set_level(logging.INFO)
    assert drain(db, rules, now_fn=lambda: clock[0]).retried == 2
    clock[0] = NOW + timedelta(hours=rules.settings.give_up_hours + 1)
    assert drain(db, rules, now_fn=lambda: clock[0]).dead == 2
    clock[0] += timedelta(minutes=1)
    assert drain(db, rules, now_fn=lambda: clock[0]).sent == 2  # the two dead-letter reports

    items = [outbox.get_item(db, item_id) for item_id in ids]
    errors = [item.last_error or "" for item in items if item is not None]
    assert len(errors) == 2 and all(MASK in error and "HTTP 500" in error for error in errors)
    ledger = " ".join(str(row[0]) for row in db.execute("SELECT detail FROM delivery_attempts").fetchall())
    printed = "\n".join(format_items([item for item in items if item is not None]))
    reports = [mail.message.get_body(("plain",)) for mail in smtp.received()]
    assert len(reports) == 2
    # httpx's own request log is silenced by monitor.service.logsetup (QUIET_LOGGERS); ours is checked.
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("monitor."))
    mailed = " ".join(part.get_content() for part in reports if part is not None)
    assert "HTTP 500" in mailed
    for where, text in {
        "outbox": " ".join(errors),
        "ledger": ledger,
        "printed": printed,
        "mail": mailed,
        "log": ours,
    }.items():
        for secret in (SLACK_SECRET, TEAMS_SIG):
            assert secret not in text, f"{secret} in the {where}"


def test_render_admin_masks_a_registered_secret_in_subject_and_text() -> None:
    from monitor.deliver.render import render_admin
    from monitor.redact import register_secret

    url = "https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=adminsigsecret99"
    register_secret(url)
    message = render_admin(f"Kanal feilet: {url}", f"Svar: 500 {url}", "admin:k")
    assert "adminsigsecret99" not in message.subject + message.headline + message.body
    assert MASK in message.body
