"""The durable outbox: every message owed to a channel, its state, and every delivery attempt.

State machine: pending → done (delivered), pending → dead (permanent failure or given up),
dead/pending → pending again by `requeue` (the operator's `driftsvarsel outbox retry`), pending →
silenced when a silence holds it (`monitor.store.silences`, which also releases it). A done item
never goes back: its idem_key is never sent twice by this store. `idem_key` is UNIQUE and inserts
are INSERT OR IGNORE, so replaying a commit or a report never duplicates a message.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

import sqlite_utils
from sqlite_utils import Migrations

from monitor.model import DeliveryResult, Message
from monitor.store import bodies, write_transaction
from monitor.store.codec import iso, iso_up, message_from_json, message_to_json, parse_iso, require_iso

MIGRATIONS = Migrations("driftsvarsel.outbox")

OutboxState = Literal["pending", "done", "dead", "silenced"]
#: "silenced": held back by a silence (monitor.store.silences), never sent unless replayed.
STATES: tuple[OutboxState, ...] = ("pending", "done", "dead", "silenced")


@MIGRATIONS()
def m001_outbox(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY, idem_key TEXT NOT NULL UNIQUE, notice_key TEXT, version INTEGER,
            kommune TEXT NOT NULL, channel TEXT NOT NULL, message TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT NOT NULL, created_at TEXT NOT NULL,
            delivered_at TEXT, last_error TEXT, last_status INTEGER, thread_key TEXT, thread_ref TEXT,
            requeued_at TEXT)"""
    )
    db.execute("CREATE INDEX outbox_due ON outbox (state, next_attempt_at)")
    db.execute("CREATE INDEX outbox_notice ON outbox (notice_key)")
    db.execute(
        """CREATE TABLE delivery_attempts (
            id INTEGER PRIMARY KEY, outbox_id INTEGER NOT NULL REFERENCES outbox (id), at TEXT NOT NULL,
            ok INTEGER NOT NULL, status INTEGER, detail TEXT)"""
    )
    db.execute("CREATE INDEX delivery_attempts_outbox ON delivery_attempts (outbox_id)")


@MIGRATIONS()
def m002_claimed_by(db: sqlite_utils.Database) -> None:
    # Who holds the lease of a pending item being sent, so a restart can take back a dead
    # process's leases at once instead of waiting them out (see release_stale_claims).
    db.execute("ALTER TABLE outbox ADD COLUMN claimed_by TEXT")


@MIGRATIONS()
def m003_bodies_once(db: sqlite_utils.Database) -> None:
    # The body of a message fanned out to every kommune is kept once, not once per row.
    bodies.create_table(db)
    bodies.move_existing(db)


@dataclass(frozen=True)
class OutboxEntry:
    """A message to enqueue. `idem_key` (Alert.key for alerts) makes enqueueing idempotent."""

    idem_key: str
    notice_key: str | None
    version: int | None
    kommune: str
    channel: str
    message: Message
    thread_key: str | None = None


@dataclass(frozen=True)
class OutboxItem:
    """One stored outbox row. `requeued_at` restarts the give-up clock after a manual retry."""

    id: int
    idem_key: str
    notice_key: str | None
    version: int | None
    kommune: str
    channel: str
    message: Message
    state: OutboxState
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    last_error: str | None
    last_status: int | None
    thread_key: str | None
    thread_ref: str | None
    requeued_at: datetime | None = None


@dataclass(frozen=True)
class DeliveryAttempt:
    outbox_id: int
    at: datetime
    ok: bool
    status: int | None
    detail: str


def enqueue(db: sqlite_utils.Database, entries: Sequence[OutboxEntry], *, now: datetime) -> list[int]:
    """Add `entries` as pending, due at `now`; returns the ids of rows inserted (not already there).

    Joins the caller's transaction when one is open (commit_poll), else runs in its own.
    """
    inserted: list[int] = []
    with write_transaction(db):
        for entry in entries:
            body_hash = bodies.store(db, entry.message.body)
            cursor = db.execute(
                """INSERT OR IGNORE INTO outbox (idem_key, notice_key, version, kommune, channel, message,
                       state, attempts, next_attempt_at, created_at, thread_key, body_hash)
                   VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)""",
                [
                    entry.idem_key, entry.notice_key, entry.version, entry.kommune, entry.channel,
                    message_to_json(replace(entry.message, body="")), iso(now), iso(now), entry.thread_key,
                    body_hash,
                ],
            )  # fmt: skip
            if cursor.rowcount == 1 and cursor.lastrowid is not None:
                inserted.append(cursor.lastrowid)
    return inserted


def enqueue_admin(
    db: sqlite_utils.Database, items: Sequence[tuple[str, str, str, Message]], now: datetime
) -> list[int]:
    """Enqueue operator messages given as (kommune, channel, idem_key, message); idempotent by key."""
    entries = [
        OutboxEntry(
            idem_key=key, notice_key=None, version=None, kommune=kommune, channel=channel, message=message
        )
        for kommune, channel, key, message in items
    ]
    return enqueue(db, entries, now=now)


