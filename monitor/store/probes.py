"""Health-probe history: every result (`probe_results`), the state machine per target
(`probe_state`), and which certificate warnings were sent (`cert_warnings`).

Writes use plain SQL so a caller can wrap several of them (and its outbox insert) in one
`db.atomic()` transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

import sqlite_utils
from sqlite_utils import Migrations

from monitor.model import Environment, ProbeResult, StateName, TargetState
from monitor.store.codec import iso, iso_or_none, parse_iso, require_iso

MIGRATIONS = Migrations("driftsvarsel.probes")


@MIGRATIONS()
def m001_probes(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE probe_results (
            id INTEGER PRIMARY KEY, api TEXT NOT NULL, environment TEXT NOT NULL, url TEXT NOT NULL,
            state TEXT NOT NULL, checked_at TEXT NOT NULL, latency_ms REAL, status INTEGER,
            detail TEXT NOT NULL, cert_expires TEXT, reasons TEXT NOT NULL DEFAULT '[]')"""
    )
    db.execute("CREATE INDEX probe_results_target_at ON probe_results (api, environment, checked_at)")
    db.execute(
        """CREATE TABLE probe_state (
            api TEXT NOT NULL, environment TEXT NOT NULL, state TEXT NOT NULL, since TEXT,
            failures INTEGER NOT NULL, successes INTEGER NOT NULL, first_failure_at TEXT,
            announced_by TEXT, outage_alerted INTEGER NOT NULL, outage_id INTEGER,
            sequence INTEGER NOT NULL, last_checked_at TEXT, last_latency_ms REAL,
            last_detail TEXT NOT NULL, cert_expires TEXT, PRIMARY KEY (api, environment))"""
    )
    db.execute(
        """CREATE TABLE cert_warnings (
            api TEXT NOT NULL, environment TEXT NOT NULL, cert_expires TEXT NOT NULL,
            days INTEGER NOT NULL, sent_at TEXT NOT NULL,
            PRIMARY KEY (api, environment, cert_expires, days))"""
    )


@MIGRATIONS()
def m002_samples(db: sqlite_utils.Database) -> None:
    # How many probe results a line stands for, once results older than a day are downsampled.
    db.execute("ALTER TABLE probe_results ADD COLUMN samples INTEGER NOT NULL DEFAULT 1")


