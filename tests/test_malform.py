"""Målform: `målform: nb | nn` per kommune, and nynorsk alerts on every channel, end to end.

A nynorsk kommune (Voss) and a bokmål one (Oslo) get the same feed entry through poll → outbox →
the real senders → the loopback Slack, Teams and SMTP receivers; Voss reads nynorsk everywhere
(subject, headline, labels, footer, button, html lang), Oslo bokmål, and the notice's own text
arrives as published in both.
"""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feedrun import atom_entry, fixed, poll_new_entry

from monitor.cli.main import main
from monitor.config.load import check_rules, load_rules
from monitor.deliver.worker import drain
from monitor.demo.localserver import LocalServer
from monitor.demo.receivers import SlackReceiver, SmtpReceiver, TeamsReceiver
from monitor.demo.replay import FEED_PATH
from monitor.probes.alerts import cert_warning_messages
from monitor.store import open_db

START = datetime(2024, 1, 29, 9, 0, tzinfo=UTC)
LINK = "https://skatteetaten.github.io/api-dokumentasjon/nyheter-og-driftsvarsler/2024/01/29/malform"
TITLE = "Driftsproblemer på alle våre delingstjenester"
BODY = "Vi jobber med å løse problemet. Feilen gjelder alle delingstjenester i produksjon."
ENTRY = atom_entry(LINK, TITLE, f"<p>{BODY}</p>")
RULES = """\
settings:
  state_dir: {state_dir}
  slack_api_url: {slack_api}
  smtp: {{host: 127.0.0.1, port: {smtp_port}, security: none, sender: driftsvarsel@test.localhost}}
sources:
  - {{name: nyheter-atom, kind: atom, url: "{feed}", interval_seconds: 1}}
kommuner:
  - kommunenummer: "4621"
    navn: Voss
    målform: nn
    rettighetspakker: [kommuneBoligsosialeFormaal]
    channels:
      - {{name: slack, kind: slack_webhook, webhook: "env:MALFORM_SLACK"}}
      - {{name: teams, kind: teams, webhook: "env:MALFORM_TEAMS"}}
      - {{name: epost, kind: email, to: [drift@voss.test.localhost]}}
  - kommunenummer: "0301"
    rettighetspakker: [kommuneBoligsosialeFormaal]
    channels:
      - {{name: bot, kind: slack_bot, token: "env:MALFORM_BOT", channel: C0OSLO}}
      - {{name: epost, kind: email, to: [drift@oslo.test.localhost]}}
"""


def _rules_problems(tmp_path: Path, malform: str) -> list[str]:
    path = tmp_path / "rules.yaml"
    path.write_text(
        textwrap.dedent(f"""\
            settings:
              smtp: {{host: mail.example, sender: driftsvarsel@example.no}}
            kommuner:
              - kommunenummer: "4621"
                målform: {malform}
                apis: [inntekt]
                channels:
                  - {{name: epost, kind: email, to: [drift@voss.example]}}
            """),
        encoding="utf-8",
    )
    return check_rules(path, environ={})


def test_load_rules_malform_defaults_to_bokmal_and_reads_nynorsk(tmp_path: Path) -> None:
    assert _rules_problems(tmp_path, "nn") == []
    assert load_rules(tmp_path / "rules.yaml", environ={}).kommuner[0].malform == "nn"
    assert load_rules(tmp_path / "rules.yaml", environ={}).language_of("0301") == "nb"
    shipped = load_rules(Path(__file__).resolve().parent.parent / "rules.yaml", environ={})
    assert [kommune.malform for kommune in shipped.kommuner] == ["nb", "nb", "nb"]


@pytest.mark.parametrize("value", ["nynorsk", "NN", "''", "[nn]"])
def test_check_rules_bad_malform_names_file_line_and_the_two_choices(tmp_path: Path, value: str) -> None:
    (problem,) = _rules_problems(tmp_path, value)
    assert problem.startswith(f"{tmp_path / 'rules.yaml'}:5: kommuner[0].målform: "), problem
    if value in ("nynorsk", "NN"):
        assert f"'{value}' is not a målform" in problem
        assert "write nb (bokmål) or nn (nynorsk)" in problem


