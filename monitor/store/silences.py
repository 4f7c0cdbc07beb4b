"""Silences (like `amtool silence`): who holds which alerts back until when, and what they held.

A silence has matchers (kommune, API, channel; at least one), an end (`until`), who made it,
when and why. An outbox item that an active silence matches is not sent: it moves to the state
`silenced` and a hold row records which silence held it. Expiring a silence sends nothing;
`release` (for `silence expire ID --replay`) makes exactly the items it held pending again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils
from sqlite_utils import Migrations

from monitor.model import ALL_APIS
from monitor.store import outbox, write_transaction
from monitor.store.codec import iso, parse_iso, require_iso

MIGRATIONS = Migrations("driftsvarsel.silences")
#: The admin route's kommune number in the outbox (monitor.route.recipients.ADMIN_NUMBER).
ADMIN = "admin"

#: The outbox's state constraint, whatever states other migrations have added to it.
_STATE_CHECK = re.compile(r"CHECK \(state IN \(([^)]*)\)\)")


@MIGRATIONS()
def m001_silences(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE silences (
            id INTEGER PRIMARY KEY, kommune TEXT, api TEXT, channel TEXT, starts_at TEXT NOT NULL,
            until TEXT NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL, reason TEXT NOT NULL,
            expired_at TEXT, expired_by TEXT)"""
    )
    db.execute(
        """CREATE TABLE silence_holds (
            outbox_id INTEGER PRIMARY KEY REFERENCES outbox (id), silence_id INTEGER NOT NULL
                REFERENCES silences (id), held_at TEXT NOT NULL, replayed_at TEXT)"""
    )
    db.execute("CREATE INDEX silence_holds_silence ON silence_holds (silence_id)")


