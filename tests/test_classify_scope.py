"""What leaves something out of a notice's scope (monitor.classify.scope), clause by clause."""

from __future__ import annotations

import re

import pytest

from monitor.classify.scope import counted, not_affected

LEFT_OUT = [
    "Produksjon berøres ikke",
    "Produksjonsmiljøet blir ikkje rørt av arbeidet",
    "Testmiljøet er ikkje med",
    "Produksjonsmiljøet er ikke med i denne jobben",
    "Skattegrunnlag API vert ikkje endra",
    "Produksjon går som normalt",
    "I produksjon er 2022 framleis tilgjengeleg",
]
IN_SCOPE = [
    # Something else is missing; production is where it happens.
    "Innbetalinger registrert etter 1. desember er ikke med i saldoen som API-et returnerer i produksjon",
    "Inntekt API fungerer som normalt igjen",
    "Inntekt API i produksjon er nede",
    "Summert skattegrunnlag API er rørt av feilen",
]


@pytest.mark.parametrize("clause", LEFT_OUT)
def test_a_clause_that_leaves_its_subject_out(clause: str) -> None:
    assert not_affected(clause)


@pytest.mark.parametrize("clause", IN_SCOPE)
def test_a_clause_that_keeps_its_subject_in_scope(clause: str) -> None:
    assert not not_affected(clause)


def test_counted_keeps_only_the_mentions_in_scope() -> None:
    text = "Inntekt API er nede i test. Produksjon blir ikkje rørt."
    matches = list(re.finditer(r"test|Produksjon", text))
    assert [match.group(0) for match in counted(matches, text)] == ["test"]
