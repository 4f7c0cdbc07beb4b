"""The structure of a status-page text: its current status and its newest update.

A status-page incident or maintenance is a chain of updates, each led by its status, newest first:

    Status: Løst                                   (the head line monitor/sources/statuspage.py writes)
    Løst (22.05.2024 kl. 12:30): Feilen er rettet
    **Identifisert** - Årsaken er funnet ...        (as the status page shows it)
    12. nov 2025, 09:30 CET

`read_chain(prepared)` finds the status of the chain as published (the head line, else the first
update) and the sentences of the newest update, so the category follows the structure first and
reads prose only for what the status does not say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from monitor.classify.text import Prepared, Sentence

Stage = Literal["resolved", "monitoring", "open", "scheduled", "changed", "notice"]

_STAGES: dict[Stage, tuple[str, ...]] = {
    "resolved": ("løst", "løyst", "resolved", "fullført", "fullf[øo]rt", "ferdig", "completed", "avslutta?"),
    "monitoring": (
        "overvåkes",
        "overvåkast",
        "overvakast",
        "overvakes",
        "monitoring",
        "verifiseres",
        "under observasjon",
    ),  # fmt: skip
    "open": (
        "undersøkes",
        "undersøkjast",
        "undersøkjer",
        "under undersøkelse",
        "under undersøking",
        "identifisert",
        "årsak funnet",
        "investigating",
        "identified",
        "pågår",
        "in progress",
        "oppdatering",
        "oppdatert",
        "update",
        "updated",
    ),  # fmt: skip
    "scheduled": ("planlagt", "planlagd", "scheduled"),
    "changed": (
        "avlyst",
        "avlyst",
        "cancelled",
        "utsatt",
        "utsett",
        "flyttet",
        "flytta",
        "endret",
        "endra",
        "forlenget",
        "forlenga",
    ),  # fmt: skip
    # "Status: Informasjon": a notice on the status page that is neither an incident nor a maintenance.
    "notice": ("informasjon", "information", "kunngjøring", "kunngjering", "melding"),
}
_LABEL = "|".join(term for terms in _STAGES.values() for term in terms)
# "Løst - text", "Løst – text", "Løst (22.05.2024 kl. 12:30): text", "Løst: text" at a sentence start.
# Also after the update's own stamp: "14.07.2026 06:55 – Forlenget: ...".
_UPDATE = re.compile(
    rf"^\s*(?:\d{{1,2}}\.\d{{1,2}}\.\d{{2,4}}\s+(?:kl\.?\s*)?\d{{1,2}}[:.]\d{{2}}\s*[-–—·|]\s*)?({_LABEL})\s*(?:[-–—:·|]\s|:$|\(\d)",
    re.IGNORECASE,
)
# The head's window line: "Planlagt: fra ...", "Planlagt: tirsdag 21. april kl. 17:00–19:30".
_SCHEDULE_LINE = re.compile(
    r"^\s*planlag[td]\s*:\s*(?:fra|frå|\d|(?:man|tirs|tys|ons|tors|fre|lør|laur|søn|sun)dag)\b", re.IGNORECASE
)
_HEAD = re.compile(rf"^\s*status\s*:\s*({_LABEL})\s*$", re.IGNORECASE)
# An update's own stamp: "29.07.2025 kl. 14:00", "2025-07-29 14:00", "12. nov 2025, 09:30 CET".
_STAMP = (
    r"(?:\d{1,2}\.\d{1,2}\.\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}\.?\s*[a-zæøå]{3,9}\.?\s+\d{4}),?\s+"
    r"(?:kl\.?\s*)?\d{1,2}[:.]\d{2}(?:\s*(?:CES?T|UTC|GMT))?"
)
# A status-page update's own time stamp on a line of its own: "12. nov 2025, 08:05 CET", "05.05.2026 09:00".
STAMP_LINE = re.compile(rf"^\s*{_STAMP}\s*$", re.IGNORECASE)
# A line that is only an update's header, its label and its stamp in either order:
# "Planlagt – 29.07.2025 kl. 14:00", "21.01.2025 14:00 – Planlagt", "Løst (22.05.2024 kl. 12:30)".
UPDATE_HEADER = re.compile(
    rf"^\s*(?:({_LABEL})\s*(?:[-–—:·|,]\s*|\(\s*)?{_STAMP}\s*\)?|{_STAMP}\s*[-–—:·|,]?\s*({_LABEL}))\s*:?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Chain:
    """The chain's current stage, the label that shows it, and the newest update's sentences."""

    stage: Stage
    label: str
    latest: tuple[Sentence, ...]
    updates: int


def stage_of(label: str) -> Stage:
    word = label.lower().strip()
    for stage, terms in _STAGES.items():
        if any(re.fullmatch(term, word) for term in terms):
            return stage
    return "open"


def read_chain(prepared: Prepared) -> Chain | None:
    """The chain structure of a status-page text, or None for an ordinary post."""
    head: str | None = None
    starts: list[int] = []
    body = prepared.body_sentences
    for position, sentence in enumerate(body):
        match = _HEAD.match(sentence.text)
        if match and head is None:
            head = match.group(1)
            continue
        header = UPDATE_HEADER.match(sentence.text) is not None
        if header or (_UPDATE.match(sentence.text) and not _SCHEDULE_LINE.match(sentence.text)):
            starts.append(position)
    if not starts and head is None:
        return None
    if starts:
        end = starts[1] if len(starts) > 1 else len(body)
        latest = body[starts[0] : end]
    else:  # a head line and one unlabelled update
        latest = tuple(sentence for sentence in body if not _HEAD.match(sentence.text))
    label = head or _label(body[starts[0]])
    return Chain(stage_of(label), label, latest, len(starts))


def scheduled_update(text: str) -> bool:
    """Whether `text` opens an update labelled with a schedule ("Planlagt: 14. juli kl. 06:00–07:00")."""
    match = _UPDATE.match(text)
    return match is not None and stage_of(match.group(1)) in ("scheduled", "changed")


def _label(sentence: Sentence) -> str:
    header = UPDATE_HEADER.match(sentence.text)
    if header is not None:
        return header.group(1) or header.group(2)
    match = _UPDATE.match(sentence.text)
    return match.group(1) if match else ""


def latest_update(prepared: Prepared, chain: Chain) -> Prepared:
    """The newest update alone, as a Prepared without a title (for reading its prose)."""
    text = "\n".join(sentence.text for sentence in chain.latest)
    return Prepared("", text, chain.latest)


def strip_label(text: str) -> str:
    """A sentence without its leading status label ("Undersøkes - Siden kl. 07:45 ..." → "Siden ...")."""
    match = _UPDATE.match(text)
    if match is None or _SCHEDULE_LINE.match(text):
        return text
    return text[match.end(1) :].lstrip(" -–:")