def due(db: sqlite_utils.Database, now: datetime, limit: int = 100) -> list[OutboxItem]:
    """Pending items whose next attempt is at or before `now`, oldest first."""
    return _select(db, "state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?", [iso(now), limit])


def get_item(db: sqlite_utils.Database, item_id: int) -> OutboxItem | None:
    items = _select(db, "id = ?", [item_id])
    return items[0] if items else None


def item_by_key(db: sqlite_utils.Database, idem_key: str) -> OutboxItem | None:
    items = _select(db, "idem_key = ?", [idem_key])
    return items[0] if items else None


def claim(
    db: sqlite_utils.Database, item_id: int, now: datetime, until: datetime, *, holder: str | None = None
) -> bool:
    """Take a due item for sending by pushing its next attempt to `until` (a lease) for `holder`.

    Returns False when it is no longer due (another worker took it, or it was marked meanwhile).
    If the process dies after sending and before marking, the item is due again at `until`, or
    at once when the next start releases the dead holder's claims (`release_stale_claims`), and
    is sent again: delivery is at-least-once. Every mark_* clears the holder.
    """
    cursor = _execute_one(
        db,
        "UPDATE outbox SET next_attempt_at = ?, claimed_by = ?"
        " WHERE id = ? AND state = 'pending' AND next_attempt_at <= ?",
        [iso_up(until), holder, item_id, iso(now)],
    )
    return cursor.rowcount == 1


def release_stale_claims(db: sqlite_utils.Database, now: datetime, *, alive: Callable[[str], bool]) -> int:
    """Make every pending item claimed by a holder that is not `alive` due at `now`; returns how many.

    For a start after a crash: the dead process's leases would otherwise hide its in-flight
    items until they run out. Such an item may have been delivered just before the crash, so
    it can be sent twice (at-least-once), never lost. Claims without a holder keep their lease.
    """
    holders = [
        row[0] for row in db.execute("SELECT DISTINCT claimed_by FROM outbox WHERE claimed_by IS NOT NULL")
    ]
    stale = [holder for holder in holders if not alive(holder)]
    if not stale:
        return 0
    marks = ", ".join("?" for _ in stale)
    with write_transaction(db):
        cursor = db.execute(
            f"UPDATE outbox SET next_attempt_at = ?, claimed_by = NULL"
            f" WHERE state = 'pending' AND claimed_by IN ({marks})",
            [iso(now), *stale],
        )
    return cursor.rowcount


def claimed_count(db: sqlite_utils.Database) -> int:
    """How many pending items are claimed right now (being sent, or left by a crash)."""
    row = db.execute(
        "SELECT count(*) FROM outbox WHERE state = 'pending' AND claimed_by IS NOT NULL"
    ).fetchone()
    return int(row[0])


def defer(db: sqlite_utils.Database, item_id: int, until: datetime) -> None:
    """Postpone a pending item without counting an attempt (rate limit, waiting for a parent).

    Also releases this process's claim on it (a claimed item that was not sent after all)."""
    _execute_one(
        db,
        "UPDATE outbox SET next_attempt_at = ?, claimed_by = NULL WHERE id = ? AND state = 'pending'",
        [iso_up(until), item_id],
    )


def mark_done(db: sqlite_utils.Database, item_id: int, result: DeliveryResult, now: datetime) -> None:
    """Record a delivery: state done, result.thread_ref kept for replies."""
    with write_transaction(db):
        db.execute(
            """UPDATE outbox SET state = 'done', attempts = attempts + 1, delivered_at = ?, last_error = NULL,
                   last_status = ?, thread_ref = ?, claimed_by = NULL WHERE id = ? AND state = 'pending'""",
            [iso(now), result.status, result.thread_ref, item_id],
        )
        _log_attempt(db, item_id, result, now)


def mark_retry(
    db: sqlite_utils.Database, item_id: int, result: DeliveryResult, next_attempt_at: datetime, now: datetime
) -> None:
    """Record a failed attempt that will be retried at `next_attempt_at`."""
    with write_transaction(db):
        db.execute(
            """UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?,
                   last_status = ?, claimed_by = NULL WHERE id = ? AND state = 'pending'""",
            [iso_up(next_attempt_at), result.detail, result.status, item_id],
        )
        _log_attempt(db, item_id, result, now)


def mark_dead(
    db: sqlite_utils.Database, item_id: int, result: DeliveryResult, now: datetime, *, attempted: bool = True
) -> None:
    """Dead-letter an item. `attempted=False` when nothing was sent (e.g. the channel is gone)."""
    with write_transaction(db):
        db.execute(
            """UPDATE outbox SET state = 'dead', attempts = attempts + ?, last_error = ?, last_status = ?,
                   claimed_by = NULL WHERE id = ? AND state = 'pending'""",
            [int(attempted), result.detail, result.status, item_id],
        )
        _log_attempt(db, item_id, result, now)


def list_items(db: sqlite_utils.Database, states: Collection[str] | None = None) -> list[OutboxItem]:
    """Items in any of `states` (all when None), oldest first."""
    if not states:
        return _select(db, "1 ORDER BY id", [])
    marks = ", ".join("?" for _ in states)
    return _select(db, f"state IN ({marks}) ORDER BY id", list(states))


