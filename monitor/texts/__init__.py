"""Every word kommune staff read, in bokmål (`nb`) and nynorsk (`nn`): one table per language.

`nb.TEXTS` and `nn.TEXTS` are plain `str.format` tables with the same keys and the same
`{placeholders}` (tests/test_texts.py checks). `say(language, key, **values)` fills one in.
What lives here: alert labels, subjects, prefixes, footers, buttons, reminders, digests and the
synthetic notices of the health probes. What does not: the notice's own text (quoted as published)
and operator-facing English (logs, CLI errors).
"""

from __future__ import annotations

from typing import Literal

from monitor.texts import nb, nn

Language = Literal["nb", "nn"]
LANGUAGES: tuple[Language, ...] = ("nb", "nn")
DEFAULT: Language = "nb"
TABLES: dict[Language, dict[str, str]] = {"nb": nb.TEXTS, "nn": nn.TEXTS}


def say(language: str, key: str, **values: object) -> str:
    """The text `key` in `language` ("nb" or "nn"; anything else is bokmål) with `values` filled in.

    Raises KeyError for an unknown key (a bug, caught by the tests).
    """
    table = nn.TEXTS if language == "nn" else nb.TEXTS
    return table[key].format(**values)


def language_of(value: str | None) -> Language:
    """`value` as a Language; None or anything unknown is bokmål (stored messages from before nn)."""
    return "nn" if value == "nn" else "nb"


def weekday(language: str, index: int) -> str:
    """Monday = 0 → "mandag" / "måndag"."""
    return say(language, "weekdays").split()[index]
