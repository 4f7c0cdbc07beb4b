"""What happens around a dead letter: the fallback channel and the report to the admin route.

Both are queued in the outbox with stable idempotency keys, so a repeated call never queues
twice. A report about a report (keys starting "admin:") is only logged: an admin channel that
is down must not set off a chain of reports about reports.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Literal

import sqlite_utils

from monitor.config.types import ChannelConfig, Rules
from monitor.deliver import digest
from monitor.model import DeliveryResult, Message
from monitor.store import outbox
from monitor.store.outbox import OutboxEntry, OutboxItem
from monitor.texts import say

log = logging.getLogger(__name__)

DeadReason = Literal["permanent", "gave_up", "gone"]
ADMIN_KEY_PREFIX = "admin:"


def enqueue_fallback(
    db: sqlite_utils.Database, rules: Rules, item: OutboxItem, channel: ChannelConfig, now: datetime
) -> str | None:
    """Queue `item` for `channel.fallback` (same kommune); returns the fallback's name or None.

    The fallback's key is the item's key with the channel swapped ("...|0301|epost"), so a
    kommune that already gets the alert on that channel does not get it twice.
    """
    if channel.fallback is None or channel.fallback == item.channel:
        return None
    target = find_channel(rules, item.kommune, channel.fallback)
    if target is None:
        log.error(
            "fallback channel %r of %s/%s is not configured", channel.fallback, item.kommune, item.channel
        )
        return None
    entry = OutboxEntry(
        idem_key=_swap_channel(item.idem_key, item.kommune, item.channel, target.name),
        notice_key=item.notice_key,
        version=item.version,
        kommune=item.kommune,
        channel=target.name,
        message=item.message,
        thread_key=None
        if item.thread_key is None
        else _swap_channel(item.thread_key, item.kommune, item.channel, target.name),
    )
    outbox.enqueue(db, [entry], now=now)
    return target.name


def report_dead(
    db: sqlite_utils.Database,
    rules: Rules,
    item: OutboxItem,
    result: DeliveryResult,
    fallback: str | None,
    now: datetime,
    *,
    reason: DeadReason,
) -> list[int]:
    """Tell every admin channel (but the dead one) that `item` is dead; returns new outbox ids.

    One message per dead channel and hour (monitor.deliver.digest): the first is
    "admin:dead:<outbox id>|admin|<admin channel>", later dead items of that channel and hour are
    added to it while it waits, or gathered in one more message at the end of the hour.
    """
    if item.idem_key.startswith(ADMIN_KEY_PREFIX):
        log.error(
            "admin message %d (%s) is dead and is not reported further: %s",
            item.id,
            item.channel,
            result.detail,
        )
        return []
    subject, text = _describe(rules, item, result, fallback, reason)
    skip = item.channel if item.kommune == "admin" else None
    if not [channel for channel in rules.admin if channel.name != skip]:
        log.error("no admin channel to report dead outbox item %d to", item.id)
        return []
    return digest.report(
        db,
        rules,
        topic=f"dead:{item.kommune}:{item.channel}",
        key=f"{ADMIN_KEY_PREFIX}dead:{item.id}",
        subject=subject,
        line=text,
        now=now,
        footer=say(rules.admin_malform, "admin.dead_footer"),
        skip_channel=skip,
    )


def find_channel(rules: Rules, kommune: str, name: str) -> ChannelConfig | None:
    """The channel `name` of kommune number `kommune` ("admin": the admin route) in `rules`."""
    if kommune == "admin":
        channels = rules.admin
    else:
        channels = next((k.channels for k in rules.kommuner if k.number == kommune), ())
    return next((channel for channel in channels if channel.name == name), None)


def admin_message(subject: str, text: str, key: str, language: str = "nb") -> Message:
    """`monitor.deliver.render.render_admin`, or a plain Message when the renderer is not available."""
    try:
        from monitor.deliver.render import render_admin
    except ImportError:
        hashed = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
        return Message(subject, subject, (), text, None, "", f"<{hashed}@driftsvarsel.invalid>")
    return render_admin(subject, text, key, language)


def _describe(
    rules: Rules, item: OutboxItem, result: DeliveryResult, fallback: str | None, reason: DeadReason
) -> tuple[str, str]:
    language = rules.admin_malform
    channel = say(language, "admin.channel", channel=item.channel, who=_who(rules, item.kommune, language))
    answer = f"HTTP {result.status}" if result.status is not None else say(language, "admin.no_answer")
    if reason == "gone":
        subject = say(language, "admin.gone_subject", channel=channel)
        first = say(language, "admin.gone_text", channel=channel)
    elif reason == "permanent":
        subject = say(language, "admin.permanent_subject", channel=channel)
        first = say(language, "admin.permanent_text", channel=channel, answer=answer, detail=result.detail)
    else:
        subject = say(language, "admin.gave_up_subject", channel=channel)
        first = say(
            language,
            "admin.gave_up_text",
            attempts=item.attempts + 1,
            since=f"{item.created_at:%Y-%m-%d %H:%M}",
            answer=answer,
            detail=result.detail,
        )
    rescue = (
        say(language, "admin.fallback_used", fallback=fallback)
        if fallback
        else say(language, "admin.no_fallback")
    )
    lines = [
        first,
        say(language, "admin.dead_message", subject=item.message.subject, id=item.id),
        rescue,
        say(language, "admin.dead_retry", id=item.id),
    ]
    return subject, " ".join(lines)


def _who(rules: Rules, kommune: str, language: str = "nb") -> str:
    if kommune == "admin":
        return say(language, "admin.who_admins")
    name = next((k.name for k in rules.kommuner if k.number == kommune), None)
    return f"{name} ({kommune})" if name else say(language, "admin.who_kommune", number=kommune)


def _swap_channel(key: str, kommune: str, channel: str, other: str) -> str:
    suffix = f"|{kommune}|{channel}"
    if key.endswith(suffix):
        return f"{key[: -len(suffix)]}|{kommune}|{other}"
    return f"{key}|fallback|{other}"
