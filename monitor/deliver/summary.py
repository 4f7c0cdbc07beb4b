"""Summary messages (pure; bokmål or nynorsk, monitor/texts): one message standing in for many.

`storm_summary` lists the new notices a kommune channel would have got one by one when a source
brought too many at once (monitor.route.storm); the notice text itself is in each notice's link
and in `driftsvarsel history`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlite_utils

from monitor.config.types import Rules
from monitor.deliver.render import (
    SUBJECT_MAX_CHARS,
    category_name,
    message_id_for,
    one_line,
    render_admin,
)
from monitor.model import Alert, Message
from monitor.store import outbox
from monitor.texts import say

log = logging.getLogger(__name__)

#: Lines listed in a summary before "… og N til".
MAX_LISTED = 40
#: A summary's list may be longer than one notice's body (BODY_MAX_CHARS), well within every
#: channel's limit (Slack splits long text into 3,000-character sections; Teams cards hold ~28 KB).
SUMMARY_MAX_CHARS = 6000


def storm_summary(
    source: str, alerts: Sequence[Alert], kommune: str, kommune_name: str, key: str, language: str = "nb"
) -> Message:
    """One message listing the new notices in `alerts` (all of one kommune channel), in `language`."""
    count = len(alerts)
    lines = []
    for alert in alerts[:MAX_LISTED]:
        notice = alert.change.notice
        title = one_line(notice.title) or say(language, "untitled")
        lines.append(f"• {category_name(alert.classification, language)}: {title} – {notice.link.strip()}")
    if count > MAX_LISTED:
        lines.append(say(language, "summary.more", count=count - MAX_LISTED))
    body = "\n".join(lines)
    if len(body) > SUMMARY_MAX_CHARS:
        shortened = say(language, "summary.list_shortened", count=count)
        body = body[: SUMMARY_MAX_CHARS - 60].rsplit("\n", 1)[0] + f"\n{shortened}"
    headline = say(language, "summary.storm_headline", count=count, source=source)
    fields: list[tuple[str, str]] = [
        (say(language, "summary.field_count"), str(count)),
        (say(language, "summary.field_source"), source),
    ]
    if kommune != "admin":
        fields.append((say(language, "field.kommune"), f"{kommune_name} ({kommune})"))
    return Message(
        subject=say(language, "summary.storm_subject", headline=headline)[:SUBJECT_MAX_CHARS],
        headline=headline,
        fields=tuple(fields),
        body=body,
        link=None,
        footer=say(language, "summary.storm_footer"),
        message_id=message_id_for(key),
        language=language,
    )


def queue_storm(
    db: sqlite_utils.Database,
    rules: Rules,
    source: str,
    new_count: int,
    held: Mapping[tuple[str, str], Sequence[Alert]],
    now: datetime,
) -> None:
    """Queue one storm summary per (kommune, channel) in `held`, and a note to every admin channel."""
    stamp = f"{source}:storm:{now:%Y%m%dT%H%M%S}"
    entries = []
    for (kommune, channel), alerts in held.items():
        key = f"{stamp}|{kommune}|{channel}"
        name = alerts[0].kommune_name if alerts else kommune
        language = rules.language_of(kommune)
        message = storm_summary(source, alerts, kommune, name, key, language)
        entries.append(outbox.OutboxEntry(key, stamp, None, kommune, channel, message))
    outbox.enqueue(db, entries, now=now)
    log.warning("poll %s: %d new notices at once; %d summaries instead", source, new_count, len(entries))
    admin_language = rules.admin_malform
    subject = say(admin_language, "admin.storm_subject", source=source, count=new_count)
    text = say(
        admin_language, "admin.storm_text", limit=rules.settings.max_new_per_poll, messages=len(entries)
    )
    admin = []
    for admin_channel in rules.admin:
        key = f"admin:{stamp}|admin|{admin_channel.name}"
        admin.append(("admin", admin_channel.name, key, render_admin(subject, text, key, admin_language)))
    outbox.enqueue_admin(db, admin, now)
