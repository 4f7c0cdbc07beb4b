"""The category rules that keep a notice out of a category, each on a notice where it decides:
switch the rule off and the category changes (these rules are checked by mutation testing too).
The rules are tested alone (`use_model=False`); the model's blend has its own tests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from monitor.classify import classify as classify_with_model
from monitor.model import Classification, Notice


def classify(notice: Notice) -> Classification:
    """The rules alone, as monitor/classify/category.py decides."""
    return classify_with_model(notice, use_model=False)


OSLO = ZoneInfo("Europe/Oslo")


def _notice(title: str, text: str, published: str = "2024-03-01T12:00") -> Notice:
    return Notice("test", "n1", title, text, "", datetime.fromisoformat(published).replace(tzinfo=OSLO))


def test_classify_problem_fixed_in_the_same_sentence_is_no_error() -> None:
    notice = _notice(
        "Oppdatert dokumentasjon for Inntekt API",
        "Vi har fikset enkelte visningsproblemer i dokumentasjonen for Inntekt API.",
    )
    assert classify(notice).category == "api_change"


def test_classify_past_tense_fault_next_to_a_fix_is_no_error() -> None:
    notice = _notice(
        "Rettelse i dokumentasjonen for Inntekt API",
        "Vi har rettet dokumentasjonen. Feltet skattepliktig var beskrevet med feil type.",
    )
    assert classify(notice).category == "api_change"


def test_classify_past_tense_fault_without_a_fix_is_an_error() -> None:
    notice = _notice("Inntekt API", "Feltet skattepliktig var beskrevet med feil type i går.")
    assert classify(notice).category == "error"


def test_classify_error_codes_in_a_table_are_no_error() -> None:
    notice = _notice(
        "Ny versjon av Inntekt API",
        "Inntekt API kommer i ny versjon 2. Feilkodene er:\n\n"
        "| Feil i personidentifikator | 404 | 400 |\n| Feil i rettighetspakke | 403 | 403 |\n",
    )
    assert classify(notice).category == "api_change"


@pytest.mark.parametrize(
    "text",
    [
        "Skatteetaten har laget en veileder. Ta kontakt dersom dere ønsker en ny versjon av veilederen.",
        "Veilederen for kommuner er oppdatert. Ta kontakt hvis du trenger openapi-spesifikasjonen tilsendt.",
    ],
)
def test_classify_api_change_word_in_a_conditional_clause_is_info(text: str) -> None:
    result = classify(_notice("Veileder for kommuner", text))
    assert (result.category, result.reasons[0]) == (
        "info",
        "category info: no downtime, error, resolution or API change terms",
    )


def test_classify_income_year_counts_only_when_new() -> None:
    old = _notice(
        "Skattegrunnlag", "Skattegrunnlag for inntektsår 2015 kan hentes som før.", "2018-03-01T12:00"
    )
    assert classify(old).category == "info"
    last_year = _notice(
        "Skattegrunnlag", "Skattegrunnlag for inntektsår 2017 kan hentes fra 1. april.", "2018-03-01T12:00"
    )
    result = classify(last_year)
    assert (result.category, result.reasons[0]) == (
        "api_change",
        "category api_change: 'inntektsår 2017' in body",
    )


@pytest.mark.parametrize(
    ("text", "term"),
    [
        # Each skipped sentence or clause comes first: the real fault after it still counts.
        (
            "Vi har fikset feilen i dokumentasjonen. Nå opplever vi problemer med innlogging i Inntekt API.",
            "problemer",
        ),
        (
            "Vi har rettet dokumentasjonen. Feltet var beskrevet med feil type. "
            "Nå opplever vi problemer med innlogging i Inntekt API.",
            "problemer",
        ),
        (
            "Feilkodene er:\n\n| Feil i personidentifikator | 404 |\n\n"
            "Nå opplever vi problemer med Inntekt API.",
            "problemer",
        ),
        ("Eventuelle problemer meldes til brukerstøtte, men i dag har Inntekt API feil i svarene.", "feil"),
        # A negation counts only right before the term: not all calls failing is still a fault.
        ("Ikke alle kall mot Inntekt API feiler.", "feiler"),
    ],
)
def test_classify_error_after_a_skipped_sentence_or_clause(text: str, term: str) -> None:
    result = classify(_notice("Inntekt API", text))
    assert (result.category, result.reasons[0]) == ("error", f"category error: '{term}' in body")


def test_classify_api_change_after_a_conditional_clause() -> None:
    result = classify(_notice("Inntekt API", "Hvis du bruker v1, må du bytte til ny versjon innen 1. mai."))
    assert (result.category, result.reasons[0]) == ("api_change", "category api_change: 'ny versjon' in body")


def test_classify_api_change_in_the_title_says_so() -> None:
    result = classify(_notice("Ny versjon av Inntekt API", "Se dokumentasjonen."))
    assert result.reasons[0] == "category api_change: 'Ny versjon av Inntekt API' in title"


def test_classify_income_year_two_years_back_is_not_new() -> None:
    notice = _notice(
        "Skattegrunnlag", "Skattegrunnlag for inntektsår 2016 kan hentes som før.", "2018-03-01T12:00"
    )
    assert classify(notice).category == "info"


def test_classify_notice_tagged_drift_is_an_error_by_the_safety_net() -> None:
    notice = Notice("test", "n1", "Melding", "Vi ser på saken.", "", None, tags=("Drift",))
    result = classify(notice)
    assert (result.category, result.reasons[0]) == (
        "error",
        "category error: operations notice (tagged Drift) with no other category (safety net)",
    )


def test_classify_reasons_list_the_first_three_terms_once_each_title_first() -> None:
    notice = _notice("Feil i Inntekt API", "Vi har problemer med Inntekt API. Flere problemer gir treghet.")
    assert (
        classify(notice).reasons[0]
        == "category error: 'Feil' in title, 'problemer' in body, 'treghet' in body"
    )


def test_classify_downtime_with_no_sign_of_an_outage_is_planned() -> None:
    result = classify(_notice("Nedetid på Inntekt API", "Inntekt API blir utilgjengelig 5. mars kl. 18-20."))
    assert (result.category, result.planned) == ("downtime", True)
    assert result.reasons[:2] == (
        "category downtime: 'Nedetid' in title, 'utilgjengelig' in body",
        "planned: announced downtime (no sign of an outage in progress)",
    )


def test_classify_info_topic_in_the_title_names_the_first_change_term() -> None:
    notice = _notice(
        "Nye bruksvilkår for API-ene", "Ny versjon av vilkårene og årsversjon 2024 av dokumentasjonen."
    )
    result = classify(notice)
    assert (result.category, result.reasons[0]) == (
        "info",
        "category info: topic 'bruksvilkår' in title outweighs api_change ('Nye bruksvilkår for API')",
    )


def test_classify_retiring_an_environment_does_not_hide_downtime_in_the_same_sentence() -> None:
    retired = _notice("Testmiljøet", "Det gamle testmiljøet stenges ned 1. juni.")
    assert classify(retired).category == "info"
    both = _notice(
        "Testmiljøet",
        "Det gamle testmiljøet stenges ned 1. juni, og det blir nedetid på Inntekt API samme dag.",
    )
    assert classify(both).reasons[0] == "category downtime: 'nedetid' in body"


@pytest.mark.parametrize("title", ["Feil i Inntekt API - løst", "Løst: Feil i Inntekt API"])
def test_classify_lost_alone_in_the_title_means_resolved(title: str) -> None:
    result = classify(_notice(title, "Inntekt API svarte med feil i formiddag."))
    assert result.category == "resolved"
    assert result.reasons[0].lower() == "category resolved: 'løst' in title"


def test_classify_reasons_stop_at_three_terms() -> None:
    text = "Vi har problemer med Inntekt API. Flere problemer gir treghet og forsinkelser."
    result = classify(_notice("Feil i Inntekt API", text))
    assert result.reasons[0] == "category error: 'Feil' in title, 'problemer' in body, 'treghet' in body"


def test_classify_api_change_reasons_list_every_term() -> None:
    text = "Inntekt API kommer i versjon 2 med ny XSD og OpenAPI."
    result = classify(_notice("Ny versjon av Inntekt API", text))
    assert result.reasons[0] == (
        "category api_change: 'Ny versjon av Inntekt API' in title, 'versjon 2' in body, 'XSD' in body"
    )


def test_classify_something_else_working_is_no_resolution_when_the_title_reports_a_fault() -> None:
    # GUIDE: resolved only when the main message is that the fault is over. Here another
    # income year works as it always did; the fault in the title is still there.
    notice = _notice(
        "Feil i Beregnet skatt API for inntektsår 2024",
        "Oppslag for inntektsår 2023 fungerer som normalt.",
        "2025-03-02T12:00",
    )
    result = classify(notice)
    assert (result.category, result.reasons[0]) == ("error", "category error: 'Feil' in title")


def test_classify_downtime_after_a_negated_one_in_the_same_sentence() -> None:
    notice = _notice(
        "Summert skattegrunnlag API",
        "Det blir ingen nedetid på Inntekt API, men Summert skattegrunnlag API er nede fra kl. 10 til 12.",
    )
    result = classify(notice)
    assert (result.category, result.reasons[0]) == ("downtime", "category downtime: 'er nede' in body")


def test_classify_misspelt_downtime_in_a_reminder_title_is_downtime() -> None:
    # A reminder is info (GUIDE), but the downtime it reminds of comes first in GUIDE order; the
    # typo is in the title, so the title's topic does not outweigh it.
    notice = _notice("Påminnelse: nedetdi på Inntekt API lørdag", "Gjelder lørdag 14. mars kl. 08-10.")
    result = classify(notice)
    assert (result.category, result.reasons[0]) == ("downtime", "category downtime: 'nedetdi' in title")


@pytest.mark.parametrize(
    ("text", "term"),
    [
        # "Not all calls fail": some do. The negation is three words before the term, not right before.
        ("Ikke alle kall feiler.", "feiler"),
        # A fault denied for one API, then reported for another in the same sentence.
        ("Inntekt API har ingen feil, men Summert skattegrunnlag API er ustabilt.", "ustabilt"),
    ],
)
def test_classify_error_is_not_hidden_by_a_negation_elsewhere(text: str, term: str) -> None:
    result = classify(_notice("Inntekt API", text))
    assert (result.category, result.reasons[0]) == ("error", f"category error: '{term}' in body")


def test_classify_problem_json_media_type_is_no_error() -> None:
    # GUIDE: a new version and its error format are an API change, not a malfunction.
    notice = _notice(
        "Ny versjon av Inntekt API", "Versjon 2 svarer med application/problem+json ved ugyldige kall."
    )
    assert classify(notice).category == "api_change"


def test_classify_operations_notice_title_with_nothing_else_is_an_error_by_the_safety_net() -> None:
    result = classify(_notice("Driftsmelding Inntekt API", "Mer informasjon kommer."))
    assert (result.category, result.reasons[0]) == (
        "error",
        "category error: operations notice ('Driftsmelding' in title) with no other category (safety net)",
    )


# Status-page chains (newest update first): the current status decides before the prose does.


def _status_page(status: str, newest: str, older: str) -> str:
    return (
        f"**Status: {status}**\n\n**{status}** – 02.03.2026 kl. 10:15\n{newest}\n\n"
        f"**Undersøkes** – 02.03.2026 kl. 08:40\n{older}"
    )


def test_classify_status_page_resolved_is_resolved_whatever_the_older_updates_say() -> None:
    text = _status_page("Løst", "Inntekt API svarer som normalt igjen.", "Inntekt API svarer med feil.")
    result = classify(_notice("Feil i Inntekt API", text, "2026-03-02T12:00"))
    assert (result.category, result.reasons[0]) == (
        "resolved",
        "category resolved: status 'Løst' (the newest status-page update)",
    )


def test_classify_status_page_monitoring_with_the_fault_still_there_says_why() -> None:
    text = _status_page(
        "Overvåkes",
        "Svartidene er bedre, men fortsatt høyere enn normalt.",
        "Beregnet skatt API svarer tregt.",
    )
    result = classify(_notice("Trege svar fra Beregnet skatt API", text, "2026-03-02T12:00"))
    assert (result.category, result.reasons[0]) == (
        "error",
        "category error: status 'Overvåkes' and the update says it is not over ('fortsatt høyere')",
    )


def test_classify_status_page_monitoring_after_a_fix_is_resolved() -> None:
    # "Overvåkes" after "Vi har rettet feilen": the fault is over, they only keep watching.
    text = _status_page(
        "Overvåkes",
        "Vi har rettet feilen i Beregnet skatt API og følger med videre.",
        "Beregnet skatt API gir feil i svarene.",
    )
    result = classify(_notice("Feil i Beregnet skatt API", text, "2026-03-02T12:00"))
    assert (result.category, result.reasons[0]) == (
        "resolved",
        "category resolved: status 'Overvåkes' and the update says 'rettet' in body",
    )


def test_classify_status_page_monitoring_names_every_sign_that_it_is_over() -> None:
    text = _status_page(
        "Overvåkes",
        "Vi har rettet feilen i Beregnet skatt API. Tjenesten fungerer som normalt igjen.",
        "Beregnet skatt API gir feil i svarene.",
    )
    result = classify(_notice("Feil i Beregnet skatt API", text, "2026-03-02T12:00"))
    assert result.reasons[0] == (
        "category resolved: status 'Overvåkes' and the update says "
        "'fungerer som normalt igjen' in body, 'rettet' in body"
    )


def test_classify_status_page_open_incident_gives_the_prose_reason_and_not_over_yet() -> None:
    text = _status_page("Undersøkes", "Summert skattegrunnlag API svarer tregt.", "Vi undersøker saken.")
    result = classify(_notice("Summert skattegrunnlag API", text, "2026-03-02T12:00"))
    assert (result.category, result.reasons[0]) == (
        "error",
        "category error: 'tregt' in body, 'Vi undersøker' in body",
    )
    assert "status 'Undersøkes': not over yet" in result.reasons


def test_classify_status_page_scheduled_maintenance_is_planned_downtime_without_downtime_words() -> None:
    notice = _notice(
        "Inntekt API",
        "**Status: Planlagt**\n\n**Planlagt** – 02.03.2026 kl. 12:00\n"
        "Vi bytter databaseserver for Inntekt API lørdag 14. mars kl. 08:00–10:00.",
        "2026-03-02T12:00",
    )
    result = classify(notice)
    assert (result.category, result.planned, result.reasons[0]) == (
        "downtime",
        True,
        "category downtime: status 'Planlagt' (a scheduled maintenance)",
    )


@pytest.mark.parametrize(
    ("line", "category", "reason"),
    [
        # A line without a full stop, then another line: the finders read each sentence alone.
        (
            "Feilen i Inntekt API er nå over",
            "resolved",
            "category resolved: 'Feilen i Inntekt API er nå over' in body",
        ),
        ("Inntekt API er ikke tilgjengelig", "downtime", "category downtime: 'ikke tilgjengelig' in body"),
    ],
)
def test_classify_a_line_reads_the_same_whatever_line_follows(line: str, category: str, reason: str) -> None:
    alone = classify(_notice("Inntekt API", line))
    followed = classify(_notice("Inntekt API", f"{line}\nFor nye brukere gjelder egne avtaler."))
    assert (alone.category, alone.reasons[0]) == (category, reason)
    assert (followed.category, followed.reasons[0]) == (category, reason)
