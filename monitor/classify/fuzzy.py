"""Misspelt downtime words ("nedetdi", "utilgjengligt", "vedlikehlod", "oppgradring").

Notices are typed in a hurry; a typo in the one word that says a service is unavailable must not
turn a downtime notice into an error. A word counts when its start is one edit (insert, delete,
substitute, or swap two neighbours) from one of a few key stems. Only the key words of
unavailability and maintenance are checked, and only where the exact vocabulary found none.
"""

from __future__ import annotations

import re

#: Stems of the words that say "unavailable" or "maintenance"; at least 7 letters, so that one
#: edit rarely turns another Norwegian word into one of them.
DOWNTIME_STEMS = ("nedetid", "utilgjengelig", "utilgjengeleg", "vedlikehold", "vedlikehald")
CONTEXT_STEMS = (*DOWNTIME_STEMS, "oppgrader")
_WORD = re.compile(r"[a-zæøå]{6,24}")


def _distance_at_most_one(word: str, stem: str) -> bool:
    """Whether `word` is at most one edit (Damerau: insert, delete, substitute, swap) from `stem`."""
    if word == stem:
        return True
    if abs(len(word) - len(stem)) > 1:
        return False
    if len(word) == len(stem):
        differences = [index for index, (a, b) in enumerate(zip(word, stem, strict=True)) if a != b]
        if len(differences) == 1:
            return True
        first, second = differences[0], differences[-1]
        return (
            len(differences) == 2
            and second == first + 1
            and word[first] == stem[second]
            and word[second] == stem[first]
        )
    shorter, longer = (word, stem) if len(word) < len(stem) else (stem, word)
    index = 0
    while index < len(shorter) and shorter[index] == longer[index]:
        index += 1
    return shorter[index:] == longer[index + 1 :]


def _near(word: str, stem: str) -> bool:
    """The word, or its start (inflections and compounds), is one edit from the stem."""
    return any(
        _distance_at_most_one(word[:length], stem) for length in (len(stem) - 1, len(stem), len(stem) + 1)
    )


def misspelt(text: str, stems: tuple[str, ...] = DOWNTIME_STEMS) -> list[str]:
    """The words of `text` that look like a misspelling of one of `stems`, in order."""
    found = []
    for match in _WORD.finditer(text.lower()):
        word = match.group(0)
        if any(stem in word for stem in stems):
            continue  # spelt right ("vedlikehold" is no typo of "vedlikehald")
        if any(word[:2] == stem[:2] and _near(word, stem) for stem in stems):
            found.append(word)
    return found
