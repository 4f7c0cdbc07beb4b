"""Test, production, both, or unspecified (GUIDE.md "environment").

A sentence that says an environment is not affected ("Produksjonsmiljøet er ikke berørt",
"Produksjon går som normalt") or
only announces a later notice ("Det vil komme nytt varsel når api'et er oppdatert i test og
produksjon") does not count. In an API change released in test, production counts only where the
notice says when (a date, a month, a weekday, "i løpet av veka", "samtidig"): "test now, production
when we are ready" is test, however it is worded (the blind batches' convention: a test release is
`both` when it names its production date).
"""

from __future__ import annotations

import re

from monitor.classify.scope import not_affected
from monitor.classify.text import Prepared
from monitor.classify.vocab import Vocabulary
from monitor.model import Environment

_CLAUSE = re.compile(r"[,;]|\s[-–]\s|\bmen\b", re.IGNORECASE)
# "kjem i produksjon seinare i vår": production without a date is not yet in scope (GUIDE: a test
# release is "both" when it names its production date).
_LATER = re.compile(
    # ("svarar mykje seinare enn normalt" compares speeds: not later).
    r"\b(?:seinare|senere)\b(?!\s+enn\b)|\b(?:etter\s+hvert|etter\s+kvart|på\s+et\s+senere\s+tidspunkt|planlegg\w*)\b"
    r"|\b(?:dato|tidspunkt)\b[^.]{0,30}\b(?:kommer|kjem)\b|\b(?:ikke|ikkje)\s+(?:bestemt|avklart|fastsatt|fastsett|satt|sett|klar)\b"
    # "Vi gir beskjed når produksjonsdato er bestemt", "kommer i en egen melding": not dated yet.
    r"|\b(?:er|blir|vert)\s+(?:bestemt|avklart|fastsatt|klar)\b|\bbestemmer\s+(?:oss\s+)?(?:for\s+)?når\b"
    r"|\b(?:egen|eget|egi|ega|eigen|eige|eiga|eigi)\s+(?:melding|varsel|nyhet|innlegg|kunngjøring|kunngjering"
    r"|artikkel|sak)\b"
    r"|\bnår\b[^.]{0,60}\b(?:sier|seier|melder|gir|gjev|varsler|varslar)\s+vi\b"
    # "Vi melder frå her når endringa skal setjast i produksjon", "Tidspunkt for produksjon varsles separat".
    r"|\b(?:melder\s+(?:frå|fra|ifrå)|gir\s+beskjed|gjev\s+beskjed|gi\s+beskjed|varsler|varslar)\s+(?:\w+\s+){0,2}?når\b"
    r"|\bseparat\b|\bsærskilt\b|\b(?:kommer|kjem)\s+(?:vi\s+)?tilbake\s+til\b",
    re.IGNORECASE,
)
_MONTHS = r"(?:januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember)"
# "Fra 1. desember vil alle våre API-er returnere ...": an API change that takes effect on a date, said
# without naming test, is the production date (the test date is said apart: "allerede i testmiljøet").
_TAKES_EFFECT = re.compile(
    rf"\b(?:fra|frå|fom\.?|fra\s+og\s+med|frå\s+og\s+med)\s+(?:\w+\s+)?\d{{1,2}}\.\s*{_MONTHS}", re.IGNORECASE
)
# A date ("2. februar", "02.02.2026", "2026-02-02"), not any number: "Når 2024 åpnes i produksjon,
# kommer egen melding" names a year, not a production date.
_DATE = re.compile(
    r"\b\d{1,2}\.\s*(?:\d{1,2}\.|(?:jan|feb|mar|apr|mai|jun|jul|aug|sep|okt|nov|des)[a-zæøå]*)|\b\d{4}-\d{2}-\d{2}\b",
    re.IGNORECASE,
)
# "Ingen endring i produksjon." on its own: named to say it is left alone ("vi gjør ingen endringer
# i API-ene i produksjon i juli" still speaks of production).
_NO_CHANGE = re.compile(
    r"(?:det\s+er\s+|det\s+blir\s+|det\s+vert\s+)?ingen\s+(?:[\wæøå]+\s+(?:eller|og)\s+)?"
    r"(?:endring\w*|påvirkning\w*|konsekvens\w*|avbrot\w*|avbrudd\w*|nedetid\w*|problem\w*|feil\w*)"
    r"\s+(?:i|for|på)\s+[\wæøå-]+",
    re.IGNORECASE,
)
_TEST_RELEASE = re.compile(
    r"\b(?:allerede|først|fyrst)\b|\b(?:alt|nå|no)\s+(?:\w+\s+)?(?:tilgjengelig|tilgjengeleg|ute|i|på\s+plass|klar"
    r"|klart|aktiv)\b|\b\d{1,2}\.\s",
    re.IGNORECASE,
)
_WEEKDAYS = r"(?:mandag|måndag|tirsdag|tysdag|onsdag|torsdag|fredag|lørdag|laurdag|søndag|sundag)"
# What dates a production step besides a date: a month, a weekday, a week, today or tomorrow, "at the
# same time", "in the course of the week", or test named beside it ("i både test og produksjon").
_ANCHOR = re.compile(
    rf"\b{_MONTHS}\b|\b{_WEEKDAYS}\b|\b(?:uke|veke)\s*\d|\bi\s+(?:dag|morgen|morgon|kveld|natt)\b"
    r"|\b(?:samtidig|samstundes|allerede|alt|nå|no)\b|\b(?:samme|same)\s+(?:dag|tid|tidspunkt|dato|versjon)\b"
    r"|\b(?:både|og)\s+(?:i\s+)?test|\btest\w*\s+(?:og|eller|,)\s+(?:i\s+)?prod"
    r"|\bi\s+løpet\s+av\s+(?:\w+\s+)?(?:dagen|døgnet|veka|uka|uken|veke|helga|helgen)\b"
    r"|\b(?:neste|kommende|komande|denne|dette)\s+(?:uke|veke|måned|månad|dag|helg)\b"
    r"|\bom\s+(?:\w+\s+)?(?:dager|dagar|uker|veker|timer)\b",
    re.IGNORECASE,
)
# A sentence about what is still to come ("Produksjonsdato kunngjøres senere", "Når endringa kjem i
# produksjon, seier vi frå"), not a report of what is done ("API-et er oppdatert i produksjon").
_FUTURE = re.compile(
    r"\b(?:kommer|kjem|vil|skal|blir|vert|når|kva\s+tid|hvilken|kva\s+dag|senere|seinare|planlegg\w*"
    r"|forvent\w*|venter|ventar|varsl\w*|kunngj\w*|bestem\w*|avklar\w*|fastsett\w*|fastsatt|tas|takast"
    r"|\w+es|\w+ast)\b",
    re.IGNORECASE,
)
_DONE_ALREADY = re.compile(
    r"\b(?:allerede|alt)\s+(?:blitt\s+|vorte\s+)?(?:oppgradert|oppdatert|gjennomført|ferdig|utført|flyttet|flytta|migrert)\b",
    re.IGNORECASE,
)
_LATER_NOTICE = re.compile(
    r"\bnytt\s+varsel\b|\b(?:kommer|kjem)\s+(?:vi\s+)?tilbake\s+(?:med|til)\b|\bvil\s+varsle\b"
    r"|\bvarsle\s+på\s+nytt\b",
    re.IGNORECASE,
)


