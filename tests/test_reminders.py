"""Reminders while an outage lasts: "[Fortsatt]"/"[Framleis]" replies in the incident's thread
per `remind_after` of working time, to the real Slack and SMTP receivers, on a fixed clock; none
at night, at weekends or on 17 May, none twice, none after the resolution or the window's end."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlite_utils
from feedrun import drain_until_quiet

from monitor.config.load import load_rules
from monitor.config.types import Rules
from monitor.deliver.reminders import duration_text, queue_reminders, resolution_span, with_duration
from monitor.deliver.render import render_alert
from monitor.demo.receivers import SlackReceiver, SmtpReceiver
from monitor.model import Alert, Category, Change, Classification, Notice, Window
from monitor.route.recipients import route
from monitor.store import notices as notice_store
from monitor.store import open_db, outbox

OSLO = ZoneInfo("Europe/Oslo")
#: Friday 14 May 2027, 14:00; Monday 17 May is Constitution Day.
OPENED = datetime(2027, 5, 14, 14, 0, tzinfo=OSLO)
RULES = """\
settings:
  state_dir: {state_dir}
  slack_api_url: {slack_api}
  smtp: {{host: 127.0.0.1, port: {smtp_port}, security: none, sender: driftsvarsel@test.localhost}}
kommuner:
  - kommunenummer: "4621"
    målform: nn
    apis: ["*"]
    channels:
      - {{name: bot, kind: slack_bot, token: "env:REMIND_BOT", channel: C0VOSS}}
  - kommunenummer: "0301"
    apis: ["*"]
    channels:
      - {{name: epost, kind: email, to: [drift@oslo.test.localhost]}}
