"""Status-page components → APIs (structure before text): the built-in catalogue, rules.yaml's
`components:` (checked by `rules check`), routing by component without the prose naming the API,
the text when a component is unknown, and what `sources check` calls unmapped."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.catalogue.components import component_apis, component_lookup, unmapped
from monitor.classify import classify, load_vocabulary
from monitor.cli import main
from monitor.config.load import load_rules
from monitor.config.types import SourceConfig
from monitor.model import Classification, Notice
from monitor.sources.statuspage import incident_to_notice

SOURCE = SourceConfig(
    name="status-incidents", kind="statuspage_api", url="https://status.example.test/api/v2/incidents.json"
)


def _incident(components: list[str], body: str) -> dict[str, object]:
    return {
        "id": "abc123", "name": "Feil i API", "status": "investigating", "created_at": "2025-03-04T08:00:00Z",
        "updated_at": "2025-03-04T08:00:00Z", "components": [{"name": name} for name in components],
        "incident_updates": [{"status": "investigating", "body": body, "created_at": "2025-03-04T08:00:00Z"}],
    }  # fmt: skip


def _apis_reason(classification: Classification) -> str:
    return next(reason for reason in classification.reasons if reason.startswith("apis:"))


def test_component_apis_knows_names_without_case_and_environment() -> None:
    assert component_apis("Inntekt API (produksjon)") == ("inntekt",)
    assert component_apis("alle delingstenester i test (*.api.skatteetaten-test.no)") == ("*",)
    assert component_apis("Restanser API") == ()
    assert component_apis("Noe helt annet") is None


def test_classify_takes_apis_from_components_before_the_text() -> None:
    notice = incident_to_notice(
        _incident(["Inntekt API", "Beregnet skatt API"], "Vi ser feil. Summert skattegrunnlag virker."),
        {},
        SOURCE,
    )
    structured = classify(notice, components=component_apis)
    assert structured.category == "error"
    assert structured.apis == ("beregnetskatt", "inntekt")
    assert _apis_reason(structured) == (
        "apis: status-page components 'Inntekt API', 'Beregnet skatt API' → beregnetskatt, inntekt"
    )
    # The prose alone also counts the API the update says works.
    assert classify(notice).apis == ("beregnetskatt", "inntekt", "summertskattegrunnlag")


def test_classify_reads_the_text_when_a_component_is_unknown() -> None:
    notice = incident_to_notice(
        _incident(["Inntekt API", "Ny tjeneste X"], "Vi ser feil i Inntekt API."), {}, SOURCE
    )
    classification = classify(notice, components=component_apis)
    assert classification.apis == ("inntekt",)
    assert _apis_reason(classification) == "apis: 'Inntekt API' → inntekt"


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
    lookup = component_lookup(rules.components)
    classification = classify(incident(component), load_vocabulary(rules.vocabulary), lookup)
    assert (classification.category, classification.apis) == ("error", apis)


def test_without_the_mapping_the_component_is_not_an_api(tmp_path: Path) -> None:
    classification = classify(incident("Skatteoppslag for kommuner"), load_vocabulary({}), component_lookup())
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
