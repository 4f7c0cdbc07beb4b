"""Per-source fetch state (conditional-GET validators, health) and the fetch log.

A source is "broken" after BROKEN_AFTER_FAILURES consecutive failed polls; `record_fetch` says so
exactly once (the admin is told once), and says "recovered" at the first good poll after that.

The fetch log grows with news, not with time: a poll with the same outcome as the one before
(status, error, notice count, size: an unchanged feed, a 304, the same fault again) adds one to
that line's `repeats` and moves its `last_at` instead of adding a line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

import sqlite_utils
from sqlite_utils import Migrations

from monitor.model import FetchResult
from monitor.store import write_transaction
from monitor.store.codec import iso, parse_iso

MIGRATIONS = Migrations("driftsvarsel.sources")

#: Consecutive failed polls before a source counts as broken (one blip is not worth a message).
BROKEN_AFTER_FAILURES = 2


@MIGRATIONS()
def m001_sources(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE sources (
            name TEXT PRIMARY KEY, kind TEXT, url TEXT, etag TEXT, last_modified TEXT,
            last_fetch_at TEXT, last_ok_at TEXT, last_status INTEGER,
            consecutive_failures INTEGER NOT NULL DEFAULT 0, failing_since TEXT, last_error TEXT,
            baselined_at TEXT, broken_reported INTEGER NOT NULL DEFAULT 0)"""
    )
    db.execute(
        """CREATE TABLE fetch_log (
            id INTEGER PRIMARY KEY, source TEXT NOT NULL, at TEXT NOT NULL, status INTEGER,
            elapsed_ms REAL, bytes INTEGER, error TEXT, notices INTEGER)"""
    )
    db.execute("CREATE INDEX fetch_log_source_at ON fetch_log (source, at)")


@MIGRATIONS()
def m002_fold_fetch_log(db: sqlite_utils.Database) -> None:
    # body_hash: the last good body's fingerprint, so an unchanged 200 is not parsed again.
    db.execute("ALTER TABLE sources ADD COLUMN body_hash TEXT")
    db.execute("ALTER TABLE fetch_log ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1")
    db.execute("ALTER TABLE fetch_log ADD COLUMN last_at TEXT")
    fold_fetch_log(db)


def fold_fetch_log(db: sqlite_utils.Database) -> None:
    """Fold the runs of identical lines an older version wrote (one per poll) into one line each."""
    runs: list[list[Any]] = []  # [first id, outcome, repeats, last at, later ids]
    rows = db.execute(
        "SELECT id, at, source, status, error, notices, bytes FROM fetch_log ORDER BY source, id"
    )
    for row_id, at, *outcome in rows.fetchall():
        if runs and runs[-1][1] == outcome:
            runs[-1][2:4] = [runs[-1][2] + 1, at]
            runs[-1][4].append(row_id)
        else:
            runs.append([row_id, outcome, 1, None, []])
    for first, _, repeats, last_at, later in runs:
        if later:
            db.execute(
                "UPDATE fetch_log SET repeats = ?, last_at = ? WHERE id = ?", [repeats, last_at, first]
            )
            db.conn.executemany("DELETE FROM fetch_log WHERE id = ?", [(row_id,) for row_id in later])


@dataclass(frozen=True)
class SourceState:
    """What is remembered about one source. A never-polled source has all defaults."""

    name: str
    etag: str | None = None
    last_modified: str | None = None
    last_ok_at: datetime | None = None
    consecutive_failures: int = 0
    failing_since: datetime | None = None
    last_error: str | None = None
    baselined_at: datetime | None = None
    broken_reported: bool = False
    last_fetch_at: datetime | None = None
    last_status: int | None = None
    body_hash: str | None = None


@dataclass(frozen=True)
class SourceTransition:
    """The health change one poll caused: "broke" (tell the admin once), "recovered", or None."""

    event: Literal["broke", "recovered"] | None
    state: SourceState

    @property
    def broke(self) -> bool:
        return self.event == "broke"

    @property
    def recovered(self) -> bool:
        return self.event == "recovered"


def get_source_state(db: sqlite_utils.Database, name: str) -> SourceState:
    """The stored state of source `name` (defaults when it was never polled)."""
    row = _row(db, name)
    return SourceState(name=name) if row is None else _state(row)


def source_states(db: sqlite_utils.Database) -> list[SourceState]:
    """Every known source's state, by name (for status output and health checks)."""
    cursor = db.execute("SELECT * FROM sources ORDER BY name")
    columns = [column[0] for column in cursor.description]
    return [_state(dict(zip(columns, values, strict=True))) for values in cursor.fetchall()]


def record_fetch(
    db: sqlite_utils.Database,
    name: str,
    kind: str,
    url: str,
    result: FetchResult,
    *,
    notices: int | None,
    error: str | None,
    now: datetime,
    threshold: int = BROKEN_AFTER_FAILURES,
    body_hash: str | None = None,
) -> SourceTransition:
    """Log one poll of source `name` and update its state; returns the health transition.

    The poll succeeded when `error` (a parse or sanity problem found by the caller) is None and
    the fetch was a 2xx or a 304. ETag / Last-Modified are kept only from such polls, so a body
    that failed to parse is fetched in full again next time instead of answered with a 304.
    `body_hash` (the fingerprint of a body that was used) is kept likewise, for the same reason.
    """
    problem = error or result.error
    if problem is None and not (result.ok or result.not_modified):
        problem = f"HTTP {result.status}"
    event: Literal["broke", "recovered"] | None
    with write_transaction(db):
        # Write first: a WAL transaction that reads, then writes after another connection's
        # commit fails at once with "database is locked"; one that starts writing waits instead.
        db.execute("INSERT OR IGNORE INTO sources (name) VALUES (?)", [name])
        old = get_source_state(db, name)
        if problem is None:
            new, event = _after_success(old, result, now)
            new = replace(new, body_hash=body_hash or old.body_hash)
        else:
            new, event = _after_failure(old, problem, now, threshold)
        new = replace(new, last_fetch_at=now, last_status=result.status)
        _save(db, new, kind, url)
        _log_fetch(db, name, now, result, problem, notices)
    return SourceTransition(event, new)


