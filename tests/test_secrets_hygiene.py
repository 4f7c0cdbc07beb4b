"""Secrets never appear in logs, database rows or alert text; webhook URLs must be https.

One full run with known secret values: a poll of a loopback feed, then deliveries to a Slack
webhook that accepts, one that answers 500 (retried), one that answers 404 (dead, admin told,
fallback used), a Slack bot, a Teams Workflows URL, email with SMTP AUTH, and a channel whose
secret is missing. Logging is configured by `monitor.service.logsetup.configure_logging` at DEBUG (so
httpx and friends log their requests too) into a buffer. Then the log, the raw bytes of the
database file and its -wal, and everything the receivers got are searched for every secret.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from feedrun import atom_entry, fixed, poll_new_entry

from monitor.config.load import load_rules
from monitor.config.types import ChannelConfig, Settings
from monitor.deliver import SENDERS, DeliveryContext
from monitor.deliver.worker import drain
from monitor.demo.localserver import LocalServer
from monitor.demo.receivers import SlackReceiver, SmtpReceiver, TeamsReceiver
from monitor.demo.replay import FEED_PATH
from monitor.model import Message
from monitor.redact import forget_secrets
from monitor.service.logsetup import configure_logging
from monitor.store import open_db

START = datetime(2024, 1, 29, 9, 0, tzinfo=UTC)
SLACK_OK_PATH = "/services/T0HYGIENE/B0OK/okWebhookTOKEN7f3a9c1e5b"
SLACK_500_PATH = "/services/T0HYGIENE/B0FAIL/failingWebhookTOKEN2d8e4f6a"
SLACK_404_PATH = "/services/T0HYGIENE/B0GONE/goneWebhookTOKEN9b1c3d5e"
TEAMS_SIG = "teamsSIGsecret4k8m2p6r0t"
BOT_TOKEN = "xoxb-hygiene-BOTsecret-5q7w9e1r3t"
SMTP_USER = "driftsvarsel"
SMTP_PASSWORD = "smtpPASSWORDsecret-6y8u0i2o"
#: A notice about "alle våre delingstjenester": error, apis ["*"], so every kommune gets it.
ENTRY = atom_entry(
    "https://skatteetaten.github.io/api-dokumentasjon/nyheter-og-driftsvarsler/2024/01/29/hygiene",
    "Driftsproblemer på alle våre delingstjenester",
    "<p>Vi har driftsproblemer på alle våre delingstjenester.\nVi undersøker saken.</p>",
)

RULES = """\
settings:
  state_dir: {state_dir}
  slack_api_url: {slack_api}
  smtp:
    host: 127.0.0.1
    port: {smtp_port}
    security: none
    username: {smtp_user}
    password: env:HYGIENE_SMTP_PASSWORD
    sender: driftsvarsel@test.localhost
sources:
  - {{name: nyheter-atom, kind: atom, url: "{feed}", interval_seconds: 1}}
kommuner:
  - kommunenummer: "0301"
    apis: ["*"]
    channels:
      - {{name: slack, kind: slack_webhook, webhook: "env:HYGIENE_SLACK_OK"}}
      - {{name: teams, kind: teams, webhook: "env:HYGIENE_TEAMS"}}
      - {{name: epost, kind: email, to: [drift@oslo.test.localhost]}}
  - kommunenummer: "4601"
    apis: ["*"]
    channels:
      - {{name: slack, kind: slack_webhook, webhook: "env:HYGIENE_SLACK_500"}}
      - {{name: bot, kind: slack_bot, token: "env:HYGIENE_BOT", channel: C0HYGIENE}}
  - kommunenummer: "5501"
    apis: ["*"]
    channels:
      - {{name: slack, kind: slack_webhook, webhook: "env:HYGIENE_SLACK_404", fallback: epost}}
      - {{name: teams, kind: teams, webhook: "env:HYGIENE_MISSING_SECRET"}}
      - {{name: epost, kind: email, to: [drift@tromso.test.localhost]}}
admin:
  - {{name: epost, kind: email, to: [admin@test.localhost]}}
