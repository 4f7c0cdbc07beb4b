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
