"""Incident threads: which alerts reply to the alert of the incident they follow.

A resolution ("løst", "normal drift") goes to the kommuner and channels that got the error or
downtime notice it closes, as a reply in that thread; an update on an open incident ("fortsatt
driftsproblemer") goes where its own routing sends it, as a reply where the opening went. The
matching itself is `monitor.route.threads.find_opening` (pure); this module adds the history it needs
(recent incidents and the alerts they caused) from the store.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import sqlite_utils

from monitor.catalogue.kommuner import kommune_name
from monitor.model import Alert, Change, Classification, Notice
from monitor.route.threads import find_opening
from monitor.store import notices as notice_store
from monitor.texts import say

#: How far back a resolution looks for the incident it closes.
THREAD_LOOKBACK = timedelta(days=7)
#: An error/downtime notice this soon after an incident it matches is a follow-up in its thread.
FOLLOW_UP_LOOKBACK = timedelta(hours=24)
INCIDENT_CATEGORIES = frozenset({"error", "downtime"})

Candidate = tuple[str, Notice, Classification]


def thread_resolution(
    db: sqlite_utils.Database,
    change: Change,
    classification: Classification,
    routed: list[Alert],
    batch: list[Candidate],
    batch_alerts: list[Alert],
    now: datetime,
    *,
    language_of: Callable[[str], str] = lambda kommune: "nb",
) -> list[Alert]:
    """Send a resolution to the kommuner and channels that got the incident it closes, threaded."""
    candidates = _incident_candidates(db, batch, now - THREAD_LOOKBACK)
    opening = find_opening(change.notice, classification, candidates, now)
    parents = _parent_alerts(db, opening, batch_alerts) if opening else {}
    if not parents:
        return routed
    base = f"{change.notice.source}:{change.notice.notice_id}#v{change.version}"
    threaded = []
    for (kommune, channel), parent_key in sorted(parents.items()):
        name = _kommune_name(routed, kommune)
        language = language_of(kommune)
        threaded.append(
            Alert(
                key=f"{base}|{kommune}|{channel}",
                kommune_number=kommune,
                kommune_name=name,
                channel=channel,
                change=change,
                classification=classification,
                why=(say(language, "route.follow_up"),),
                thread_key=parent_key,
                language=language,
            )
        )
    return threaded


def thread_follow_up(
    db: sqlite_utils.Database,
    change: Change,
    classification: Classification,
    routed: list[Alert],
    batch: list[Candidate],
    batch_alerts: list[Alert],
    now: datetime,
) -> list[Alert]:
    """An update on an open incident ("fortsatt driftsproblemer") replies in the incident's thread.

    It still goes to everyone its own routing reaches; only the channels that got the opening
    notice get it as a reply. Only incidents opened within FOLLOW_UP_LOOKBACK count as open.
    """
    when = change.notice.published or change.notice.updated or now
    key = f"{change.notice.source}:{change.notice.notice_id}"
    since = when - FOLLOW_UP_LOOKBACK
    candidates = [
        candidate
        for candidate in _incident_candidates(db, batch, since)
        if candidate[0] != key and (candidate[1].published or candidate[1].updated or now) >= since
    ]
    opening = find_opening(change.notice, classification, candidates, now)
    parents = _parent_alerts(db, opening, batch_alerts) if opening else {}
    return [
        dataclasses.replace(alert, thread_key=parents.get((alert.kommune_number, alert.channel)))
        for alert in routed
    ]


def _incident_candidates(
    db: sqlite_utils.Database, batch: list[Candidate], since: datetime
) -> list[Candidate]:
    """Error/downtime notices since `since`: stored ones and those earlier in this same poll."""
    stored = list(notice_store.recent_incidents(db, since))
    return stored + [item for item in batch if item[2].category in INCIDENT_CATEGORIES]


def _parent_alerts(
    db: sqlite_utils.Database, opening: str, batch_alerts: Sequence[Alert]
) -> dict[tuple[str, str], str]:
    """(kommune, channel) → the idempotency key of the first alert they got about `opening`."""
    parents = {
        (alert.kommune_number, alert.channel): alert.key
        for alert in batch_alerts
        if alert.key.startswith(opening + "#")
    }
    for item in notice_store.alerts_for_notice(db, opening):
        parents.setdefault((item.kommune, item.channel), item.idem_key)
    return parents


def _kommune_name(routed: Sequence[Alert], kommune: str) -> str:
    for alert in routed:
        if alert.kommune_number == kommune:
            return alert.kommune_name
    if kommune == "admin":
        return "Administrator"
    return kommune_name(kommune) or kommune