"""


@pytest.fixture
def log_buffer() -> Iterator[io.StringIO]:
    """Logging configured the production way into a buffer; restored afterwards."""
    root = logging.getLogger()
    level = root.level
    buffer = io.StringIO()
    handler = configure_logging("text", "DEBUG", environ={}, stream=buffer)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(level)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.NOTSET)
    forget_secrets()


def secret_values(slack_ok: str, slack_500: str, slack_404: str, teams: str) -> list[str]:
    """Every secret, whole and by its distinctive part (a path or token may be logged alone)."""
    whole = [slack_ok, slack_500, slack_404, teams, BOT_TOKEN, SMTP_PASSWORD]
    parts = [SLACK_OK_PATH, SLACK_500_PATH, SLACK_404_PATH, TEAMS_SIG]
    tokens = [path.rsplit("/", 1)[1] for path in parts[:3]]
    return whole + parts + tokens + [quote(value, safe="") for value in whole]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_secrets_never_appear_in_log_database_or_alert_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, log_buffer: io.StringIO
) -> None:
    with (
        LocalServer() as feed,
        SlackReceiver(webhook_path=SLACK_OK_PATH, token=BOT_TOKEN) as slack,
        SlackReceiver(webhook_path=SLACK_500_PATH) as slack_500,
        SlackReceiver(webhook_path=SLACK_404_PATH) as slack_404,
        TeamsReceiver(sig=TEAMS_SIG) as teams,
        SmtpReceiver(auth=(SMTP_USER, SMTP_PASSWORD)) as smtp,
    ):
        slack_500.fail(500, times=100)
        slack_404.fail(404, times=100)
        for name, value in {
            "HYGIENE_SLACK_OK": slack.webhook_url,
            "HYGIENE_SLACK_500": slack_500.webhook_url,
            "HYGIENE_SLACK_404": slack_404.webhook_url,
            "HYGIENE_TEAMS": teams.url,
            "HYGIENE_BOT": BOT_TOKEN,
            "HYGIENE_SMTP_PASSWORD": SMTP_PASSWORD,
        }.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("HYGIENE_MISSING_SECRET", raising=False)
        rules_path = tmp_path / "rules.yaml"
        rules_path.write_text(
            RULES.format(
                state_dir=tmp_path / "state",
                slack_api=slack.api_url,
                smtp_port=smtp.port,
                smtp_user=SMTP_USER,
                feed=feed.url(FEED_PATH),
            ),
            encoding="utf-8",
        )
        rules = load_rules(rules_path)
        db = open_db(rules.settings.database)
        first, report = poll_new_entry(db, rules, rules.sources[0], feed, ENTRY, START, baseline_size=10)
        assert first.outcome == "baseline"
        assert len(report.alerts) == 8

        for hour in range(4):
            drain(db, rules, now_fn=fixed(START + timedelta(hours=hour, minutes=2)))

        # The run did what it should, so the search below covers real traffic and real errors.
        assert len(slack.received()) == 2  # webhook and bot
        assert len(teams.received()) == 1
        assert len(smtp.received()) == 3 and all(mail.authenticated for mail in smtp.received())
        log = log_buffer.getvalue()
        assert "HTTP 500" in log and "HTTP 404" in log
        assert "env:HYGIENE_MISSING_SECRET" in log  # the reference is named, so it can be fixed
        attempts = [row[0] for row in db.execute("SELECT detail FROM delivery_attempts").fetchall()]
        assert any("HTTP 404" in detail for detail in attempts)

        stored = b"".join(
            path.read_bytes()
            for path in sorted(Path(rules.settings.database).parent.glob("*.db*"))
            if path.is_file()
        )
        received = "\n".join(
            [str(message.payload) for message in slack.received()]
            + [message.raw.decode("utf-8") for message in teams.received()]
            + [mail.raw.decode("utf-8", "replace") for mail in smtp.received()]
        )
        db.conn.close()
        stored += b"".join(path.read_bytes() for path in Path(rules.settings.database).parent.glob("*.db*"))
        assert b"Driftsproblemer" in stored and "Driftsproblemer" in received  # searched for real
        assert log.count("\n") > 20 and "delivered outbox" in log
        for secret in secret_values(
            slack.webhook_url, slack_500.webhook_url, slack_404.webhook_url, teams.url
        ):
            assert secret not in log, f"secret {secret!r} in the log"
            assert secret.encode() not in stored, f"secret {secret!r} in the database file"
            assert secret not in received, f"secret {secret!r} in alert text"


MESSAGE = Message("Emne", "Overskrift", (), "Tekst", None, "", "<hygiene@test>")


@pytest.mark.parametrize(
    ("kind", "secret", "settings"),
    [
        ("slack_webhook", "http://example.com/services/T0/B0/plainHttpWebhook", Settings()),
        ("teams", "http://example.com/workflows/x/invoke?sig=plainHttpSig", Settings()),
        ("slack_bot", "xoxb-plain-http-test", Settings(slack_api_url="http://example.com/api/")),
    ],
)
def test_send_refuses_plain_http_webhook_without_a_request(
    kind: str, secret: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Any request that escaped would go to this proxy (and never to the internet): it must stay idle.
    with LocalServer() as proxy:
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, proxy.url("/"))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        channel = ChannelConfig(name="kanal", kind=kind, secret="env:X", target="C0TEST")  # type: ignore[arg-type]
        result = SENDERS[channel.kind](MESSAGE, channel, DeliveryContext(secret=secret, settings=settings))
        assert proxy.requests == []
    assert not result.ok and result.permanent
    assert "must start with https://" in result.detail and "http://" in result.detail
    assert "example.com" not in result.detail  # the URL itself is a secret


def test_send_allows_plain_http_to_loopback_only() -> None:
    with SlackReceiver() as slack:
        channel = ChannelConfig(name="kanal", kind="slack_webhook", secret="env:X")
        context = DeliveryContext(secret=slack.webhook_url, settings=Settings())
        assert SENDERS["slack_webhook"](MESSAGE, channel, context).ok
        assert len(slack.received()) == 1