def requeue(db: sqlite_utils.Database, item_id: int | None, now: datetime) -> int:
    """Make a dead or pending item due now again; with None, every dead item and every pending one
    that has failed at least once. Done items are never requeued. Returns the number of items.
    """
    where = "id = ? AND state IN ('dead', 'pending')" if item_id is not None else (
        "state = 'dead' OR (state = 'pending' AND attempts > 0)"
    )  # fmt: skip
    parameters: list[Any] = [iso(now), iso(now)] + ([item_id] if item_id is not None else [])
    with write_transaction(db):
        cursor = db.execute(
            f"UPDATE outbox SET state = 'pending', next_attempt_at = ?, requeued_at = ?, claimed_by = NULL"
            f" WHERE {where}",
            parameters,
        )
    return cursor.rowcount


def thread_ref_for(db: sqlite_utils.Database, idem_key: str) -> str | None:
    """The thread reference (Slack ts, email Message-ID) the delivered item `idem_key` got, if any."""
    row = db.execute(
        "SELECT thread_ref FROM outbox WHERE idem_key = ? AND state = 'done'", [idem_key]
    ).fetchone()
    return None if row is None else row[0]


def thread_message_id(db: sqlite_utils.Database, idem_key: str) -> str | None:
    """The Message-ID of the message queued as `idem_key` (for an email reply's In-Reply-To)."""
    item = item_by_key(db, idem_key)
    return None if item is None else item.message.message_id


def depth(db: sqlite_utils.Database) -> dict[str, int]:
    """The number of items per state (every state present, zero when none)."""
    counts: dict[str, int] = dict.fromkeys(STATES, 0)
    for state, count in db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall():
        counts[state] = count
    return counts


def attempts_of(db: sqlite_utils.Database, item_id: int) -> list[DeliveryAttempt]:
    """Every recorded attempt for an item, oldest first."""
    rows = db.execute(
        "SELECT outbox_id, at, ok, status, detail FROM delivery_attempts WHERE outbox_id = ? ORDER BY id",
        [item_id],
    ).fetchall()
    return [DeliveryAttempt(row[0], require_iso(row[1]), bool(row[2]), row[3], row[4] or "") for row in rows]


def next_due_at(db: sqlite_utils.Database) -> datetime | None:
    """When the earliest pending item is due (for a scheduler), or None when nothing is pending."""
    row = db.execute("SELECT min(next_attempt_at) FROM outbox WHERE state = 'pending'").fetchone()
    return parse_iso(row[0]) if row else None


def select_items(db: sqlite_utils.Database, where: str, parameters: Sequence[Any]) -> list[OutboxItem]:
    """Outbox items matching a WHERE clause (with ORDER BY as needed); for other store modules."""
    return _select(db, where, parameters)


def _select(db: sqlite_utils.Database, where: str, parameters: Sequence[Any]) -> list[OutboxItem]:
    cursor = db.execute(
        "SELECT outbox.*, outbox_bodies.body AS shared_body FROM outbox"
        f" LEFT JOIN outbox_bodies ON outbox_bodies.hash = outbox.body_hash WHERE {where}",
        list(parameters),
    )
    columns = [column[0] for column in cursor.description]
    return [_item(dict(zip(columns, values, strict=True))) for values in cursor.fetchall()]


def _item(row: dict[str, Any]) -> OutboxItem:
    message = message_from_json(row["message"])
    if row["body_hash"] is not None:
        message = replace(message, body=row["shared_body"] or "")
    return OutboxItem(
        id=row["id"],
        idem_key=row["idem_key"],
        notice_key=row["notice_key"],
        version=row["version"],
        kommune=row["kommune"],
        channel=row["channel"],
        message=message,
        state=row["state"],
        attempts=row["attempts"],
        next_attempt_at=require_iso(row["next_attempt_at"]),
        created_at=require_iso(row["created_at"]),
        delivered_at=parse_iso(row["delivered_at"]),
        last_error=row["last_error"],
        last_status=row["last_status"],
        thread_key=row["thread_key"],
        thread_ref=row["thread_ref"],
        requeued_at=parse_iso(row["requeued_at"]),
    )


def _execute_one(db: sqlite_utils.Database, sql: str, parameters: Sequence[Any]) -> sqlite3.Cursor:
    """One write statement: within the caller's transaction as it is (a single statement is atomic
    by itself, no savepoint needed: a drain claims a hundred items in one), else in its own."""
    if db.conn.in_transaction:
        return db.execute(sql, list(parameters))
    with write_transaction(db):
        return db.execute(sql, list(parameters))


def _log_attempt(db: sqlite_utils.Database, item_id: int, result: DeliveryResult, now: datetime) -> None:
    db.execute(
        "INSERT INTO delivery_attempts (outbox_id, at, ok, status, detail) VALUES (?, ?, ?, ?, ?)",
        [item_id, iso(now), int(result.ok), result.status, result.detail],
    )
