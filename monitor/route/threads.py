"""Which earlier error/downtime notice a follow-up or resolution belongs to (pure).

An `OpeningIndex` holds the open incidents of the last LOOKBACK, bucketed by API and sorted by time,
so finding an opening costs O(log n) plus at most MAX_SCORED candidates per bucket, whatever the
poll's size (10,000 incidents in one poll is seconds, not hours). A candidate is plausible only when

- its APIs overlap the later notice's ("*", all delingstjenester, overlaps every API; two notices
  naming no kommune API must share content words),
- its environment overlaps (equal, or one is "both"; a notice that names no environment is taken to
  be about production, since Skatteetaten names the test environment when it means it),
- it is still open: not closed by an earlier resolution, and for planned work, its window has begun
  (a maintenance next week is not what "løst" today closes) and did not end over CHAIN_GAP ago.

Plausible candidates are scored on closeness in time and similar wording of title and body
("Driftsproblemer" / "Driftsproblemer løst"); in an incident chain (problem → update → update) the
chain's first notice is returned, since the thread starts there.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from monitor.model import ALL_APIS, Classification, Notice

LOOKBACK = timedelta(days=7)
CHAIN_GAP = timedelta(hours=24)
#: Planned work counts as begun this long before its window's stated start.
WINDOW_LEAD = timedelta(hours=1)
MIN_SCORE = 2.0
STEM = 7
#: Per bucket, only the newest this many candidates in the lookback are scored: older ones in a
#: crowded bucket lose on closeness anyway, and the bound keeps matching n log n.
MAX_SCORED = 64
INCIDENT_CATEGORIES = ("error", "downtime")
OSLO = ZoneInfo("Europe/Oslo")
_NO_API = ""
# Words every incident notice uses; they say nothing about which incident it is.
_COMMON = frozenset(
    """løst løyst rettet retta er nå no i på med og for til vi har det de en et av som om at ikke
    normal normalt drift igjen att oppe fungerer fungere tilbake skal være nå problemene problemer
    problem feilen feil tjenestene tjenester våre vår skatteetatens skatteetaten systemene
    driftsvarsel driftsmelding oppdatert oppdatering fortsatt kl ca""".split()
)
_WORD = re.compile(r"[a-zæøå][a-zæøå0-9-]{2,}")

Candidate = tuple[str, Notice, Classification]


@dataclass(frozen=True)
class Opening:
    """An incident notice as the index keeps it: its key, when, and its words (computed once)."""

    key: str
    notice: Notice
    classification: Classification
    when: datetime
    title_words: frozenset[str]
    body_words: frozenset[str]


@dataclass
class OpeningIndex:
    """Open error/downtime notices by API bucket, each bucket sorted by time."""

    _times: dict[str, list[datetime]] = field(default_factory=dict)
    _items: dict[str, list[Opening]] = field(default_factory=dict)
    _open: dict[str, Opening] = field(default_factory=dict)
    _keys: set[str] = field(default_factory=set)

    def add(self, key: str, notice: Notice, classification: Classification) -> None:
        """Index one notice; ignored unless it is a dated error/downtime notice not seen before."""
        when = _when(notice)
        if classification.category not in INCIDENT_CATEGORIES or when is None or key in self._keys:
            return
        self._keys.add(key)
        opening = Opening(
            key, notice, classification, when, frozenset(_words(notice.title)), frozenset(_words(notice.text))
        )
        self._open[key] = opening
        for bucket in _buckets(classification.apis):
            times, items = self._times.setdefault(bucket, []), self._items.setdefault(bucket, [])
            position = bisect.bisect_right(times, when)
            times.insert(position, when)
            items.insert(position, opening)

    def close(self, keys: Iterable[str]) -> None:
        """Mark openings as closed (a resolution threaded under them): nothing threads there again.

        They leave the index at once, so a long history of closed incidents costs nothing later.
        """
        for key in keys:
            self._keys.add(key)  # closed before it was indexed (stored closures): never index it
            opening = self._open.pop(key, None)
            if opening is None:
                continue
            for bucket in _buckets(opening.classification.apis):
                times, items = self._times[bucket], self._items[bucket]
                position = bisect.bisect_left(times, opening.when)
                while items[position].key != key:
                    position += 1
                del times[position], items[position]

    def near(self, apis: tuple[str, ...], since: datetime, until: datetime) -> list[Opening]:
        """Open candidates in [since, until] from the buckets `apis` can overlap; newest per bucket."""
        wanted = set(self._items) if ALL_APIS in apis else {*_buckets(apis), ALL_APIS}
        found: dict[str, Opening] = {}
        for bucket in wanted:
            times, items = self._times.get(bucket, []), self._items.get(bucket, [])
            low, high = bisect.bisect_left(times, since), bisect.bisect_right(times, until)
            taken = 0
            for position in range(high - 1, low - 1, -1):
                opening = items[position]
                if opening.key in found:
                    continue
                found[opening.key] = opening
                taken += 1
                if taken >= MAX_SCORED:
                    break
        return sorted(found.values(), key=lambda opening: (opening.when, opening.key))


def build_index(candidates: Iterable[Candidate], closed: Iterable[str] = ()) -> OpeningIndex:
    index = OpeningIndex()
    index.close(closed)
    for key, notice, classification in candidates:
        index.add(key, notice, classification)
    return index


def find_opening(
    resolved: Notice,
    resolved_cls: Classification,
    candidates: Sequence[Candidate] | OpeningIndex,
    now: datetime,
    *,
    lookback: timedelta = LOOKBACK,
    exclude: str | None = None,
) -> str | None:
    """The key of the open incident `resolved` follows up or closes (its chain's first), or None."""
    chain = find_chain(resolved, resolved_cls, candidates, now, lookback=lookback, exclude=exclude)
    return chain[0] if chain else None


def find_chain(
    resolved: Notice,
    resolved_cls: Classification,
    candidates: Sequence[Candidate] | OpeningIndex,
    now: datetime,
    *,
    lookback: timedelta = LOOKBACK,
    exclude: str | None = None,
) -> tuple[str, ...]:
    """The keys of the incident chain `resolved` belongs to, its opening first; () when none is plausible."""
    index = candidates if isinstance(candidates, OpeningIndex) else build_index(candidates)
    at = _when(resolved) or now
    words = (frozenset(_words(resolved.title)), frozenset(_words(resolved.text)))
    scored = [
        (score, opening)
        for opening in index.near(resolved_cls.apis, at - lookback, at)
        if opening.key != exclude
        and (score := _score(resolved, resolved_cls, words, opening, at)) is not None
    ]
    if not scored:
        return ()
    best_score, best = max(scored, key=lambda item: item[0])
    if best_score < MIN_SCORE:
        return ()
    return _chain(best, [opening for _, opening in scored])


def apis_overlap(later: tuple[str, ...], earlier: tuple[str, ...]) -> bool | None:
    """True when they share an API or one is "*"; None when both name none (words must decide)."""
    if not later and not earlier:
        return None
    if ALL_APIS in later or ALL_APIS in earlier:
        return bool(later and earlier)
    return bool(set(later) & set(earlier))


def environments_overlap(later: str, earlier: str) -> bool:
    left, right = _production(later), _production(earlier)
    return left == right or "both" in (left, right)


def is_open(opening: Opening, at: datetime) -> bool:
    """Planned work is open from just before its window starts until CHAIN_GAP after it ends."""
    window = opening.classification.window
    if window is None:
        return True
    start, end = _local(window.start), _local(window.end)
    if start is not None and start - WINDOW_LEAD > at:
        return False
    return end is None or end + CHAIN_GAP >= at


def _score(
    resolved: Notice,
    resolved_cls: Classification,
    words: tuple[frozenset[str], frozenset[str]],
    opening: Opening,
    at: datetime,
) -> float | None:
    overlap = apis_overlap(resolved_cls.apis, opening.classification.apis)
    if overlap is False or not environments_overlap(
        resolved_cls.environment, opening.classification.environment
    ):
        return None
    if not is_open(opening, at):
        return None
    title_words, body_words = words
    title = 2.0 * _title_similarity(resolved, title_words, opening)
    body = 2.0 * _similarity(body_words, opening.body_words)
    if overlap is None and title + body == 0.0:
        return None  # two notices about other services that share no word are about different ones
    apis = 0.5 if overlap is None or ALL_APIS in resolved_cls.apis + opening.classification.apis else 2.0
    if resolved_cls.apis == opening.classification.apis == (ALL_APIS,):
        apis = 1.0
    environment = 0.5 if resolved_cls.environment == opening.classification.environment else 0.0
    hours = (at - opening.when).total_seconds() / 3600
    closeness = 2.0 / (1.0 + hours / 6.0)
    return apis + environment + closeness + title + body


def _chain(best: Opening, plausible: list[Opening]) -> tuple[str, ...]:
    """Walk back from `best` through plausible candidates each within CHAIN_GAP of the next;
    the keys walked, the chain's first (the thread's root) first."""
    chain = [best]
    for candidate in sorted(plausible, key=lambda opening: opening.when, reverse=True):
        root = chain[-1]
        if candidate.when >= root.when:
            continue
        if root.when - candidate.when <= CHAIN_GAP and _same_incident(root, candidate):
            chain.append(candidate)
    return tuple(opening.key for opening in reversed(chain))


def _same_incident(later: Opening, earlier: Opening) -> bool:
    """Same APIs (or overlapping named ones) and overlapping environments."""
    apis, earlier_apis = later.classification.apis, earlier.classification.apis
    same_apis = apis == earlier_apis or bool(set(apis) & set(earlier_apis) - {ALL_APIS})
    return same_apis and environments_overlap(
        later.classification.environment, earlier.classification.environment
    )


def _buckets(apis: tuple[str, ...]) -> tuple[str, ...]:
    return apis or (_NO_API,)


def _production(environment: str) -> str:
    return "prod" if environment == "unspecified" else environment


def _words(text: str) -> set[str]:
    """Content words, cut to a crude stem ("ustabiliteten" and "ustabilitet" meet)."""
    return {word[:STEM] for word in _WORD.findall(text.lower()) if word not in _COMMON}


def _similarity(left: frozenset[str] | set[str], right: frozenset[str] | set[str]) -> float:
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def _title_similarity(resolved: Notice, words: frozenset[str], opening: Opening) -> float:
    """Jaccard of title words, with the resolution's "løst" etc. ignored; 1.0 for equal titles."""
    if not words and not opening.title_words:
        strip = re.compile(r"[\W\d_]+|\bløst\b", re.IGNORECASE)
        same = strip.sub("", resolved.title.lower()) == strip.sub("", opening.notice.title.lower())
        return 1.0 if same else 0.0
    return _similarity(words, opening.title_words)


def _when(notice: Notice) -> datetime | None:
    return notice.published or notice.updated


def _local(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=OSLO)
    except ValueError:
        return None
