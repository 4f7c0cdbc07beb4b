"""Holding back what can wait, and sending it later as one digest.

`hold_alerts` (called in the poll's transaction, right after the alerts were queued) marks each
new alert its channel's schedule holds (`monitor.deliver.quiet.hold_for`). When the worker sends
a digest item, `collect_digest` claims its due mates and `digest_message` writes them as one
message, in the kommune's målform, listing each notice; every member is then settled with that
one result. A digest member in an incident thread is sent on its own, as a reply in the thread.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import sqlite_utils

from monitor.config.types import Rules
from monitor.deliver.deadletter import find_channel
from monitor.deliver.quiet import hold_for
from monitor.deliver.render import BODY_MAX_CHARS, MESSAGE_ID_DOMAIN, SUBJECT_MAX_CHARS, truncate
from monitor.model import Alert, Message
from monitor.store import held as held_store
from monitor.store import outbox
from monitor.store.outbox import OutboxItem
from monitor.texts import say

log = logging.getLogger(__name__)


def hold_alerts(db: sqlite_utils.Database, rules: Rules, alerts: Sequence[Alert], now: datetime) -> int:
    """Hold every queued alert whose channel's quiet hours or digest apply now; returns how many."""
    count = 0
    for alert in alerts:
        channel = find_channel(rules, alert.kommune_number, alert.channel)
        if channel is None:
            continue
        hold = hold_for(alert.classification.category, channel.schedule, now)
        if hold is not None and held_store.hold(db, alert.key, hold.kind, hold.until):
            log.info("holding %s until %s (%s)", alert.key, hold.until.isoformat(), hold.kind)
            count += 1
    return count


def collect_digest(
    db: sqlite_utils.Database, item: OutboxItem, now: datetime, *, holder: str, lease: timedelta
) -> list[OutboxItem]:
    """The due digest mates of the claimed digest item `item`, each claimed by `holder`; [] when
    `item` is not a digest item or is threaded (then it is sent alone)."""
    if item.thread_key is not None or held_store.held_kind(db, item.id) != "digest":
        return []
    mates = held_store.due_digest_mates(db, item, now)
    return [mate for mate in mates if outbox.claim(db, mate.id, now, now + lease, holder=holder)]


def digest_message(items: Sequence[OutboxItem]) -> Message:
    """One message listing the messages of `items` (their subjects, then each one's text in short).

    Its Message-ID comes from the members' keys, so sending the same digest again keeps it.
    """
    language = items[0].message.language
    count = len(items)
    lines = [say(language, "digest.line", subject=item.message.subject) for item in items]
    per_item = max(80, BODY_MAX_CHARS // max(count, 1) - 60)
    sections = [
        f"{item.message.headline}\n{truncate(item.message.body, per_item, language)}"
        + (f"\n{item.message.link}" if item.message.link else "")
        for item in items
    ]
    body = truncate("\n".join(lines) + "\n\n" + "\n\n".join(sections), BODY_MAX_CHARS * 2, language)
    digest = hashlib.sha256("|".join(item.idem_key for item in items).encode("utf-8")).hexdigest()[:32]
    subject = say(language, "digest.subject", count=count)
    return Message(
        subject=subject[:SUBJECT_MAX_CHARS],
        headline=say(language, "digest.headline", count=count),
        fields=(),
        body=body,
        link=None,
        footer=say(language, "digest.footer"),
        message_id=f"<digest-{digest}@{MESSAGE_ID_DOMAIN}>",
        language=language,
    )


def as_digest(item: OutboxItem, mates: Sequence[OutboxItem]) -> OutboxItem:
    """`item` carrying the digest of itself and `mates` (itself alone when there are none)."""
    if not mates:
        return item
    return replace(item, message=digest_message([item, *mates]))
