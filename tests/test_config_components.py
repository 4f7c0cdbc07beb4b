"""rules.yaml `components:`: status-page component names → APIs, checked with file:line, used first."""

from __future__ import annotations

import textwrap
from pathlib import Path

from monitor.catalogue.components import component_lookup
from monitor.classify import classify
from monitor.config.load import check_rules, load_rules
from monitor.model import Notice

RULES = """
kommuner:
  - kommunenummer: "0301"
    navn: Oslo
    rettighetspakker: [kommuneForeldrebetaling]
    channels:
      - {name: slack, kind: slack_webhook, webhook: "env:X"}
components:
  "Lønnsdata-tjenesten": [inntekt]
  "Skatteoppgjør API": [summertskattegrunnlag, beregnetskat]
"""


def test_rules_check_reports_an_unknown_api_in_components_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(textwrap.dedent(RULES), encoding="utf-8")
    assert check_rules(path, environ={}) == [
        f"{path}:10: components.Skatteoppgjør API[1]: 'beregnetskat' is not allowed "
        "(did you mean 'beregnetskatt'?)"
    ]


def test_components_from_rules_decide_the_apis(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(textwrap.dedent(RULES).replace("beregnetskat]", "beregnetskatt]"), encoding="utf-8")
    rules = load_rules(path, environ={"X": "https://hooks.slack.com/services/T/B/x"})
    assert rules.components == {
        "Lønnsdata-tjenesten": ("inntekt",),
        "Skatteoppgjør API": ("beregnetskatt", "summertskattegrunnlag"),
    }
    text = (
        "Status: Undersøkes\nBerørte tjenester: Lønnsdata-tjenesten (produksjon)\n\n"
        "Undersøkes (04.03.2025 kl. 09:00): Vi ser feil ved kall."
    )
    notice = Notice("status", "incident:1", "Feil", text, "")
    assert classify(notice, components=component_lookup(rules.components)).apis == ("inntekt",)
    # Without the rules' entry the component is unknown, and the text names no API: every API.
    assert classify(notice, components=component_lookup({})).apis == ("*",)
