"""Incident threads: which alerts reply to the alert of the incident they follow.

A follow-up ("fortsatt driftsproblemer") or a resolution ("løst", "normal drift") goes where its own
routing sends it; each channel that also got the opening notice gets it as a reply in that thread.
A resolution also reaches the kommuner and channels that got the opening but are not on its own
route (they were told of the problem, so they hear it is over), and closes the thread: nothing
threads under it again. The matching itself is `monitor.route.threads` (pure); `PollThreads` adds
the history it needs (open incidents, closed threads, the alerts they caused) from the store, loaded
once per poll and kept up to date as the poll's changes are routed, so a poll of n changes costs
n log n, not n².
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils

from monitor.catalogue.kommuner import kommune_name
from monitor.model import Alert, Change, Classification, Notice
from monitor.route.threads import LOOKBACK, OpeningIndex, build_index, find_chain
from monitor.store import notices as notice_store
from monitor.store import threads as thread_store
from monitor.texts import say

#: How far back a resolution looks for the incident it closes.
THREAD_LOOKBACK = LOOKBACK
#: An error/downtime notice this soon after an incident it matches is a follow-up in its thread.
FOLLOW_UP_LOOKBACK = timedelta(hours=24)
INCIDENT_CATEGORIES = frozenset({"error", "downtime"})

Candidate = tuple[str, Notice, Classification]
Parents = dict[tuple[str, str], str]


@dataclass
class PollThreads:
    """The threading state of one poll: open incidents, and the alerts this poll has routed so far."""

    db: sqlite_utils.Database
    index: OpeningIndex
    #: notice key → (kommune, channel) → idempotency key of the first alert of this poll about it.
    routed: dict[str, Parents] = field(default_factory=dict)
    #: (opening key, resolution key) pairs closed in this poll, to be stored with it.
    closures: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def load(cls, db: sqlite_utils.Database, now: datetime) -> PollThreads:
        since = now - THREAD_LOOKBACK
        stored = notice_store.recent_incidents(db, since)
        return cls(db, build_index(stored, thread_store.closed_since(db, since - THREAD_LOOKBACK)))

    def add(self, key: str, notice: Notice, classification: Classification, alerts: Sequence[Alert]) -> None:
        """Remember a routed change of this poll: a candidate opening, and where its alerts went."""
        self.index.add(key, notice, classification)
        parents = self.routed.setdefault(key, {})
        for alert in alerts:
            parents.setdefault((alert.kommune_number, alert.channel), alert.key)

    def parents(self, opening: str) -> Parents:
        """(kommune, channel) → the idempotency key of the first alert they got about `opening`."""
        found = dict(self.routed.get(opening, {}))
        for item in notice_store.alerts_for_notice(self.db, opening):
            found.setdefault((item.kommune, item.channel), item.idem_key)
        return found


def thread_resolution(
    threads: PollThreads,
    change: Change,
    classification: Classification,
    routed: list[Alert],
    now: datetime,
    *,
    language_of: Callable[[str], str] = lambda kommune: "nb",
) -> list[Alert]:
    """A resolution: its own route, plus the opening's recipients; replies where the opening went."""
    key = f"{change.notice.source}:{change.notice.notice_id}"
    chain = find_chain(change.notice, classification, threads.index, now, lookback=THREAD_LOOKBACK)
    if not chain:
        return routed
    parents = threads.parents(chain[0])
    threads.index.close(chain)
    threads.closures.extend((opening, key) for opening in chain)
    alerts = [
        dataclasses.replace(alert, thread_key=parents.get((alert.kommune_number, alert.channel)))
        for alert in routed
    ]
    own = {(alert.kommune_number, alert.channel) for alert in routed}
    base = f"{key}#v{change.version}"
    for (kommune, channel), parent_key in sorted(parents.items()):
        if (kommune, channel) in own:
            continue
        language = language_of(kommune)
        alerts.append(
            Alert(
                key=f"{base}|{kommune}|{channel}",
                kommune_number=kommune,
                kommune_name=_kommune_name(routed, kommune),
                channel=channel,
                change=change,
                classification=classification,
                why=(say(language, "route.follow_up"),),
                thread_key=parent_key,
                language=language,
            )
        )
    return alerts


def thread_follow_up(
    threads: PollThreads, change: Change, classification: Classification, routed: list[Alert], now: datetime
) -> list[Alert]:
    """An update on an open incident ("fortsatt driftsproblemer") replies in the incident's thread.

    It goes to everyone its own routing reaches; only the channels that got the opening notice get
    it as a reply. Only incidents opened within FOLLOW_UP_LOOKBACK count.
    """
    key = f"{change.notice.source}:{change.notice.notice_id}"
    chain = find_chain(
        change.notice, classification, threads.index, now, lookback=FOLLOW_UP_LOOKBACK, exclude=key
    )
    parents = threads.parents(chain[0]) if chain else {}
    return [
        dataclasses.replace(alert, thread_key=parents.get((alert.kommune_number, alert.channel)))
        for alert in routed
    ]


def withdrawn(
    threads: PollThreads,
    key: str,
    change: Change,
    classification: Classification,
    *,
    language_of: Callable[[str], str] = lambda kommune: "nb",
) -> list[Alert]:
    """Planned work taken down from the source (diff: removed while older notices remain): a
    "[Trukket tilbake]" reply to each kommune channel that got it. Other removals alert no one."""
    if not (classification.planned or (classification.category == "downtime" and classification.window)):
        return []
    threads.index.close([key])
    base = f"{key}#v{change.version}-trukket"
    return [
        Alert(
            key=f"{base}|{kommune}|{channel}",
            kommune_number=kommune,
            kommune_name=_kommune_name((), kommune),
            channel=channel,
            change=change,
            classification=classification,
            why=(say(language_of(kommune), "route.withdrawn"),),
            thread_key=parent_key,
            language=language_of(kommune),
        )
        for (kommune, channel), parent_key in sorted(threads.parents(key).items())
    ]


def thread_under(threads: PollThreads, original: str, routed: list[Alert]) -> list[Alert]:
    """Alerts about a notice another source already announced, as replies where that one went."""
    parents = threads.parents(original)
    return [
        dataclasses.replace(alert, thread_key=parents.get((alert.kommune_number, alert.channel)))
        for alert in routed
    ]


def _kommune_name(routed: Sequence[Alert], kommune: str) -> str:
    for alert in routed:
        if alert.kommune_number == kommune:
            return alert.kommune_name
    if kommune == "admin":
        return "Administrator"
    return kommune_name(kommune) or kommune
