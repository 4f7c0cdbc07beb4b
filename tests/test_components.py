"""Status-page components → APIs: the built-in catalogue, rules.yaml's `components:` (checked by
`rules check`), routing by component without the prose naming the API, and `sources check`."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.catalogue.components import component_apis, unmapped
from monitor.classify import classify, load_vocabulary
from monitor.cli import main
from monitor.config.load import load_rules
from monitor.model import Notice

RULES = """\
kommuner: []
admin:
  - {{name: slack, kind: slack_webhook, webhook: "env:ADMIN_SLACK"}}
components:
{components}"""
GOOD = """\
  "Skatteoppslag for kommuner": [inntekt, Summertskattegrunnlag]
  "Folkeregister": []
  "Alle tjenester": ["*"]
"""


def rules_file(tmp_path: Path, components: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES.format(components=components), encoding="utf-8")
    return path


def incident(component: str) -> Notice:
    text = (
        f"Status: Under undersøkelse\nBerørte tjenester: {component}\n\n"
        "Under undersøkelse (22.05.2024 kl. 08:56): Vi har for tiden driftsproblemer. Feilsøking pågår."
    )
    return Notice(
        "status-incidents", "incident:p0x9kq2m1zrt", "Driftsproblemer", text, "https://stspg.io/p0x9kq"
    )


def test_component_apis_built_in_names_fold_case_and_space() -> None:
    assert component_apis("inntekt  API") == ("inntekt",)
    assert component_apis("Delingstjenester") == ("*",)
    assert component_apis("Folkeregister") is None
    assert component_apis("Folkeregister", {"folkeregister": ()}) == ()
    assert unmapped(["Inntekt API", "Testmiljø", "Testmiljø", "Kontoregister"]) == [
        "Testmiljø",
        "Kontoregister",
    ]


@pytest.mark.parametrize(
    ("component", "apis"),
    [
        ("Skatteoppslag for kommuner", ("inntekt", "summertskattegrunnlag")),
        ("Folkeregister", ()),
        ("Alle tjenester", ("*",)),
    ],
)
def test_configured_component_routes_without_the_prose_naming_an_api(
    tmp_path: Path, component: str, apis: tuple[str, ...]
) -> None:
    rules = load_rules(rules_file(tmp_path, GOOD))
    assert rules.components["Skatteoppslag for kommuner"] == ("inntekt", "summertskattegrunnlag")
    classification = classify(incident(component), load_vocabulary(rules.vocabulary))
    assert (classification.category, classification.apis) == ("error", apis)


def test_without_the_mapping_the_component_is_not_an_api(tmp_path: Path) -> None:
    classification = classify(incident("Skatteoppslag for kommuner"), load_vocabulary({}))
    assert "inntekt" not in classification.apis


def test_rules_check_reports_bad_components_with_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = rules_file(tmp_path, '  "Skatteoppslag": [inntekkt]\n  "Alt": ["*", inntekt]\n  "Tom": 5\n')
    assert main(["rules", "check", str(path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{path}:5: components.Skatteoppslag[0]: 'inntekkt' is not allowed (did you mean 'inntekt'?)",
        f'{path}:6: components.Alt: "*" already means every API (write ["*"] alone)',
        f"{path}:7: components.Tom[0]: '5' is not allowed (one of: beregnetskatt, "
        "formuesgrunnlageiendomsskatt, inntekt, spesifisertsummertskattegrunnlag, summertskattegrunnlag, *)",
        f"{path}: 3 problems",
    ]
