"""The daemon's secret check, at start and after every reload (SIGHUP).

Every `env:`/`cred:` reference is resolved at once instead of at the first alert. For each one
that does not resolve: the admin route is told (which channel, which reference, never a value),
/healthz says "degraded", and the channels that need it are not tried at all: their alerts are
dead-lettered at once, so they go to the kommune's `fallback` channel (see deliver.deadletter).
Other kommuner are untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

import sqlite_utils

from monitor.config.secretcheck import ChannelKey, SecretProblem, unresolved_secrets
from monitor.config.types import ChannelConfig, Rules
from monitor.deliver.worker import SendFn
from monitor.model import DeliveryResult
from monitor.pipeline import report_to_admin
from monitor.store.outbox import OutboxItem
from monitor.texts import say

log = logging.getLogger(__name__)

#: An SMTP password serves every email channel: name the first few, count the rest.
LISTED_CHANNELS = 5


def check_secrets(db: sqlite_utils.Database, rules: Rules, now: datetime) -> list[SecretProblem]:
    """Resolve every reference of `rules`; log and tell the admin route about the missing ones."""
    problems = unresolved_secrets(rules)
    if not problems:
        log.info("every secret reference in %s resolves", rules.path)
        return problems
    for problem in problems:
        log.error("secret missing: %s", problem.located(rules.path))
    subject, text = admin_text(rules, problems)
    report_to_admin(
        db, rules, now, key=f"admin:secrets-missing:{now:%Y%m%dT%H%M%S}", subject=subject, text=text
    )
    return problems


def broken_channels(problems: Sequence[SecretProblem]) -> dict[ChannelKey, str]:
    """(kommune, channel) → the first reference it lacks."""
    broken: dict[ChannelKey, str] = {}
    for problem in problems:
        for key in problem.use.channels:
            broken.setdefault(key, problem.use.ref)
    return broken


def guarded_sender(send: SendFn, problems: Sequence[SecretProblem]) -> SendFn:
    """`send`, except that a channel whose secret is missing fails permanently without a try.

    A permanent failure dead-letters the item at once, which queues the channel's fallback.
    """
    broken = broken_channels(problems)
    if not broken:
        return send

    def guarded(item: OutboxItem, channel: ChannelConfig) -> DeliveryResult:
        ref = broken.get((item.kommune, channel.name))
        if ref is None:
            return send(item, channel)
        detail = f"hemmeligheten {ref} mangler (driftsvarsel rules check viser hvordan den settes)"
        return DeliveryResult(False, None, detail, permanent=True)

    return guarded


def health(base: tuple[bool, str], problems: Sequence[SecretProblem]) -> tuple[bool, str]:
    """/healthz: `base` (the poll age), degraded (unhealthy) while a secret is missing."""
    if not problems:
        return base
    parts = []
    for problem in problems:
        channels = [f"{kommune}/{channel}" for kommune, channel in problem.use.channels]
        more = len(channels) - LISTED_CHANNELS
        where = ", ".join(channels[:LISTED_CHANNELS]) + (f" and {more} more" if more > 0 else "")
        parts.append(f"{problem.use.ref} ({problem.use.path}{'; channels ' + where if where else ''})")
    return False, f"degraded: secret missing: {'; '.join(parts)}\n{base[1]}"


def admin_text(rules: Rules, problems: Sequence[SecretProblem]) -> tuple[str, str]:
    """The admin message in the admin route's målform: what is missing, who is affected, what
    happens meanwhile."""
    language, count = rules.admin_malform, len(problems)
    subject = (
        say(language, "admin.secrets.subject_one")
        if count == 1
        else say(language, "admin.secrets.subject_many", count=count)
    )
    lines = [say(language, "admin.secrets.intro")]
    names = {kommune.number: kommune.name for kommune in rules.kommuner}
    fallbacks = {
        (number, channel.name): channel.fallback
        for number, channels in [(k.number, k.channels) for k in rules.kommuner] + [("admin", rules.admin)]
        for channel in channels
    }
    for problem in problems:
        lines.append(f"- {problem.use.ref} ({rules.path}:{problem.use.line}, {problem.use.path})")
        more = len(problem.use.channels) - LISTED_CHANNELS
        for kommune, channel in problem.use.channels[:LISTED_CHANNELS]:
            admins = say(language, "admin.secrets.admins")
            who = admins if kommune == "admin" else f"{names.get(kommune, kommune)} ({kommune})"
            fallback = fallbacks.get((kommune, channel))
            instead = (
                say(language, "admin.secrets.fallback", fallback=fallback)
                if fallback
                else say(language, "admin.secrets.no_fallback")
            )
            lines.append(say(language, "admin.secrets.channel", channel=channel, who=who, instead=instead))
        if more > 0:
            lines.append(say(language, "admin.secrets.more", count=more))
    lines.append(say(language, "admin.secrets.fix"))
    lines.append(say(language, "admin.secrets.restart"))
    return subject, "\n".join(lines)
