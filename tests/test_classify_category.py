"""The category rules that keep a notice out of a category, each on a notice where it decides:
switch the rule off and the category changes (these rules are checked by mutation testing too)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from monitor.classify import classify
from monitor.model import Notice

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
