"""Structure before text: a status-page notice's affected components decide its APIs (catalogue)."""

from __future__ import annotations

from monitor.catalogue.components import component_apis
from monitor.classify import classify
from monitor.config.types import SourceConfig
from monitor.model import Classification
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
