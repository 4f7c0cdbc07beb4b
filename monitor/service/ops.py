"""The daemon's operational side: metrics, /healthz, the daily heartbeat, admin reports.

Kept apart from `daemon.py` (scheduling and signals) so each stays small. Every function takes
the database and rules it needs; nothing here is scheduled by itself.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlite_utils

from monitor.config.types import ChannelConfig, Rules
from monitor.deliver.worker import SendFn, real_sender
from monitor.model import DeliveryResult
from monitor.pipeline import PollReport, report_to_admin
from monitor.service import metrics
from monitor.service.heartbeat import HeartbeatStats, heartbeat_due, heartbeat_text
from monitor.store import outbox
from monitor.store import sources as source_store
from monitor.store.outbox import OutboxItem
from monitor.texts import say

log = logging.getLogger(__name__)
OSLO = ZoneInfo("Europe/Oslo")


def record_poll(report: PollReport, now: datetime) -> None:
    """Count one poll in the Prometheus metrics (a baseline's existing notices are not news)."""
    ok = report.outcome != "failed"
    metrics.record_fetch(report.source, ok)
    if ok:
        metrics.mark_good_poll(report.source, now)
    if report.outcome == "baseline":
        return
    for classification in report.classifications.values():
        metrics.record_notice(classification.category)


def counting_sender(rules: Rules, send: SendFn | None = None) -> SendFn:
    """`send` (default: the real senders for `rules`) counting each attempt in the metrics.

    The result label: "ok", "retry" (a retryable failure) or "failed" (a permanent one).
    """
    inner = real_sender(rules) if send is None else send

    def counted(item: OutboxItem, channel: ChannelConfig) -> DeliveryResult:
        result = inner(item, channel)
        outcome = "ok" if result.ok else ("failed" if result.permanent else "retry")
        metrics.record_delivery(channel.kind, outcome)
        return result

    return counted


def refresh_outbox_gauge(db: sqlite_utils.Database) -> None:
    metrics.set_outbox_depth(outbox.depth(db))


def last_good_poll(db: sqlite_utils.Database) -> datetime | None:
    """The newest successful poll of any source, or None before the first one."""
    moments = [state.last_ok_at for state in source_store.source_states(db) if state.last_ok_at]
    return max(moments) if moments else None


def health(db: sqlite_utils.Database, rules: Rules, now: datetime, started: datetime) -> tuple[bool, str]:
    """The /healthz answer: failing when the last good poll is older than the configured age."""
    return metrics.health_from_last_poll(
        last_good_poll(db), now, rules.settings.healthz_max_age_seconds, started=started
    )


def report_refused_reload(
    db: sqlite_utils.Database, rules: Rules, rules_path: Path, problems: str, now: datetime
) -> None:
    """Tell the admin route (of the rules still in force) why a new rules file was refused."""
    report_to_admin(
        db,
        rules,
        now,
        key=f"admin:reload-refused:{now:%Y%m%dT%H%M%S}",
        subject=say(rules.admin_malform, "admin.reload_refused_subject"),
        text=say(rules.admin_malform, "admin.reload_refused_text", path=rules_path, problems=problems),
    )


def maybe_send_heartbeat(db: sqlite_utils.Database, rules: Rules, now: datetime) -> bool:
    """Queue today's "still alive" message to the admin route when it is due (once a day).

    The idempotency key carries the local date, so a restart never sends a second one.
    """
    hour = rules.settings.heartbeat_hour
    today = now.astimezone(OSLO).date()
    key = f"admin:heartbeat:{today.isoformat()}"
    already = any(outbox.item_by_key(db, f"{key}|admin|{c.name}") for c in rules.admin)
    if already or not heartbeat_due(None, now, hour):
        return False
    # Only the sources the rules poll now: a removed source's old failures are no news.
    polled = {source.name for source in rules.sources if source.enabled}
    states = [state for state in source_store.source_states(db) if state.name in polled]
    depth = outbox.depth(db)
    failing = tuple(state.name for state in states if state.consecutive_failures)
    stats = HeartbeatStats(
        now=now,
        sources_ok=len(states) - len(failing),
        sources_total=len(states),
        last_good_poll=last_good_poll(db),
        outbox_pending=depth.get("pending", 0),
        outbox_dead=depth.get("dead", 0),
        failing=failing,
    )
    subject, text = heartbeat_text(stats, rules.admin_malform)
    report_to_admin(db, rules, now, key=key, subject=subject, text=text)
    log.info("heartbeat queued for the admin route: %s", text)
    return True
