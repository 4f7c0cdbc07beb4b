"""Reminders while an outage lasts, and how long it lasted once resolved.

`queue_reminders` (before each delivery round) finds every error or downtime alert still open
(`monitor.store.held.open_incidents`) and, in working hours, queues one short "[Fortsatt] …"
("[Framleis] …" in nynorsk) reply in its thread for each `remind_after` of working time since
it was delivered: the key names the interval, so a restart or a second round never repeats one,
and a day the daemon was down yields one reminder, not a burst. It stops when a resolution is in
the thread, the notice is edited or removed, or the announced window has ended.
`with_duration` adds "(varte i 3 t 20 min)" to a resolution's headline.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

import sqlite_utils

from monitor.config.types import Rules
from monitor.deliver.deadletter import find_channel
from monitor.deliver.quiet import OSLO, in_working_hours, working_time_between
from monitor.deliver.render import message_id_for
from monitor.model import Alert, Message
from monitor.store import held as held_store
from monitor.store import outbox
from monitor.store.outbox import OutboxEntry, OutboxItem
from monitor.texts import say

log = logging.getLogger(__name__)
#: Incidents delivered longer ago than this get no more reminders.
LOOKBACK = timedelta(days=7)


def queue_reminders(db: sqlite_utils.Database, rules: Rules, now: datetime) -> int:
    """Queue the reminders owed at `now`; returns how many were new. Nothing outside working hours."""
    if not in_working_hours(now):
        return 0
    entries = []
    for parent, window_end in held_store.open_incidents(db, now - LOOKBACK):
        entry = _reminder(rules, parent, window_end, now)
        if entry is not None:
            entries.append(entry)
    queued = outbox.enqueue(db, entries, now=now)
    if queued:
        log.info("queued %d outage reminders", len(queued))
    return len(queued)


def _reminder(rules: Rules, parent: OutboxItem, window_end: str | None, now: datetime) -> OutboxEntry | None:
    channel = find_channel(rules, parent.kommune, parent.channel)
    if channel is None or channel.schedule.remind_after_hours <= 0 or parent.delivered_at is None:
        return None
    if window_end is not None and _window_over(window_end, now):
        return None
    interval = timedelta(hours=channel.schedule.remind_after_hours)
    count = working_time_between(parent.delivered_at, now) // interval
    if count < 1:
        return None
    key = f"{parent.idem_key}|fortsatt{count}"
    return OutboxEntry(
        idem_key=key,
        notice_key=parent.notice_key,
        version=parent.version,
        kommune=parent.kommune,
        channel=parent.channel,
        message=reminder_message(parent, key, now),
        thread_key=parent.idem_key,
    )


def reminder_message(parent: OutboxItem, key: str, now: datetime) -> Message:
    """The short "[Fortsatt] Feil: …" reply, in the parent's målform."""
    language = parent.message.language
    started = parent.delivered_at or parent.created_at
    since = f"{started.astimezone(OSLO):%d.%m. %H:%M}"
    return Message(
        subject=say(language, "reminder.subject", title=parent.message.headline),
        headline=say(language, "reminder.headline", title=parent.message.headline),
        fields=(),
        body=say(language, "reminder.body", since=since, duration=duration_text(now - started, language)),
        link=parent.message.link,
        footer=parent.message.footer,
        message_id=message_id_for(key),
        in_reply_to=parent.message.message_id,
        language=language,
    )


def with_duration(message: Message, started: datetime, ended: datetime) -> Message:
    """A resolution's message with how long the incident lasted in its headline."""
    lasted = say(message.language, "lasted", duration=duration_text(ended - started, message.language))
    return replace(message, headline=f"{message.headline} {lasted}")


def resolution_span(alert: Alert, parent_created: datetime | None) -> tuple[datetime, datetime] | None:
    """When the incident a resolution closes began and ended, or None when that is not known.

    An incident edited to "resolved": from its publication to its update. A resolution threaded
    under an opening alert: from when that alert was queued to the resolution's publication.
    Spans under a minute are not worth saying.
    """
    if alert.classification.category != "resolved":
        return None
    notice = alert.change.notice
    if alert.change.kind == "edited":
        start, end = notice.published, notice.updated
    else:
        start, end = parent_created, notice.published or notice.updated
    if start is None or end is None or end - start < timedelta(minutes=1):
        return None
    return start, end


def duration_text(span: timedelta, language: str) -> str:
    """ "3 t 20 min", "45 min" (never negative)."""
    minutes = max(int(span.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return say(language, "duration.hours", hours=hours, minutes=minutes)
    return say(language, "duration.minutes", minutes=minutes)


def _window_over(window_end: str, now: datetime) -> bool:
    try:
        end = datetime.strptime(window_end, "%Y-%m-%dT%H:%M").replace(tzinfo=OSLO)
    except ValueError:
        return False
    return now >= end