"""


def oslo(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=OSLO)


def _commit(
    db: sqlite_utils.Database,
    rules: Rules,
    notice_id: str,
    category: Category,
    now: datetime,
    *,
    window: Window | None = None,
    thread_under: dict[str, str] | None = None,
) -> list[Alert]:
    notice = Notice("status", notice_id, f"Driftsproblem {notice_id}", "Vi undersøkjer.", "", published=now)
    classification = Classification(
        category, False if category == "downtime" else None, ("*",), "prod", window
    )
    alerts = route(Change("new", notice, 1), classification, rules)
    if thread_under is not None:
        alerts = [replace(alert, thread_key=thread_under[alert.kommune_number]) for alert in alerts]
    pairs = [(alert, render_alert(alert)) for alert in alerts]
    change = Change("new", notice, 1)
    notice_store.commit_poll(db, "status", [change], {notice_id: classification}, pairs, now)
    return alerts


def _deliver(db: sqlite_utils.Database, rules: Rules, now: datetime) -> int:
    queue_reminders(db, rules, now)
    return drain_until_quiet(db, rules, now)


def test_open_error_gets_one_reminder_per_four_working_hours_in_its_thread_until_resolved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SlackReceiver(token="xoxb-remind") as slack, SmtpReceiver() as smtp:
        monkeypatch.setenv("REMIND_BOT", "xoxb-remind")
        path = tmp_path / "rules.yaml"
        path.write_text(
            RULES.format(state_dir=tmp_path / "state", slack_api=slack.api_url, smtp_port=smtp.port),
            encoding="utf-8",
        )
        rules = load_rules(path)
        db = open_db(rules.settings.database)
        opening = _commit(db, rules, "a1", "error", OPENED)
        assert _deliver(db, rules, OPENED) == 2
        # Friday 15:59 (1 h 59 min), Saturday, and 17 May: nothing.
        for moment in (oslo(5, 14, 15, 59), oslo(5, 15, 12), oslo(5, 17, 10)):
            assert _deliver(db, rules, moment) == 0, moment
        # Tuesday 10:00: Friday 14-16 and Tuesday 08-10 make four working hours.
        assert _deliver(db, rules, oslo(5, 18, 10)) == 2
        assert _deliver(db, rules, oslo(5, 18, 10, 30)) == 0  # the same interval: not again
        db = open_db(rules.settings.database)  # a restart
        assert _deliver(db, rules, oslo(5, 18, 13, 59)) == 0
        assert _deliver(db, rules, oslo(5, 18, 14)) == 2  # eight working hours
        assert _deliver(db, rules, oslo(5, 18, 20)) == 0  # evening
        parents = {alert.kommune_number: alert.key for alert in opening}
        _commit(db, rules, "a2", "resolved", oslo(5, 18, 15, 20), thread_under=parents)
        assert _deliver(db, rules, oslo(5, 18, 15, 21)) == 2  # the resolutions
        assert _deliver(db, rules, oslo(5, 19, 14)) == 0  # resolved: no more reminders
        posts, mails = slack.received(), smtp.received()

    assert [post.text for post in posts] == [
        "[Driftsvarsel] Feil: Driftsproblem a1",
        "[Framleis] Feil: Driftsproblem a1",
        "[Framleis] Feil: Driftsproblem a1",
        "[Løyst] Driftsproblem a2",
    ]
    assert [post.thread_ts for post in posts[1:]] == [posts[0].ts] * 3
    assert "Varsla 14.05. 14:00; har vart i 92 t 0 min" in str(posts[1].blocks)
    subjects = [str(mail.message["Subject"]) for mail in mails]
    assert subjects == [
        "[Driftsvarsel] Feil: Driftsproblem a1",
        "[Fortsatt] Feil: Driftsproblem a1",
        "[Fortsatt] Feil: Driftsproblem a1",
        "[Løst] Driftsproblem a2",
    ]
    first_id = mails[0].message["Message-ID"]
    assert [mail.message["In-Reply-To"] for mail in mails[1:]] == [first_id] * 3


def test_reminders_stop_when_the_announced_window_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REMIND_BOT", "xoxb-remind")
    path = tmp_path / "rules.yaml"
    path.write_text(
        RULES.format(state_dir=tmp_path / "s", slack_api="http://127.0.0.1:9/", smtp_port=9), "utf-8"
    )
    rules = load_rules(path)
    db = open_db(rules.settings.database)
    alerts = _commit(
        db, rules, "w1", "downtime", OPENED, window=Window("2027-05-14T14:00", "2027-05-18T12:00")
    )
    for alert in alerts:
        item = outbox.item_by_key(db, alert.key)
        assert item is not None
        db.execute(
            "UPDATE outbox SET state = 'done', delivered_at = ? WHERE id = ?",
            ["2027-05-14T12:00:00Z", item.id],
        )
    assert queue_reminders(db, rules, oslo(5, 18, 10)) == 2  # four working hours, window still on
    assert queue_reminders(db, rules, oslo(5, 18, 14)) == 0  # eight, but the window ended at 12:00


def test_with_duration_says_how_long_it_lasted_in_both_languages() -> None:
    alert = _alert_for_duration()
    message = render_alert(alert)
    lasted = with_duration(message, OPENED, OPENED + timedelta(hours=3, minutes=20))
    assert lasted.headline == "Løst: Driftsproblem (varte i 3 t 20 min)"
    nynorsk = with_duration(
        render_alert(replace(alert, language="nn")), OPENED, OPENED + timedelta(minutes=45)
    )
    assert nynorsk.headline == "Løyst: Driftsproblem (varte i 45 min)"
    assert duration_text(timedelta(seconds=-5), "nb") == "0 min"


def _alert_for_duration() -> Alert:
    notice = Notice("status", "r", "Driftsproblem", "Løst.", "")
    classification = Classification("resolved", None, ("*",), "prod", None)
    return Alert("status:r#v1|0301|epost", "0301", "Oslo", "epost", Change("new", notice, 1), classification)


def test_resolution_span_edited_incident_and_threaded_resolution() -> None:
    alert = _alert_for_duration()
    published = OPENED + timedelta(hours=3, minutes=20)
    threaded = replace(alert, change=Change("new", replace(alert.change.notice, published=published), 1))
    assert resolution_span(threaded, OPENED) == (OPENED, published)
    assert resolution_span(threaded, None) is None
    assert resolution_span(threaded, published - timedelta(seconds=30)) is None  # under a minute
    edited_notice = replace(alert.change.notice, published=OPENED, updated=OPENED + timedelta(minutes=75))
    edited = replace(alert, change=Change("edited", edited_notice, 2, previous=alert.change.notice))
    assert resolution_span(edited, None) == (OPENED, OPENED + timedelta(minutes=75))
    error = replace(threaded, classification=replace(alert.classification, category="error"))
    assert resolution_span(error, OPENED) is None
