"""Test, production, both, or unspecified (GUIDE.md "environment").

A sentence that says an environment is not affected ("Produksjonsmiljøet er ikke berørt",
"Produksjon går som normalt") or
only announces a later notice ("Det vil komme nytt varsel når api'et er oppdatert i test og
produksjon") does not count.
"""

from __future__ import annotations

import re

from monitor.classify.text import Prepared
from monitor.classify.vocab import Vocabulary
from monitor.model import Environment

_AFFECTED = (
    r"(?:berørt|berøres|berørast|påvirket|påvirkes|påverka|påverkast|råka|råkast|ramma|rammet|ramt"
    r"|omfattet|omfatta)"
)
# "Produksjon går som normalt": the environment named works as always, so it is not in scope.
_NOT_AFFECTED = re.compile(
    rf"\b(?:ikke|ikkje)\s+(?:\w+\s+)?{_AFFECTED}|\b{_AFFECTED}\s+(?:\w+\s+)?(?:ikke|ikkje)\b"
    r"|\b(?:går|fungerer|fungerar|virker|verkar|kjører|køyrer)\s+(?:\w+\s+)?(?:som\s+)?(?:normalt|vanlig|vanleg)\b",
    re.IGNORECASE,
)
# "Alle API-er i AT blir berørt, produksjon berøres ikke": the clause says it, not the whole sentence.
_CLAUSE = re.compile(r"[,;]|\s[-–]\s|\bmen\b", re.IGNORECASE)
# "kjem i produksjon seinare i vår": production without a date is not yet in scope (GUIDE: a test
# release is "both" when it names its production date).
_LATER = re.compile(r"\b(?:seinare|senere|etter\s+hvert|etter\s+kvart|på\s+et\s+senere\s+tidspunkt)\b", re.I)
_DIGIT = re.compile(r"\d")
_LATER_NOTICE = re.compile(
    r"\bnytt\s+varsel\b|\bkommer\s+tilbake\s+med\b|\bvil\s+varsle\b|\bvarsle\s+på\s+nytt\b", re.IGNORECASE
)


def find_environment(prepared: Prepared, vocabulary: Vocabulary) -> tuple[Environment, str]:
    """The environment and the terms that decided it."""
    test: list[str] = []
    prod: list[str] = []
    full = prepared.full_text
    groups = [group for group in ("both_terms", "test_terms", "prod_terms") if vocabulary.has(group, full)]
    clauses = [clause for sentence in prepared.sentences if groups for clause in _CLAUSE.split(sentence.text)]
    for text in clauses:
        if _NOT_AFFECTED.search(text) or _LATER_NOTICE.search(text):
            continue
        both = vocabulary.first("both_terms", text) if "both_terms" in groups else None
        if both is not None:
            return "both", f"environment both: '{both.group(0)}'"
        if "test_terms" in groups:
            test.extend(match.group(0) for match in vocabulary.find("test_terms", text))
        if "prod_terms" in groups and not (_LATER.search(text) and not _DIGIT.search(text)):
            prod.extend(match.group(0) for match in vocabulary.find("prod_terms", text))
    if test and prod:
        return "both", f"environment both: '{test[0]}' and '{prod[0]}'"
    if test:
        return "test", f"environment test: '{test[0]}'"
    if prod:
        return "prod", f"environment prod: '{prod[0]}'"
    return "unspecified", "environment unspecified: no environment named"
