"""Quiet hours and digests end to end: held alerts wait in the outbox across a restart and a
public holiday, then reach the real Slack, Teams and SMTP receivers once each; a digest is one
message. Every clock is fixed."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from feedrun import drain_until_quiet

from monitor.config.load import check_rules, load_rules
from monitor.config.types import Rules
from monitor.deliver.held import hold_alerts
from monitor.deliver.render import render_alert
from monitor.demo.receivers import SlackReceiver, SmtpReceiver, TeamsReceiver
from monitor.model import Alert, Change, Classification, Notice
from monitor.route.recipients import route
from monitor.store import held as held_store
from monitor.store import notices as notice_store
from monitor.store import open_db, outbox

OSLO = ZoneInfo("Europe/Oslo")
#: Sunday 16 May 2027, 23:00: the night before 17 May (a Monday).
EVENING = datetime(2027, 5, 16, 23, 0, tzinfo=OSLO)
RULES = """\
settings:
  state_dir: {state_dir}
  smtp: {{host: 127.0.0.1, port: {smtp_port}, security: none, sender: driftsvarsel@test.localhost}}
kommuner:
  - kommunenummer: "4621"
    målform: nn
    apis: ["*"]
    channels:
      - {{name: slack, kind: slack_webhook, webhook: "env:HELD_SLACK", digest: "daily 07:30"}}
      - {{name: teams, kind: teams, webhook: "env:HELD_TEAMS", quiet_hours: "22:00-07:00"}}
      - {{name: epost, kind: email, to: [drift@voss.test.localhost]}}
"""
TITLES = ("Ny versjon av Inntekt API", "Endringar i dokumentasjonen", "Nytt felt i Summert skattegrunnlag")


def _alerts(rules: Rules, category: str, title: str, number: int) -> list[Alert]:
    notice = Notice(
        "nyheter-atom", f"n{number}", title, f"Tekst {number}.", f"https://skatteetaten.no/n{number}"
    )
    classification = Classification(category, None, ("*",), "prod", None)  # type: ignore[arg-type]
    return route(Change("new", notice, 1), classification, rules)


def _queue(db: object, rules: Rules, alerts: list[Alert], now: datetime) -> None:
    pairs = [(alert, render_alert(alert)) for alert in alerts]
    notice_store.commit_poll(db, "nyheter-atom", [], {}, pairs, now)  # type: ignore[arg-type]
    hold_alerts(db, rules, alerts, now)  # type: ignore[arg-type]


def test_held_alerts_survive_a_restart_and_17_may_then_go_out_once_and_the_digest_is_one_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SlackReceiver() as slack, TeamsReceiver() as teams, SmtpReceiver() as smtp:
        monkeypatch.setenv("HELD_SLACK", slack.webhook_url)
        monkeypatch.setenv("HELD_TEAMS", teams.url)
        path = tmp_path / "rules.yaml"
        path.write_text(RULES.format(state_dir=tmp_path / "state", smtp_port=smtp.port), encoding="utf-8")
        rules = load_rules(path)
        db = open_db(rules.settings.database)
        alerts = [a for number, t in enumerate(TITLES) for a in _alerts(rules, "info", t, number)]
        alerts += _alerts(rules, "error", "Driftsproblem i Inntekt API", 9)
        _queue(db, rules, alerts, EVENING)
        # At once: the error on all three channels, and the infos by email (no schedule there).
        assert drain_until_quiet(db, rules, EVENING) == 6
        assert (len(slack.received()), len(teams.received()), len(smtp.received())) == (1, 1, 4)

        db = open_db(rules.settings.database)  # a restart: a new process, the same file
        assert drain_until_quiet(db, rules, datetime(2027, 5, 17, 12, 0, tzinfo=OSLO)) == 0  # 17 May
        assert drain_until_quiet(db, rules, datetime(2027, 5, 18, 7, 0, tzinfo=OSLO)) == 3  # Teams
        assert (len(slack.received()), len(teams.received())) == (1, 4)
        assert drain_until_quiet(db, rules, datetime(2027, 5, 18, 7, 30, tzinfo=OSLO)) == 1  # one digest
        assert drain_until_quiet(db, rules, datetime(2027, 5, 19, 7, 30, tzinfo=OSLO)) == 0
        assert outbox.depth(db) == {"pending": 0, "done": 12, "dead": 0, "silenced": 0}
        slack_messages, teams_messages = slack.received(), teams.received()

    assert len(slack_messages) == 2 and len(teams_messages) == 4
    digest = slack_messages[1]
    assert digest.text == "[Driftsvarsel] Samlevarsel: 3 varsel"
    blocks = json.dumps(digest.blocks, ensure_ascii=False)
    for title in TITLES:
        assert blocks.count(f"[Driftsvarsel] Informasjon: {title}") == 1
    assert "Samlevarsel: 3 varsel frå Skatteetaten" in blocks and "blir samla i eitt varsel" in blocks
    held_ids = [row[0] for row in db.execute("SELECT outbox_id FROM held ORDER BY outbox_id")]
    assert len(held_ids) == 6
    assert {held_store.held_kind(db, item_id) for item_id in held_ids} == {"digest", "quiet"}


def test_hold_alerts_twice_holds_each_alert_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELD_SLACK", "https://hooks.slack.com/services/T0/B0/x")
    monkeypatch.setenv("HELD_TEAMS", "https://example.logic.azure.com/workflows/x")
    path = tmp_path / "rules.yaml"
    path.write_text(RULES.format(state_dir=tmp_path / "state", smtp_port=2525), encoding="utf-8")
    rules = load_rules(path, environ={})
    db = open_db(rules.settings.database)
    alerts = _alerts(rules, "api_change", TITLES[0], 1)
    _queue(db, rules, alerts, EVENING)
    assert hold_alerts(db, rules, alerts, EVENING + timedelta(minutes=5)) == 0
    (item,) = [item for item in outbox.list_items(db) if item.channel == "slack"]
    assert item.next_attempt_at == datetime(2027, 5, 18, 7, 30, tzinfo=OSLO)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('quiet_hours: "22-07"', "kommuner[0].channels[0].quiet_hours: '22-07' is not a time range"),
        ('quiet_hours: "07:00-07:00"', "the quiet hours start and end at the same time"),
        ('digest: "07:30"', "kommuner[0].channels[0].digest: '07:30' is not a digest time"),
        ("urgent_categories: [downtime, info]", "error must always go out at once"),
    ],
)
def test_check_rules_bad_schedule_names_line_and_path(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        textwrap.dedent(f"""\
            settings:
              smtp: {{host: mail.example, sender: driftsvarsel@example.no}}
            kommuner:
              - kommunenummer: "4621"
                apis: [inntekt]
                channels:
                  - name: epost
                    kind: email
                    to: [drift@voss.example]
                    {line}
            """),
        encoding="utf-8",
    )
    (found,) = check_rules(path, environ={})
    assert found.startswith(f"{path}:10: ") and problem in found, found