def test_poll_nynorsk_kommune_gets_nynorsk_on_slack_teams_and_email(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_dir: Path
) -> None:
    schema = real_dir / "data" / "adaptive-card-1.5.schema.json"
    with (
        LocalServer() as feed,
        SlackReceiver(token="xoxb-malform-token") as slack,
        TeamsReceiver(schema_path=schema) as teams,
        SmtpReceiver() as smtp,
    ):
        monkeypatch.setenv("MALFORM_SLACK", slack.webhook_url)
        monkeypatch.setenv("MALFORM_TEAMS", teams.url)
        monkeypatch.setenv("MALFORM_BOT", "xoxb-malform-token")
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
        assert len(report.alerts) == 5, report
        stats = drain(db, rules, now_fn=fixed(START + timedelta(minutes=2)))
        assert stats.sent == 5, (stats, slack.rejections, teams.rejections)
        bot, webhook = sorted(slack.received(), key=lambda message: message.path)
        (card_message,) = teams.received()
        mails = {mail.rcpt_tos[0]: mail.message for mail in smtp.received()}

    # Slack webhook (Voss, nynorsk) against the bot (Oslo, bokmål).
    assert webhook.path.startswith("/services/") and bot.channel == "C0OSLO"
    voss_slack = json.dumps(webhook.blocks, ensure_ascii=False)
    oslo_slack = json.dumps(bot.blocks, ensure_ascii=False)
    assert "|Opne varselet>" in voss_slack and "|Åpne varselet>" in oslo_slack
    assert "*Råka API-ar*" in voss_slack and "*Berørte API-er*" in oslo_slack
    assert "Gjeld Alle delingstenester. Klassifisert som feil: «Driftsproblemer» i tittelen" in voss_slack
    assert "Gjelder Alle delingstjenester. Klassifisert som feil: «Driftsproblemer» i tittelen" in oslo_slack
    assert BODY in voss_slack and BODY in oslo_slack  # the notice's own words, as published
    assert webhook.text == bot.text == f"[Driftsvarsel] Feil: {TITLE}"

    # Teams (Voss): facts, footer and button in nynorsk; the card is valid Adaptive Card 1.5.
    card = card_message.card
    facts = {fact["title"]: fact["value"] for element in card["body"] for fact in element.get("facts", [])}
    assert facts["Råka API-ar"] == "Alle delingstenester" and facts["Kategori"] == "Feil"
    assert facts["Miljø"] in ("Produksjon", "Ikkje oppgitt") and facts["Kommune"] == "Voss (4621)"
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Opne varselet", "url": LINK}]
    footer = card["body"][-1]["text"]
    assert footer.startswith("Gjeld ") and "Klassifisert som feil" in footer

    # Email: the nynorsk one says lang="nn" and uses nynorsk labels; Oslo's stays bokmål.
    voss_mail, oslo_mail = mails["drift@voss.test.localhost"], mails["drift@oslo.test.localhost"]
    voss_html = voss_mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    oslo_html = oslo_mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert '<html lang="nn">' in voss_html and '<html lang="nb">' in oslo_html
    assert ">Opne varselet</a>" in voss_html and ">Åpne varselet</a>" in oslo_html
    voss_text = voss_mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Råka API-ar: " in voss_text and "Publisert: måndag 29.01.2024 kl. 09:00" in voss_text
    assert "ikke" not in voss_text.replace(BODY, "")


def test_admin_malform_nn_writes_the_admin_route_in_nynorsk(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        textwrap.dedent("""\
            settings:
              smtp: {host: mail.example, sender: driftsvarsel@example.no}
            kommuner:
              - kommunenummer: "0301"
                apis: [inntekt]
                channels:
                  - {name: epost, kind: email, to: [drift@oslo.example]}
            admin:
              målform: nn
              channels:
                - {name: epost, kind: email, to: [admin@example.no]}
            """),
        encoding="utf-8",
    )
    rules = load_rules(path, environ={})
    assert (rules.language_of("admin"), rules.language_of("0301")) == ("nn", "nb")
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    (warning,) = cert_warning_messages(
        rules, "inntekt", "prod", "api.skatteetaten.no", now + timedelta(days=6), 7, now
    )
    assert (
        warning.message.subject
        == "[Driftsvarsel admin] TLS-sertifikatet til api.skatteetaten.no går ut om 6 dagar"
    )
    assert warning.message.footer == "Driftsmelding frå driftsvarsel-monitor til administratorane."
    assert "Blir det ikkje fornya, vil kall mot API-et feile." in warning.message.body
    path.write_text(
        path.read_text(encoding="utf-8").replace("målform: nn", "målform: nynorsk"), encoding="utf-8"
    )
    (problem,) = check_rules(path, environ={})
    assert problem.startswith(f"{path}:9: admin.målform: 'nynorsk' is not a målform"), problem


def test_rules_explain_shows_the_malform_and_the_reasons_in_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _rules_problems(tmp_path, "nn") == []
    assert main(["rules", "explain", "--rules", str(tmp_path / "rules.yaml"), "--kommune", "4621"]) == 0
    out = capsys.readouterr().out
    assert "  målform: nn (nynorsk)\n" in out
    assert "    inntekt: Inntekt API (ført opp under apis i regelfila)\n" in out
    assert main(["rules", "explain", "--rules", str(tmp_path / "rules.yaml"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["kommuner"][0]["malform"] == "nn"
