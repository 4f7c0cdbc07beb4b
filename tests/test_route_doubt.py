"""Unsure classifications fail towards the reader: the union of candidate APIs, incident filters
passed by an info notice that may be an incident, and alerts that say so (classifier + routing)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from monitor.classify import classify
from monitor.config.load import load_rules
from monitor.model import Change, Notice
from monitor.route.recipients import route

REPO = Path(__file__).resolve().parent.parent


def _notice(title: str, text: str) -> Notice:
    return Notice("nyheter-atom", f"https://example.test/{title}", title, text, "https://example.test/",
                  published=datetime(2025, 5, 2, 8, tzinfo=UTC))  # fmt: skip


def test_classify_reports_confidence_per_field() -> None:
    sure = classify(_notice("Inntekt API er nede", "Inntekt API svarer ikke i produksjon. Vi undersøker."))
    assert sure.category == "downtime" and sure.apis == ("inntekt",)
    assert [sure.confidence(name) for name in ("category", "apis", "environment")] == ["high"] * 3
    assert sure.routed_apis == ("inntekt",)


def test_unsure_apis_route_to_the_union_and_the_alert_says_so() -> None:
    notice = _notice(
        "Driftsproblemer",
        "Siste tilgjengelige skatteoppgjør svarer ikke, så skatteoppgjøret kan ikke hentes der. "
        "Vi undersøker.",
    )
    classification = classify(notice)
    assert classification.apis == () and classification.confidence("apis") == "low"
    assert classification.routed_apis == (
        "beregnetskatt",
        "spesifisertsummertskattegrunnlag",
        "summertskattegrunnlag",
    )
    alerts = route(Change("new", notice, 1), classification, load_rules(REPO / "rules.yaml"))
    # Oslo (Summert skattegrunnlag) on both channels, Bergen (Beregnet skatt) on both; Tromsø has neither.
    assert sorted((alert.kommune_number, alert.channel) for alert in alerts) == [
        ("0301", "epost"), ("0301", "slack"), ("4601", "epost"), ("4601", "teams"),
    ]  # fmt: skip
    assert alerts[0].why[-1] == (
        "Usikker på hvilke API-er: sendt til alle som bruker Beregnet skatt API eller Spesifisert summert "
        "skattegrunnlag API (sanert, erstattet av Summert skattegrunnlag v2) eller Summert skattegrunnlag API"
    )


def test_info_that_may_be_an_incident_passes_incident_filters() -> None:
    notice = _notice(
        "Webinar om Inntekt API", "Inntekt API er nede i dag, så webinaret flyttes. Påmelding på nett."
    )
    classification = classify(notice)
    assert classification.category == "info" and classification.alternative == "downtime"
    assert classification.confidence("category") == "low"
    alerts = route(Change("new", notice, 1), classification, load_rules(REPO / "rules.yaml"))
    # Bergen's e-mail takes only downtime, error and resolved: it gets this one too.
    assert sorted((alert.kommune_number, alert.channel) for alert in alerts) == [
        ("0301", "epost"), ("0301", "slack"), ("4601", "epost"), ("4601", "teams"),
    ]  # fmt: skip
    assert "Usikker på kategorien: kan være nedetid, derfor sendt som det" in alerts[0].why


def test_sure_info_keeps_incident_filters_closed() -> None:
    notice = _notice(
        "Webinar om Inntekt API", "Vi går gjennom vanlige feil og planlagt nedetid. Påmelding på nett."
    )
    classification = classify(notice)
    assert classification.category == "info" and classification.alternative is None
    alerts = route(Change("new", notice, 1), classification, load_rules(REPO / "rules.yaml"))
    assert sorted((alert.kommune_number, alert.channel) for alert in alerts) == [
        ("0301", "epost"), ("0301", "slack"), ("4601", "teams"),
    ]  # fmt: skip


def test_environment_told_by_one_short_word_passes_environment_filters() -> None:
    rules = load_rules(REPO / "rules.yaml")  # Tromsø's e-mail takes [prod] only
    weak = _notice("Nedetid", "Formuesgrunnlag for eiendomsskatt API er nede i AT fra kl. 10.")
    classification = classify(weak)
    assert classification.environment == "test" and classification.confidence("environment") == "low"
    assert [alert.kommune_number for alert in route(Change("new", weak, 1), classification, rules)] == [
        "5501"
    ]
    sure = _notice("Nedetid", "Formuesgrunnlag for eiendomsskatt API er nede i testmiljøet fra kl. 10.")
    classification = classify(sure)
    assert classification.environment == "test" and classification.confidence("environment") == "high"
    assert [alert.kommune_number for alert in route(Change("new", sure, 1), classification, rules)] == [
        "admin"
    ]


def test_a_persons_settlement_or_a_comparison_widens_no_api_set() -> None:
    own = classify(
        _notice(
            "Manglande data i Beregnet skatt API",
            "For skattepliktige som fekk skatteoppgjeret sitt 10. juni, manglar beregnet skatt i svaret frå "
            "Beregnet skatt API. Vi undersøkjer.",
        )
    )
    assert own.apis == ("beregnetskatt",) and own.routed_apis == ("beregnetskatt",), own.reasons
    compared = classify(
        _notice(
            "Feil i Spesifisert summert skattegrunnlag API",
            "Spesifisert summert skattegrunnlag API gir feil valutakurs for formue i utlandet. "
            "Kontroller beløpene mot Summert skattegrunnlag API inntil feilen er rettet.",
        )
    )
    assert compared.routed_apis == ("spesifisertsummertskattegrunnlag",), compared.reasons
    group = classify(_notice("Driftsproblemer", "Skatteoppgjøret kan ikke hentes. Vi undersøker."))
    assert set(group.routed_apis) >= {"beregnetskatt", "summertskattegrunnlag"}, group.reasons