def find_environment(
    prepared: Prepared, vocabulary: Vocabulary, category: str | None = None
) -> tuple[Environment, str]:
    """The environment and the terms that decided it."""
    test: list[str] = []
    prod: list[str] = []
    full = prepared.full_text
    groups = [group for group in ("both_terms", "test_terms", "prod_terms") if vocabulary.has(group, full)]
    split = (
        [(sentence.text, _CLAUSE.split(sentence.text)) for sentence in prepared.sentences] if groups else []
    )
    release = category == "api_change" and _names_test(
        [part for _, parts in split for part in parts], vocabulary
    )
    clauses = [
        (part, later, _left_out_by_next(parts, index))
        for text, parts in split
        for later in [_later(text, release)]  # once per sentence
        for index, part in enumerate(parts)
    ]
    for text, later, left_out in clauses:
        if left_out or _out_of_scope(text, category):
            continue
        both = vocabulary.first("both_terms", text) if "both_terms" in groups else None
        if both is not None:
            return "both", f"environment both: '{both.group(0)}'"
        if "test_terms" in groups:
            test.extend(match.group(0) for match in vocabulary.find("test_terms", text))
        if "prod_terms" in groups and not later:
            prod.extend(match.group(0) for match in vocabulary.find("prod_terms", text))
    released_in_test = _test_release([clause for clause, _, _ in clauses], vocabulary)
    if test and not prod and category == "api_change" and released_in_test:
        prod.extend(_effective_dates(prepared, vocabulary))
    if test and prod:
        return "both", f"environment both: '{test[0]}' and '{prod[0]}'"
    if test:
        return "test", f"environment test: '{test[0]}'"
    if prod:
        return "prod", f"environment prod: '{prod[0]}'"
    return "unspecified", "environment unspecified: no environment named"


