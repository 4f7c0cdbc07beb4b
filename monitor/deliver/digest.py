"""Admin noise, bounded: faults of one topic (a dead channel, the sources) in one hour make one message.

The first fault of a (topic, hour) is queued at once under its usual key, so the admin hears
promptly. Later faults of that topic and hour gather in one more message, due at the end of the
hour and rewritten with each new line until then (only a message not yet due is rewritten, so no
worker is sending it meanwhile). So a
channel that dead-letters 30 messages in an hour costs the admin at most two messages, each
listing what happened, not 30.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

import sqlite_utils

from monitor.config.types import Rules
from monitor.deliver.render import render_admin, truncate
from monitor.store import digest as digest_store
from monitor.store import outbox, write_transaction
from monitor.store.outbox import OutboxEntry
from monitor.texts import say

log = logging.getLogger(__name__)

#: Lines listed in one admin message before "… og N til", and its length (more than one alert's
#: body, well within every channel's limit).
MAX_LINES = 10
MAX_CHARS = 6000


def report(
    db: sqlite_utils.Database,
    rules: Rules,
    *,
    topic: str,
    key: str,
    subject: str,
    line: str,
    now: datetime,
    footer: str = "",
    skip_channel: str | None = None,
) -> list[int]:
    """Add `line` to this hour's admin message about `topic` (`key` names the first one); returns new ids.

    Runs in one transaction (joining the caller's when one is open).
    """
    with write_transaction(db):
        return _report(db, rules, topic, key, subject, line, now, footer, skip_channel)


def _report(
    db: sqlite_utils.Database,
    rules: Rules,
    topic: str,
    key: str,
    subject: str,
    line: str,
    now: datetime,
    footer: str,
    skip_channel: str | None,
) -> list[int]:
    hour = now.strftime("%Y%m%dT%H")
    base, _ = digest_store.base_key(db, topic, hour, key)
    hour_end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    inserted: list[int] = []
    for channel in rules.admin:
        if channel.name == skip_channel:
            continue
        keys = ((f"{base}|admin|{channel.name}", now), (f"{base}+|admin|{channel.name}", hour_end))
        if digest_store.has_line(db, [key for key, _ in keys], line):
            continue  # a replay (crash and redo): reported already
        for idem_key, due in keys:
            state = digest_store.waiting(db, idem_key, now)
            if state is False:
                continue  # already sent (or being sent): the rest of the hour goes in the next one
            lines = [f"{at:%H:%M} UTC: {text}" for at, text in digest_store.add_line(db, idem_key, line, now)]
            language = rules.admin_malform
            text = _text(lines, footer, language)
            message = replace(
                render_admin(_subject(subject, len(lines), language), text, idem_key, language),
                body=truncate(text, MAX_CHARS, language),
            )
            if state is None:
                inserted += outbox.enqueue(
                    db, [OutboxEntry(idem_key, None, None, "admin", channel.name, message)], now=due
                )
            else:
                digest_store.rewrite(db, idem_key, message, now)
            break
        else:
            log.warning(
                "admin digest %s for %s: both messages of this hour already sent; logged only: %s",
                topic,
                channel.name,
                line,
            )
    return inserted


def _subject(subject: str, count: int, language: str = "nb") -> str:
    return subject if count == 1 else say(language, "admin.digest_subject", subject=subject, count=count)


def _text(lines: list[str], footer: str, language: str = "nb") -> str:
    shown = lines[:MAX_LINES]
    if len(lines) > MAX_LINES:
        shown.append(say(language, "summary.more", count=len(lines) - MAX_LINES))
    return "\n\n".join([*shown, footer] if footer else shown)
