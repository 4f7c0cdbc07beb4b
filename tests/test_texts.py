"""The wording tables: bokmål and nynorsk say the same things with the same placeholders."""

from __future__ import annotations

import re
import string

import pytest

from monitor.texts import nb, nn, say, weekday


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_tables_have_the_same_keys() -> None:
    assert set(nb.TEXTS) == set(nn.TEXTS)
    assert len(nb.TEXTS) > 90


@pytest.mark.parametrize("key", sorted(nb.TEXTS))
def test_tables_have_the_same_placeholders(key: str) -> None:
    assert _placeholders(nb.TEXTS[key]) == _placeholders(nn.TEXTS[key]), key


def test_nynorsk_table_has_no_bokmal_only_words() -> None:
    # Words a nynorsk reader notices at once as bokmål.
    bokmal = re.compile(r"\b(ikke|fra|Løst|løst|tjeneste\w*|nå|endret|varslet|gjelder|uten|dere|fikk|ble)\b")
    found = {key: text for key, text in nn.TEXTS.items() if bokmal.search(text)}
    assert found == {}


def test_say_fills_in_nynorsk_and_falls_back_to_bokmal_for_an_unknown_language() -> None:
    assert say("nn", "subject.resolved", title="Driftsproblem") == "[Løyst] Driftsproblem"
    assert say("nb", "subject.resolved", title="Driftsproblem") == "[Løst] Driftsproblem"
    assert say("xx", "reminder.subject", title="T") == "[Fortsatt] T"
    assert say("nn", "reminder.subject", title="T") == "[Framleis] T"
    assert (weekday("nn", 0), weekday("nn", 1), weekday("nn", 5)) == ("måndag", "tysdag", "laurdag")
    assert (weekday("nb", 0), weekday("nb", 1), weekday("nb", 5)) == ("mandag", "tirsdag", "lørdag")


def test_docs_reasons_and_bodies_are_said_in_nynorsk() -> None:
    from monitor.deliver.why import classified_text
    from monitor.docs.apidiff import spec_diff

    reasons = ("dokumentasjonsendring: 3 linjer endret i «Feilkoder»",)
    assert classified_text("api_change", reasons, "nn") == (
        "Klassifisert som API-endring: dokumentasjonsendring: 3 linjer endra i «Feilkoder»."
    )
    assert classified_text("api_change", reasons, "nb") == (
        "Klassifisert som API-endring: dokumentasjonsendring: 3 linjer endret i «Feilkoder»."
    )
    spec = ("OpenAPI: 1 brytende endring, 2 ikke-brytende",)
    assert classified_text("api_change", spec, "nn").endswith(
        "OpenAPI: 1 brytande endring, 2 ikkje-brytande."
    )
    assert spec_diff("", "{}", "nn").changes[0].description == "OpenAPI-spesifikasjonen er ny"
    old = '{"operations": {"GET /a": {"parameters": {}, "responses": {}}}}'
    new = '{"operations": {}}'
    (removed,) = spec_diff(old, new, "nn").summary_lines(language="nn")
    assert removed == "BRYTANDE: Operasjon GET /a er fjerna"
    (removed_nb,) = spec_diff(old, new).summary_lines()
    assert removed_nb == "BRYTENDE: Operasjon GET /a er fjernet"


def test_assess_doc_section_change_has_a_nynorsk_body() -> None:
    from monitor.config.types import SourceConfig
    from monitor.docs.check import assess
    from monitor.model import Change, Notice

    source = SourceConfig("inntekt-doc", "docpage", "https://skatteetaten.github.io/x", api="inntekt")
    old = Notice("inntekt-doc", "s1", "Inntekt API – Feilkoder", "IM-001 feil\nIM-002 feil", "")
    new = Notice("inntekt-doc", "s1", "Inntekt API – Feilkoder", "IM-001 feil\nIM-003 ny feil", "")
    report = assess(Change("edited", new, 2, previous=old), source)
    assert report.body_in("nb").startswith(
        "Endret seksjon «Feilkoder» i dokumentasjonen for Inntekt API (1 linje lagt til, 1 fjernet):\n"
    )
    assert report.body_in("nn").startswith(
        "Endra seksjon «Feilkoder» i dokumentasjonen for Inntekt API (1 linje lagd til, 1 fjerna):\n"
    )
    assert "+ IM-003 ny feil" in report.body_in("nn") and report.body == report.body_in("nb")
