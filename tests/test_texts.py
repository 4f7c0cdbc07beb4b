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