def _log_fetch(
    db: sqlite_utils.Database,
    name: str,
    now: datetime,
    result: FetchResult,
    problem: str | None,
    notices: int | None,
) -> None:
    """One line per distinct outcome: a repeat of the last line only counts (see the module doc)."""
    outcome = [result.status, problem, notices, len(result.body)]
    last = db.execute(
        "SELECT id, status, error, notices, bytes FROM fetch_log WHERE source = ? ORDER BY id DESC LIMIT 1",
        [name],
    ).fetchone()
    if last is not None and list(last[1:]) == outcome:
        db.execute(
            "UPDATE fetch_log SET repeats = repeats + 1, last_at = ?, elapsed_ms = ? WHERE id = ?",
            [iso(now), result.elapsed_ms, last[0]],
        )
        return
    db.execute(
        "INSERT INTO fetch_log (source, at, status, elapsed_ms, bytes, error, notices)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [name, iso(now), result.status, result.elapsed_ms, len(result.body), problem, notices],
    )


def mark_baselined(db: sqlite_utils.Database, name: str, now: datetime) -> None:
    """Remember that the first poll of `name` was stored without alerting (its baseline)."""
    with write_transaction(db):
        db.execute("INSERT OR IGNORE INTO sources (name) VALUES (?)", [name])
        db.execute("UPDATE sources SET baselined_at = ? WHERE name = ?", [iso(now), name])


def last_notice_count(db: sqlite_utils.Database, name: str) -> int | None:
    """How many notices the latest successful poll of `name` returned (for `suspicious_shrink`)."""
    row = db.execute(
        "SELECT notices FROM fetch_log WHERE source = ? AND error IS NULL AND notices IS NOT NULL"
        " ORDER BY id DESC LIMIT 1",
        [name],
    ).fetchone()
    return None if row is None else int(row[0])


def prune_fetch_log(db: sqlite_utils.Database, before: datetime) -> int:
    """Delete fetch-log lines whose last poll is older than `before`; returns how many."""
    with write_transaction(db):
        return db.execute("DELETE FROM fetch_log WHERE coalesce(last_at, at) < ?", [iso(before)]).rowcount


def _after_success(
    old: SourceState, result: FetchResult, now: datetime
) -> tuple[SourceState, Literal["recovered"] | None]:
    event: Literal["recovered"] | None = "recovered" if old.broken_reported else None
    fresh = result.ok  # a 304 carries no new body; keep the validators we have unless it sends new
    state = SourceState(
        name=old.name,
        etag=(result.etag if fresh else result.etag or old.etag),
        last_modified=(result.last_modified if fresh else result.last_modified or old.last_modified),
        last_ok_at=now,
        baselined_at=old.baselined_at,
    )
    return state, event


def _after_failure(
    old: SourceState, problem: str, now: datetime, threshold: int
) -> tuple[SourceState, Literal["broke"] | None]:
    failures = old.consecutive_failures + 1
    broke = failures >= max(threshold, 1) and not old.broken_reported
    state = replace(
        old,
        consecutive_failures=failures,
        failing_since=old.failing_since or now,
        last_error=problem,
        broken_reported=old.broken_reported or broke,
    )
    return state, ("broke" if broke else None)


def _row(db: sqlite_utils.Database, name: str) -> dict[str, Any] | None:
    cursor = db.execute("SELECT * FROM sources WHERE name = ?", [name])
    values = cursor.fetchone()
    if values is None:
        return None
    return dict(zip([column[0] for column in cursor.description], values, strict=True))


def _state(row: dict[str, Any]) -> SourceState:
    return SourceState(
        name=row["name"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_ok_at=parse_iso(row["last_ok_at"]),
        consecutive_failures=row["consecutive_failures"] or 0,
        failing_since=parse_iso(row["failing_since"]),
        last_error=row["last_error"],
        baselined_at=parse_iso(row["baselined_at"]),
        broken_reported=bool(row["broken_reported"]),
        last_fetch_at=parse_iso(row["last_fetch_at"]),
        last_status=row["last_status"],
        body_hash=row["body_hash"],
    )


def _save(db: sqlite_utils.Database, state: SourceState, kind: str, url: str) -> None:
    def when(moment: datetime | None) -> str | None:
        return None if moment is None else iso(moment)

    db.execute(
        """INSERT INTO sources (name, kind, url, etag, last_modified, last_fetch_at, last_ok_at,
               last_status, consecutive_failures, failing_since, last_error, baselined_at, broken_reported,
               body_hash)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, url = excluded.url,
               etag = excluded.etag, last_modified = excluded.last_modified,
               last_fetch_at = excluded.last_fetch_at, last_ok_at = excluded.last_ok_at,
               last_status = excluded.last_status, consecutive_failures = excluded.consecutive_failures,
               failing_since = excluded.failing_since, last_error = excluded.last_error,
               baselined_at = excluded.baselined_at, broken_reported = excluded.broken_reported,
               body_hash = excluded.body_hash""",
        [
            state.name, kind, url, state.etag, state.last_modified, when(state.last_fetch_at),
            when(state.last_ok_at), state.last_status, state.consecutive_failures,
            when(state.failing_since), state.last_error, when(state.baselined_at),
            int(state.broken_reported), state.body_hash,
        ],
    )  # fmt: skip
