"""The status page's content, gathered from the database and the rules as of `now` (read-only).

Current incidents: unplanned error/downtime notices updated in the last CURRENT_HOURS whose latest
version is not "resolved". Announced maintenance: planned downtime whose window has not ended.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from monitor.config.types import Rules
from monitor.store import open_existing, overview
from monitor.store.overview import ClassifiedNotice, DeliveryCounts
from monitor.store.probes import load_states
from monitor.store.sources import source_states

OSLO = ZoneInfo("Europe/Oslo")
CURRENT_HOURS = 24
RECENT_DAYS = 60
RECENT_LIMIT = 15
BAR_DAYS = 7


@dataclass(frozen=True)
class NoticeView:
    title: str
    link: str
    source: str
    category: str
    planned: bool | None
    apis: tuple[str, ...]
    window_start: str | None
    window_end: str | None
    when: datetime | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class DayShare:
    day: str  # "YYYY-MM-DD" (UTC)
    up: int
    total: int


@dataclass(frozen=True)
class ProbeView:
    api: str
    environment: str
    state: str
    since: datetime | None
    latency_ms: float | None
    detail: str
    days: tuple[DayShare, ...]


@dataclass(frozen=True)
class SourceView:
    name: str
    kind: str
    ok: bool | None  # None: never polled
    last_ok_at: datetime | None
    failures: int
    error: str | None


@dataclass(frozen=True)
class Overview:
    now: datetime
    current: tuple[NoticeView, ...]
    maintenance: tuple[NoticeView, ...]
    probes: tuple[ProbeView, ...]
    recent: tuple[NoticeView, ...]
    deliveries: tuple[DeliveryCounts, ...]
    kommune_names: dict[str, str]
    sources: tuple[SourceView, ...]


def read_overview(database: Path, rules: Rules, now: datetime) -> Overview:
    """`gather` through a short-lived read-only connection (each web request has its own thread)."""
    db = open_existing(database)
    try:
        return gather(db, rules, now)
    finally:
        db.conn.close()


def gather(db: sqlite_utils.Database, rules: Rules, now: datetime) -> Overview:
    """Everything the page shows, read from `db` as of `now`."""
    notices = overview.classified_since(db, now - timedelta(days=RECENT_DAYS))
    recent = sorted(notices, key=lambda n: _when(n) or now, reverse=True)[:RECENT_LIMIT]
    return Overview(
        now=now,
        current=tuple(_view(n) for n in notices if is_current(n, now)),
        maintenance=tuple(_view(n) for n in notices if is_announced_maintenance(n, now)),
        probes=tuple(_probes(db, now)),
        recent=tuple(_view(n) for n in recent),
        deliveries=tuple(overview.delivery_counts(db)),
        kommune_names={k.number: k.name for k in rules.kommuner} | {"admin": "Administrator"},
        sources=tuple(_sources(db, rules)),
    )


def is_current(item: ClassifiedNotice, now: datetime) -> bool:
    """An unplanned error or downtime, heard of in the last CURRENT_HOURS, not resolved since."""
    c = item.classification
    when = _when(item)
    recent = when is not None and when >= now - timedelta(hours=CURRENT_HOURS)
    return c.category in ("error", "downtime") and not c.planned and recent


def is_announced_maintenance(item: ClassifiedNotice, now: datetime) -> bool:
    """Planned downtime whose window (Oslo time) has not ended."""
    c = item.classification
    if c.category != "downtime" or not c.planned or c.window is None:
        return False
    end = c.window.end or c.window.start
    if end is None:
        return False
    try:
        return datetime.fromisoformat(end).replace(tzinfo=OSLO) >= now
    except ValueError:
        return False


def _when(item: ClassifiedNotice) -> datetime | None:
    return item.notice.updated or item.notice.published or item.first_seen


def _view(item: ClassifiedNotice) -> NoticeView:
    c, notice = item.classification, item.notice
    window = c.window
    return NoticeView(
        title=notice.title,
        link=notice.link,
        source=notice.source,
        category=c.category,
        planned=c.planned,
        apis=c.apis,
        window_start=window.start if window else None,
        window_end=window.end if window else None,
        when=_when(item),
        reasons=c.reasons,
    )


def _probes(db: sqlite_utils.Database, now: datetime) -> list[ProbeView]:
    first = (now - timedelta(days=BAR_DAYS - 1)).date()
    days = [(first + timedelta(days=offset)).isoformat() for offset in range(BAR_DAYS)]
    views = []
    for state in load_states(db):
        shares = overview.daily_up_shares(db, state.api, state.environment, datetime.fromisoformat(days[0]))
        bar = tuple(DayShare(day, *shares.get(day, (0, 0))) for day in days)
        views.append(
            ProbeView(
                state.api,
                state.environment,
                state.state,
                state.since,
                state.last_latency_ms,
                state.last_detail,
                bar,
            )  # fmt: skip
        )
    return views


def _sources(db: sqlite_utils.Database, rules: Rules) -> list[SourceView]:
    states = {state.name: state for state in source_states(db)}
    views = []
    for source in rules.sources:
        state = states.get(source.name)
        ok = None if state is None or state.last_fetch_at is None else state.consecutive_failures == 0
        views.append(
            SourceView(
                source.name,
                source.kind,
                ok,
                state.last_ok_at if state else None,
                state.consecutive_failures if state else 0,
                state.last_error if state and state.consecutive_failures else None,
            )
        )
    return views


def to_json(view: Overview) -> dict[str, Any]:
    """The JSON twin: the same content, datetimes as ISO 8601 strings."""
    plain: dict[str, Any] = _plain(asdict(view))
    return plain


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value
