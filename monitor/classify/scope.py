"""Whether a mention puts something in a notice's scope: "X er ikke berørt" and "X fungerer som
normalt" name X only to leave it out (used for environments and APIs alike).

    clause_around(text, start, end) -> str    the clause of text[start:end]
    not_affected(clause) -> bool              the clause says its subject is untouched
"""

from __future__ import annotations

import re

_AFFECTED = (
    r"(?:berørt|berøres|berørast|berørte|påvirket|påvirkes|påverka|påverkast|råka|råkast|ramma|rammet|ramt|rørt|rørd"
    r"|røres|rørast|røyrt|røyrd|røyrast"
    r"|omfattet|omfatta|endret|endres|endra|endrast)"
)
_ACTIVE = r"(?:påvirker|påverkar|berører|rører|rammer|rammar|gjelder|gjeld|omfatter|omfattar|endrer|endrar)"
# "Produksjon går som normalt", "Skattegrunnlag API vert ikkje endra", "Endringa gjeld ikkje Inntekt API".
_NOT_AFFECTED = re.compile(
    # "Produksjon ser ikke ut til å være berørt": up to four words between.
    rf"\b(?:ikke|ikkje)\s+(?:\w+\s+){{0,4}}?{_AFFECTED}\b|\b{_AFFECTED}\s+(?:\w+\s+)?(?:ikke|ikkje)\b"
    rf"|\b{_ACTIVE}\s+(?:ikke|ikkje)\b"
    r"|\b(?:uendret|uendra|uberørt|uberørte|upåvirket|upåverka)\b"
    # "Testmiljøet er ikkje med", "Produksjonsmiljøet er ikke med i denne jobben".
    r"|\b(?:er|blir|vert)\s+(?:ikke|ikkje)\s+med\b(?=\s*(?:[.,;:!]|$)|\s+(?:i|på)\s+(?:denne|dette|det|den|arbeid|jobb"
    r"|oppgrader|vedlikeh|endring|omlegging|flytting))"
    # "I produksjon er 2022 framleis tilgjengeleg": still as it was.
    r"|\b(?:framleis|fortsatt|fremdeles)\s+(?:tilgjengelig|tilgjengeleg|tilgjengelige|uendret|uendra)\b",
    re.IGNORECASE,
)
_AS_ALWAYS = re.compile(
    r"\b(?:går|fungerer|fungerar|virker|verkar|kjører|køyrer|svarer|svarar|held\s+fram|holder\s+fram|fortsetter"
    r"|fortset"
    # "Akseptansetestmiljøet er ope som vanleg".
    r"|er\s+(?:ope|open|oppe|åpent?|tilgjengelig|tilgjengeleg))\s+(?:\w+\s+)?(?:som\s+)?"
    r"(?:normalt|vanlig|vanleg|før|tidlegare|tidligere)\b",
    re.IGNORECASE,
)
# "Inntekt API fungerer som normalt igjen" reports a return: what it names was affected.
_RETURN = re.compile(
    r"\b(?:igjen|att|nå|no|tilbake|etter|sidan|siden|fra\s+kl|frå\s+kl|gjenoppretta|gjenopprettet)\b",
    re.IGNORECASE,
)
# "Alle API-er i AT blir berørt, produksjon berøres ikke": the clause says it, not the whole sentence.
CLAUSE = re.compile(r"[,;.!?\n]|\s[-–]\s|\bmen\b", re.IGNORECASE)


def not_affected(clause: str) -> bool:
    """The clause says what it names is not affected, or works as always."""
    if _NOT_AFFECTED.search(clause) is not None:
        return True
    return _AS_ALWAYS.search(clause) is not None and _RETURN.search(clause) is None


def clause_around(text: str, start: int, end: int) -> str:
    """The clause of `text` that holds text[start:end]: from the boundary before to the one after."""
    before = [match.end() for match in CLAUSE.finditer(text, max(0, start - 300), start)]
    after = CLAUSE.search(text, end)
    return text[before[-1] if before else max(0, start - 300) : after.start() if after else len(text)]


def counted(matches: list[re.Match[str]], text: str) -> list[re.Match[str]]:
    """The matches whose clause does not leave them out of scope."""
    return [match for match in matches if not not_affected(clause_around(text, match.start(), match.end()))]
