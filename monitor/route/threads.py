"""Which earlier error/downtime notice a resolution closes, so its alert can be a threaded reply.

`find_opening` scores each recent (≤ LOOKBACK before the resolution) error or downtime candidate:
overlapping APIs (or "*"), the same environment, closeness in time, and similar wording of title
and body ("Driftsproblemer" / "Driftsproblemer løst", "kravogbetaling-api" in both). Candidates
whose APIs or environments contradict the resolution's are not plausible. In an incident chain
(problem → update → update) the chain's first notice is returned, since the thread starts there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from monitor.model import ALL_APIS, Classification, Notice

LOOKBACK = timedelta(days=7)
CHAIN_GAP = timedelta(hours=24)
MIN_SCORE = 2.0
STEM = 7
INCIDENT_CATEGORIES = ("error", "downtime")
# Words every incident notice uses; they say nothing about which incident it is.
_COMMON = frozenset(
    """løst løyst rettet retta er nå no i på med og for til vi har det de en et av som om at ikke
    normal normalt drift igjen att oppe fungerer fungere tilbake skal være nå problemene problemer
    problem feilen feil tjenestene tjenester våre vår skatteetatens skatteetaten systemene
    driftsvarsel driftsmelding oppdatert oppdatering fortsatt kl ca""".split()
)
_WORD = re.compile(r"[a-zæøå][a-zæøå0-9-]{2,}")

Candidate = tuple[str, Notice, Classification]


def _words(text: str) -> set[str]:
    """Content words, cut to a crude stem ("ustabiliteten" and "ustabilitet" meet)."""
    return {word[:STEM] for word in _WORD.findall(text.lower()) if word not in _COMMON}


def _similarity(left: set[str], right: set[str]) -> float:
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def _title_similarity(resolved: Notice, opening: Notice) -> float:
    """Jaccard of title words, with the resolution's "løst" etc. ignored; 1.0 for equal titles."""
    left, right = _words(resolved.title), _words(opening.title)
    if not left and not right:
        strip = re.compile(r"[\W\d_]+|\bløst\b", re.IGNORECASE)
        return 1.0 if strip.sub("", resolved.title.lower()) == strip.sub("", opening.title.lower()) else 0.0
    return _similarity(left, right)


def _api_score(resolved: tuple[str, ...], opening: tuple[str, ...]) -> float | None:
    """+ for shared APIs, small for "*" against anything, None when they contradict."""
    if ALL_APIS in resolved or ALL_APIS in opening:
        return 1.0 if resolved == opening else 0.5 if resolved and opening else 0.0
    if resolved and opening:
        return 2.0 if set(resolved) & set(opening) else None
    return 0.5 if not resolved and not opening else None


def _environment_score(resolved: str, opening: str) -> float | None:
    if resolved == opening:
        return 0.5
    if "unspecified" in (resolved, opening) or "both" in (resolved, opening):
        return 0.0
    return None


def _when(notice: Notice) -> datetime | None:
    return notice.published or notice.updated


def _score(
    resolved: Notice, resolved_cls: Classification, candidate: Candidate, at: datetime
) -> float | None:
    _, notice, cls = candidate
    when = _when(notice)
    if cls.category not in INCIDENT_CATEGORIES or when is None or not at - LOOKBACK <= when <= at:
        return None
    apis = _api_score(resolved_cls.apis, cls.apis)
    environment = _environment_score(resolved_cls.environment, cls.environment)
    if apis is None or environment is None:
        return None
    hours = (at - when).total_seconds() / 3600
    closeness = 2.0 / (1.0 + hours / 6.0)
    title = 2.0 * _title_similarity(resolved, notice)
    body = 2.0 * _similarity(_words(resolved.text), _words(notice.text))
    if not resolved_cls.apis and title + body == 0.0:
        return None  # two notices about other services that share no word are about different ones
    return apis + environment + closeness + title + body


def find_opening(
    resolved: Notice, resolved_cls: Classification, candidates: Sequence[Candidate], now: datetime
) -> str | None:
    """The key of the error/downtime candidate this resolution closes, or None when none is plausible."""
    at = _when(resolved) or now
    scored = [
        (score, candidate)
        for candidate in candidates
        if (score := _score(resolved, resolved_cls, candidate, at)) is not None
    ]
    if not scored:
        return None
    best_score, best = max(scored, key=lambda item: item[0])
    if best_score < MIN_SCORE:
        return None
    return _chain_root(best, [candidate for _, candidate in scored])


def _chain_root(best: Candidate, plausible: list[Candidate]) -> str:
    """Walk back from `best` through plausible candidates each within CHAIN_GAP of the next."""
    ordered = sorted(plausible, key=lambda candidate: _when(candidate[1]) or datetime.min)
    root = best
    for candidate in reversed(ordered):
        root_when, when = _when(root[1]), _when(candidate[1])
        if root_when is None or when is None or when >= root_when:
            continue
        if root_when - when <= CHAIN_GAP and _same_incident(root, candidate):
            root = candidate
    return root[0]


def _same_incident(later: Candidate, earlier: Candidate) -> bool:
    """Same APIs (or overlapping named ones) and no contradicting environment."""
    apis, earlier_apis = later[2].apis, earlier[2].apis
    same_apis = apis == earlier_apis or bool(set(apis) & set(earlier_apis) - {ALL_APIS})
    return same_apis and _environment_score(later[2].environment, earlier[2].environment) is not None