def _test_release(clauses: list[str], vocabulary: Vocabulary) -> bool:
    """A clause dates the change in test ("allerede tilgjengelig i testmiljøet", "i test 6. oktober")."""
    return any(vocabulary.has("test_terms", clause) and _TEST_RELEASE.search(clause) for clause in clauses)


# A clause that is only a predicate ("går som normalt", "er ikkje ramma"): it speaks of the clause before.
_PREDICATE_ONLY = re.compile(
    r"^\s*(?:går|fungerer|fungerar|virker|verkar|kjører|køyrer|svarer|svarar|er|blir|vert|berøres|påvirkes)\b",
    re.IGNORECASE,
)


def _left_out_by_next(parts: list[str], index: int) -> bool:
    """ "Øvrige tjenester i AT, og alle tjenester i produksjon, går som normalt": a clause whose
    predicate comes after the next comma, and says it is not affected."""
    following = parts[index + 1] if index + 1 < len(parts) else ""
    return _PREDICATE_ONLY.match(following) is not None and not_affected(following)


def _names_test(clauses: list[str], vocabulary: Vocabulary) -> bool:
    """Some clause names test and does not leave it out."""
    return any(vocabulary.has("test_terms", clause) and not not_affected(clause) for clause in clauses)


def _out_of_scope(clause: str, category: str | None) -> bool:
    """Not affected, only a later notice announced, "Ingen endring i produksjon" on its own, or, in a
    downtime, already done ("Testmiljøet er allerede oppgradert")."""
    if not_affected(clause) or _LATER_NOTICE.search(clause) or _NO_CHANGE.fullmatch(clause.strip(" .!")):
        return True
    return category == "downtime" and _DONE_ALREADY.search(clause) is not None


def _later(sentence: str, release: bool) -> bool:
    """The sentence speaks of production to come without saying when: always for the known ways of
    saying so (`_LATER`); in a test release (`release`), for any future sentence with no anchor."""
    if _DATE.search(sentence) is not None:
        return False
    if _LATER.search(sentence) is not None:
        return True
    return release and _ANCHOR.search(sentence) is None and _FUTURE.search(sentence) is not None


def _effective_dates(prepared: Prepared, vocabulary: Vocabulary) -> list[str]:
    """Dates a change takes effect on, in clauses that name no environment."""
    found = []
    for sentence in prepared.sentences:
        for clause in _CLAUSE.split(sentence.text):
            match = _TAKES_EFFECT.search(clause)
            if match is not None and not vocabulary.has("test_terms", clause) and not not_affected(clause):
                found.append(match.group(0))
    return found
