"""Notice text is inert in every channel, end to end: a hostile feed entry goes through poll →
outbox → the real senders → loopback receivers, and each receiver gets plain, escaped text.

tests/test_injection.py checks each sender with a rendered message; this one starts from the
feed, so the atom parser, the classifier, the router and the renderer are in the path too.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feedrun import atom_entry, fixed, poll_new_entry

from monitor.config.load import load_rules
from monitor.deliver.worker import drain
from monitor.demo.localserver import LocalServer
from monitor.demo.receivers import SlackReceiver, SmtpReceiver, TeamsReceiver
from monitor.demo.replay import FEED_PATH
from monitor.store import open_db

START = datetime(2024, 1, 29, 9, 0, tzinfo=UTC)
LINK = "https://skatteetaten.github.io/api-dokumentasjon/nyheter-og-driftsvarsler/2024/01/29/injection"
EVIL = "https://evil.example"
JSON_BREAK = '"}]}, {"type":"Action.OpenUrl","url":"https://evil.example"}'
#: Title and content as the feed carries them (HTML); escaped markup arrives as literal text.
TITLE = "Driftsproblemer på alle våre delingstjenester &lt;!channel&gt; @here &lt;script&gt;x&lt;/script&gt;"
CONTENT = (
    "<p>Vi undersøker saken. Hei &lt;!channel&gt; og @here og &lt;!everyone&gt; og &lt;@U024BE7LH&gt;.</p>"
    "<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt;</p>"
    f'<p>Se [klikk]({EVIL}) eller <a href="{EVIL}">her</a> eller &lt;{EVIL}|klikk her&gt;.</p>'
    f"<p>{JSON_BREAK}</p>"
)
ENTRY = atom_entry(LINK, TITLE, CONTENT)
RULES = """\
settings:
  state_dir: {state_dir}
  slack_api_url: {slack_api}
  smtp: {{host: 127.0.0.1, port: {smtp_port}, security: none, sender: driftsvarsel@test.localhost}}
sources:
  - {{name: nyheter-atom, kind: atom, url: "{feed}", interval_seconds: 1}}
kommuner:
  - kommunenummer: "0301"
    apis: ["*"]
    channels:
      - {{name: slack, kind: slack_webhook, webhook: "env:INJECTION_SLACK"}}
      - {{name: teams, kind: teams, webhook: "env:INJECTION_TEAMS"}}
      - {{name: epost, kind: email, to: [drift@oslo.test.localhost]}}
  - kommunenummer: "4601"
    apis: ["*"]
    channels:
      - {{name: bot, kind: slack_bot, token: "env:INJECTION_BOT", channel: C0INJECT}}
admin:
  - {{name: epost, kind: email, to: [admin@test.localhost]}}
"""
SLACK_LIVE = ("<!channel>", "<!here>", "<!everyone>", "<@U024BE7LH>", "<script", "<img", "<https://evil")


def test_hostile_feed_entry_arrives_inert_in_every_channel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_dir: Path
) -> None:
    schema = real_dir / "data" / "adaptive-card-1.5.schema.json"
    with (
        LocalServer() as feed,
        SlackReceiver(token="xoxb-injection-token") as slack,
        TeamsReceiver(schema_path=schema) as teams,
        SmtpReceiver() as smtp,
    ):
        monkeypatch.setenv("INJECTION_SLACK", slack.webhook_url)
        monkeypatch.setenv("INJECTION_TEAMS", teams.url)
        monkeypatch.setenv("INJECTION_BOT", "xoxb-injection-token")
        path = tmp_path / "rules.yaml"
        path.write_text(
            RULES.format(
                state_dir=tmp_path / "state",
                slack_api=slack.api_url,
                smtp_port=smtp.port,
                feed=feed.url(FEED_PATH),
            ),
            encoding="utf-8",
        )
        rules = load_rules(path)
        db = open_db(rules.settings.database)
        _, report = poll_new_entry(db, rules, rules.sources[0], feed, ENTRY, START)
        assert len(report.alerts) == 4, report
        stats = drain(db, rules, now_fn=fixed(START + timedelta(minutes=2)))
        assert stats.sent == 4, (stats, slack.rejections, teams.rejections)

        slack_messages = slack.received()
        teams_messages = teams.received()
        mails = smtp.received()

    assert len(slack_messages) == 2  # webhook and bot
    for message in slack_messages:
        raw = json.dumps(message.payload, ensure_ascii=False)
        for live in SLACK_LIVE:
            assert live not in raw, f"{live!r} reached Slack unescaped"
        assert "&lt;!channel&gt;" in raw and "&lt;script&gt;" in raw
        assert "link_names" not in message.payload and "parse" not in message.payload
        links = re.findall(r"<(https?://[^|>]+)\|", json.dumps(message.blocks))
        assert set(links) == {LINK}, links  # the only link Slack renders is the notice's

    (card_message,) = teams_messages
    card = card_message.card
    assert (
        list(card_message.payload) == ["type", "attachments"]
        and len(card_message.payload["attachments"]) == 1
    )
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Åpne varselet", "url": LINK}]
    assert all(element["type"] in ("TextBlock", "FactSet") for element in card["body"])
    texts = " ".join(str(element.get("text", "")) for element in card["body"])
    assert "@here" in texts and "klikk" in texts  # the hostile text did arrive, as text
    assert not re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(", texts)  # no markdown link left
    assert JSON_BREAK not in card_message.raw.decode("utf-8")

    (mail,) = mails
    html_part = mail.message.get_body(("html",))
    assert html_part is not None
    html = html_part.get_content()
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert re.findall(r"<a\s[^>]*href=\"([^\"]+)\"", html) == [LINK]
    assert "\n" not in str(mail.message["Subject"]) and mail.message["Bcc"] is None
    assert mail.rcpt_tos == ("drift@oslo.test.localhost",)