@MIGRATIONS()
def m002_outbox_state_silenced(db: sqlite_utils.Database) -> None:
    # Loosening a CHECK constraint changes no stored row, so SQLite's documented shortcut for
    # such schema changes applies (https://sqlite.org/lang_altertable.html, "writable_schema"):
    # rewrite the table's SQL text and bump schema_version. A rebuild would have to copy
    # delivery_attempts too, because of its foreign key.
    row = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'outbox'").fetchone()
    match = _STATE_CHECK.search(row[0]) if row is not None else None
    if match is None:
        raise RuntimeError(f"the outbox table has no state constraint this migration knows: {row}")
    if "'silenced'" in match.group(1):
        return
    widened = row[0][: match.end(1)] + ", 'silenced'" + row[0][match.end(1) :]
    version = db.execute("PRAGMA schema_version").fetchone()[0]
    db.execute("PRAGMA writable_schema = ON")
    try:
        db.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'outbox'", [widened])
        db.execute(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        db.execute("PRAGMA writable_schema = OFF")


@dataclass(frozen=True)
class Silence:
    """One silence. A matcher that is None matches everything; `api` matches an alert only when
    every API the notice concerns is that API (a notice about all delingstjenester, or about
    another API as well, still goes out: the silence says nothing about the others)."""

    id: int
    kommune: str | None
    api: str | None
    channel: str | None
    starts_at: datetime
    until: datetime
    created_by: str
    created_at: datetime
    reason: str
    expired_at: datetime | None = None
    expired_by: str | None = None

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    @property
    def ends_at(self) -> datetime:
        """When it stops holding alerts: `until`, or earlier when it was expired by hand."""
        return min(self.until, self.expired_at) if self.expired_at is not None else self.until

    def matches(self, kommune: str, channel: str, apis: tuple[str, ...]) -> bool:
        """Whether an alert to `kommune`/`channel` about `apis` is held. The admin route (dead
        letters, broken sources) is held only by a silence that names it (`kommune` "admin")."""
        if self.kommune is None and kommune == ADMIN:
            return False
        if self.kommune is not None and kommune != self.kommune:
            return False
        if self.channel is not None and channel != self.channel:
            return False
        if self.api is not None:
            return bool(apis) and ALL_APIS not in apis and set(apis) == {self.api}
        return True

    def matchers(self) -> str:
        """The matchers as `amtool` shows them: "kommune=0301 api=inntekt"."""
        parts = [f"{name}={value}" for name, value in self.matcher_items() if value is not None]
        return " ".join(parts)

    def matcher_items(self) -> tuple[tuple[str, str | None], ...]:
        return (("kommune", self.kommune), ("api", self.api), ("channel", self.channel))


def add(
    db: sqlite_utils.Database,
    *,
    kommune: str | None,
    api: str | None,
    channel: str | None,
    until: datetime,
    reason: str,
    created_by: str,
    now: datetime,
) -> Silence:
    """Store a silence active from `now` until `until`; returns it. Checks nothing about names."""
    with write_transaction(db):
        cursor = db.execute(
            """INSERT INTO silences (kommune, api, channel, starts_at, until, created_by, created_at, reason)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [kommune, api, channel, iso(now), iso(until), created_by, iso(now), reason],
        )
    silence = get(db, int(cursor.lastrowid or 0))
    assert silence is not None
    return silence


def get(db: sqlite_utils.Database, silence_id: int) -> Silence | None:
    found = _select(db, "id = ?", [silence_id])
    return found[0] if found else None


def all_silences(db: sqlite_utils.Database) -> list[Silence]:
    """Every silence, newest first."""
    return _select(db, "1 ORDER BY id DESC", [])


def active(db: sqlite_utils.Database, now: datetime) -> list[Silence]:
    """The silences holding alerts at `now`, oldest first."""
    return [
        silence
        for silence in _select(db, "until > ? AND expired_at IS NULL ORDER BY id", [iso(now)])
        if silence.active(now)
    ]


def expire(db: sqlite_utils.Database, silence_id: int, *, by: str, now: datetime) -> bool:
    """End an active silence at `now`; False when it had already ended (nothing changes then)."""
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE silences SET expired_at = ?, expired_by = ? WHERE id = ? AND expired_at IS NULL"
            " AND until > ?",
            [iso(now), by, silence_id, iso(now)],
        )
    return cursor.rowcount == 1


def hold(db: sqlite_utils.Database, item_id: int, silence_id: int, now: datetime) -> bool:
    """Move a pending outbox item to `silenced`, held by `silence_id`; False when it was not pending."""
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE outbox SET state = 'silenced', claimed_by = NULL WHERE id = ? AND state = 'pending'",
            [item_id],
        )
        if cursor.rowcount != 1:
            return False
        db.execute(
            "INSERT OR REPLACE INTO silence_holds (outbox_id, silence_id, held_at, replayed_at)"
            " VALUES (?, ?, ?, NULL)",
            [item_id, silence_id, iso(now)],
        )
    return True


def held_items(db: sqlite_utils.Database, silence_id: int) -> list[outbox.OutboxItem]:
    """The outbox items `silence_id` holds now (not yet replayed), oldest first."""
    return outbox.select_items(
        db,
        "state = 'silenced' AND id IN (SELECT outbox_id FROM silence_holds WHERE silence_id = ?"
        " AND replayed_at IS NULL) ORDER BY id",
        [silence_id],
    )


def held_counts(db: sqlite_utils.Database) -> dict[int, int]:
    """Silence id → how many items it has held (replayed ones included)."""
    rows = db.execute("SELECT silence_id, count(*) FROM silence_holds GROUP BY silence_id").fetchall()
    return {int(row[0]): int(row[1]) for row in rows}


def holds_by_item(db: sqlite_utils.Database) -> dict[int, Silence]:
    """Outbox id → the silence holding it now (for the compliance ledger)."""
    silences = {silence.id: silence for silence in all_silences(db)}
    rows = db.execute("SELECT outbox_id, silence_id FROM silence_holds WHERE replayed_at IS NULL").fetchall()
    return {int(row[0]): silences[int(row[1])] for row in rows if int(row[1]) in silences}


def release(db: sqlite_utils.Database, silence_id: int, now: datetime) -> int:
    """Make every item `silence_id` holds pending and due at `now`; returns how many."""
    with write_transaction(db):
        ids = [item.id for item in held_items(db, silence_id)]
        for item_id in ids:
            db.execute(
                "UPDATE outbox SET state = 'pending', next_attempt_at = ?, requeued_at = ?"
                " WHERE id = ? AND state = 'silenced'",
                [iso(now), iso(now), item_id],
            )
            db.execute("UPDATE silence_holds SET replayed_at = ? WHERE outbox_id = ?", [iso(now), item_id])
    return len(ids)


def notice_apis(db: sqlite_utils.Database, notice_key: str | None, version: int | None) -> tuple[str, ...]:
    """The APIs the stored classification of a notice version names; () when none is stored."""
    if notice_key is None:
        return ()
    row = db.execute(
        "SELECT apis FROM classifications WHERE key = ? AND version = ?", [notice_key, version]
    ).fetchone()
    if row is None:
        return ()
    return tuple(str(api) for api in json.loads(row[0]))


def _select(db: sqlite_utils.Database, where: str, parameters: list[Any]) -> list[Silence]:
    cursor = db.execute(f"SELECT * FROM silences WHERE {where}", parameters)
    columns = [column[0] for column in cursor.description]
    return [_silence(dict(zip(columns, values, strict=True))) for values in cursor.fetchall()]


def _silence(row: dict[str, Any]) -> Silence:
    return Silence(
        id=row["id"],
        kommune=row["kommune"],
        api=row["api"],
        channel=row["channel"],
        starts_at=require_iso(row["starts_at"]),
        until=require_iso(row["until"]),
        created_by=row["created_by"],
        created_at=require_iso(row["created_at"]),
        reason=row["reason"],
        expired_at=parse_iso(row["expired_at"]),
        expired_by=row["expired_by"],
    )
