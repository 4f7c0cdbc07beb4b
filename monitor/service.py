"""The daemon's operational side: metrics, /healthz, the daily heartbeat.

Kept apart from `daemon.py` (scheduling and signals) so each stays small. Every function takes
the database and rules it needs; nothing here is scheduled by itself.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlite_utils

from monitor import metrics
from monitor.configtypes import Rules
from monitor.heartbeat import HeartbeatStats, heartbeat_due, heartbeat_text
from monitor.pipeline import PollReport, report_to_admin
from monitor.store import outbox
from monitor.store import sources as source_store

log = logging.getLogger(__name__)
OSLO = ZoneInfo("Europe/Oslo")


def record_poll(report: PollReport, now: datetime) -> None:
    """Count one poll in the Prometheus metrics."""
    ok = report.outcome != "failed"
    metrics.record_fetch(report.source, ok)
    if ok:
        metrics.mark_good_poll(report.source, now)
    for classification in report.classifications.values():
        metrics.record_notice(classification.category)


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
    states = source_store.source_states(db)
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
    subject, text = heartbeat_text(stats)
    report_to_admin(db, rules, now, key=key, subject=subject, text=text)
    log.info("heartbeat queued for the admin route: %s", text)
    return True
