"""The admin route's own messages (our lost network, unreadable secrets, the daily sources check)
follow `admin: {målform: ...}`: nynorsk for a nynorsk admin route, bokmål otherwise."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config.load import load_rules
from monitor.config.secretcheck import unresolved_secrets
from monitor.config.types import Rules
from monitor.probes.selfcheck import back_messages, lost_messages
from monitor.service.secretwatch import admin_text
from monitor.service.sourcecheck import admin_report
from monitor.sources.health import SourceCheck

NOW = datetime(2026, 5, 18, 8, 0, tzinfo=UTC)
RULES = """\
settings:
  state_dir: {state}
  smtp: {{host: 127.0.0.1, port: 2525, security: none, sender: driftsvarsel@drift.example}}
kommuner:
  - kommunenummer: "4621"
    navn: Voss
    rettighetspakker: [kommuneForeldrebetaling]
    channels:
      - {{name: slack, kind: slack_webhook, webhook: "env:MALFORM_ADMIN_MISSING", fallback: epost}}
      - {{name: epost, kind: email, to: [drift@voss.example]}}
admin:
  målform: {malform}
  channels:
    - {{name: epost, kind: email, to: [admin@drift.example]}}
"""


def rules(tmp_path: Path, malform: str) -> Rules:
    path = tmp_path / f"rules-{malform}.yaml"
    path.write_text(RULES.format(state=tmp_path / "state", malform=malform), encoding="utf-8")
    return load_rules(path)


@pytest.mark.parametrize(
    ("malform", "lost", "back"),
    [
        ("nn", "Monitoren har mista nettverket", "Helseprobane tel som før."),
        ("nb", "Monitoren har mistet nettverket", "Helseprobene teller som før."),
    ],
)
def test_network_messages_follow_the_admin_malform(
    tmp_path: Path, malform: str, lost: str, back: str
) -> None:
    configured = rules(tmp_path, malform)
    (message,) = lost_messages(configured, NOW, "alle 2 kilder feilet (ConnectError)")
    assert lost in message.message.subject and "alle 2 kilder feilet (ConnectError)" in message.message.body
    (again,) = back_messages(configured, NOW, "08:00")
    assert again.message.body.endswith(back)


def test_unreadable_secret_message_is_nynorsk_for_a_nynorsk_admin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MALFORM_ADMIN_MISSING", raising=False)
    configured = rules(tmp_path, "nn")
    problems = unresolved_secrets(configured)
    assert len(problems) == 1
    subject, text = admin_text(configured, problems)
    assert subject == "1 løyndom i rules.yaml kan ikkje lesast"
    assert "Desse referansane kan ikkje lesast av tenesta:" in text
    assert "kanalen «slack» for Voss (4621): varsel går til reservekanalen «epost»" in text
    assert "hemmelighet" not in subject + text and "ikke" not in text


def test_sources_check_report_subject_follows_the_language() -> None:
    checks = [SourceCheck("status", "statuspage_api", "https://status.example/api", 200, "Statuspage v2")]
    broken = [SourceCheck("feed", "atom", "https://x.example/atom.xml", 404, "?", problems=("HTTP 404",))]
    assert admin_report(checks, "nn") is None
    nn = admin_report(checks + broken, "nn")
    nb = admin_report(checks + broken, "nb")
    assert nn is not None and nn[0] == "Kjeldesjekk: 1 av 2 kjelder treng tilsyn (feed)"
    assert nb is not None and nb[0] == "Kildesjekk: 1 av 2 kilder trenger tilsyn (feed)"