def record_result(db: sqlite_utils.Database, result: ProbeResult) -> None:
    db.execute(
        """INSERT INTO probe_results (api, environment, url, state, checked_at, latency_ms, status,
           detail, cert_expires, reasons) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            result.api,
            result.environment,
            result.url,
            result.state,
            iso(result.checked_at),
            result.latency_ms,
            result.status,
            result.detail,
            iso_or_none(result.cert_expires),
            json.dumps(list(result.reasons), ensure_ascii=False),
        ],
    )


def recent_results(
    db: sqlite_utils.Database, api: str, environment: str, limit: int = 20
) -> list[ProbeResult]:
    """The latest results of one target, newest first."""
    cursor = db.execute(
        """SELECT api, environment, url, state, checked_at, latency_ms, status, detail, cert_expires,
           reasons FROM probe_results WHERE api = ? AND environment = ? ORDER BY checked_at DESC, id DESC
           LIMIT ?""",
        [api, environment, limit],
    )
    return [
        ProbeResult(
            api=row[0],
            environment=cast(Environment, row[1]),
            url=row[2],
            state=row[3],
            checked_at=require_iso(row[4]),
            latency_ms=row[5],
            status=row[6],
            detail=row[7],
            cert_expires=parse_iso(row[8]),
            reasons=tuple(json.loads(row[9])),
        )
        for row in cursor.fetchall()
    ]


_STATE_COLUMNS = (
    "api, environment, state, since, failures, successes, first_failure_at, announced_by, "
    "outage_alerted, outage_id, sequence, last_checked_at, last_latency_ms, last_detail, cert_expires"
)


def save_state(db: sqlite_utils.Database, state: TargetState) -> None:
    db.execute(
        f"INSERT OR REPLACE INTO probe_state ({_STATE_COLUMNS}) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            state.api,
            state.environment,
            state.state,
            iso_or_none(state.since),
            state.failures,
            state.successes,
            iso_or_none(state.first_failure_at),
            state.announced_by,
            int(state.outage_alerted),
            state.outage_id,
            state.sequence,
            iso_or_none(state.last_checked_at),
            state.last_latency_ms,
            state.last_detail,
            iso_or_none(state.cert_expires),
        ],
    )


def load_state(db: sqlite_utils.Database, api: str, environment: str) -> TargetState | None:
    cursor = db.execute(
        f"SELECT {_STATE_COLUMNS} FROM probe_state WHERE api = ? AND environment = ?", [api, environment]
    )
    row = cursor.fetchone()
    return None if row is None else _state_from_row(row)


def load_states(db: sqlite_utils.Database) -> list[TargetState]:
    """Every known target's state, sorted by api then environment (prod before test)."""
    cursor = db.execute(f"SELECT {_STATE_COLUMNS} FROM probe_state ORDER BY api, environment")
    return [_state_from_row(row) for row in cursor.fetchall()]


def _state_from_row(row: tuple[Any, ...]) -> TargetState:
    return TargetState(
        api=row[0],
        environment=row[1],
        state=cast(StateName, row[2]),
        since=parse_iso(row[3]),
        failures=row[4],
        successes=row[5],
        first_failure_at=parse_iso(row[6]),
        announced_by=row[7],
        outage_alerted=bool(row[8]),
        outage_id=row[9],
        sequence=row[10],
        last_checked_at=parse_iso(row[11]),
        last_latency_ms=row[12],
        last_detail=row[13],
        cert_expires=parse_iso(row[14]),
    )


def uptime(db: sqlite_utils.Database, api: str, environment: str, *, since: datetime) -> float | None:
    """The share (0–1) of results since `since` that were up, or None when there are none.

    Downsampled lines count for the results they stand for (`samples`)."""
    cursor = db.execute(
        """SELECT SUM(samples), SUM(CASE WHEN state = 'up' THEN samples ELSE 0 END) FROM probe_results
           WHERE api = ? AND environment = ? AND checked_at >= ?""",
        [api, environment, iso(since)],
    )
    total, up = cursor.fetchone()
    return None if not total else float(up) / float(total)


def sent_cert_warnings(
    db: sqlite_utils.Database, api: str, environment: str, cert_expires: datetime
) -> set[int]:
    cursor = db.execute(
        "SELECT days FROM cert_warnings WHERE api = ? AND environment = ? AND cert_expires = ?",
        [api, environment, iso(cert_expires)],
    )
    return {int(row[0]) for row in cursor.fetchall()}


def record_cert_warnings(
    db: sqlite_utils.Database,
    api: str,
    environment: str,
    cert_expires: datetime,
    days: Iterable[int],
    now: datetime,
) -> None:
    for limit in days:
        db.execute(
            "INSERT OR IGNORE INTO cert_warnings (api, environment, cert_expires, days, sent_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [api, environment, iso(cert_expires), limit, iso(now)],
        )


def prune_results(db: sqlite_utils.Database, before: datetime) -> int:
    """Delete results older than `before`; returns how many went."""
    cursor = db.execute("DELETE FROM probe_results WHERE checked_at < ?", [iso(before)])
    return int(cursor.rowcount)


def downsample_results(db: sqlite_utils.Database, before: datetime) -> int:
    """Fold results older than `before` into one line per target, hour and state (the first one,
    with `samples` summed and the mean latency); returns how many lines went."""
    groups = db.execute(
        """SELECT api, environment, substr(checked_at, 1, 13) AS hour, state, min(id), sum(samples),
                  avg(latency_ms)
           FROM probe_results WHERE checked_at < ?
           GROUP BY api, environment, hour, state HAVING count(*) > 1""",
        [iso(before)],
    ).fetchall()
    removed = 0
    for api, environment, hour, state, keep, samples, latency in groups:
        db.execute(
            "UPDATE probe_results SET samples = ?, latency_ms = ? WHERE id = ?", [samples, latency, keep]
        )
        cursor = db.execute(
            """DELETE FROM probe_results WHERE api = ? AND environment = ? AND state = ? AND id != ?
               AND checked_at < ? AND substr(checked_at, 1, 13) = ?""",
            [api, environment, state, keep, iso(before), hour],
        )
        removed += int(cursor.rowcount)
    return removed
