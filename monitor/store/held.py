"""Messages the outbox holds back: quiet hours and digests (`held`), and outage reminders.

A held message is an ordinary pending outbox row whose first attempt is due at the end of the
hold, with a `held` row saying why; so a restart neither loses nor repeats it, and a digest is
assembled from the rows that are due when it is sent. `reminders` records each "[Fortsatt]"
reply by its own idempotency key in the outbox; this module only finds what is owed.
"""

from __future__ import annotations

from datetime import datetime

import sqlite_utils
from sqlite_utils import Migrations

from monitor.store import write_transaction
from monitor.store.codec import iso, iso_up
from monitor.store.outbox import OutboxItem, select_items

MIGRATIONS = Migrations("driftsvarsel.held")


@MIGRATIONS()
def m001_held(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE held (
            outbox_id INTEGER PRIMARY KEY REFERENCES outbox (id),
            kind TEXT NOT NULL CHECK (kind IN ('quiet', 'digest')), until TEXT NOT NULL)"""
    )


def hold(db: sqlite_utils.Database, idem_key: str, kind: str, until: datetime) -> bool:
    """Hold the new (never tried) pending item `idem_key` until `until`; False when there is none
    or it is held already. The give-up clock starts at `until` (as after a manual retry)."""
    with write_transaction(db):
        row = db.execute(
            """SELECT id FROM outbox WHERE idem_key = ? AND state = 'pending' AND attempts = 0
                   AND id NOT IN (SELECT outbox_id FROM held)""",
            [idem_key],
        ).fetchone()
        if row is None:
            return False
        db.execute(
            "UPDATE outbox SET next_attempt_at = ?, requeued_at = ? WHERE id = ?",
            [iso_up(until), iso(until), row[0]],
        )
        db.execute("INSERT INTO held (outbox_id, kind, until) VALUES (?, ?, ?)", [row[0], kind, iso(until)])
    return True


def held_kind(db: sqlite_utils.Database, outbox_id: int) -> str | None:
    row = db.execute("SELECT kind FROM held WHERE outbox_id = ?", [outbox_id]).fetchone()
    return None if row is None else str(row[0])


def due_digest_mates(db: sqlite_utils.Database, item: OutboxItem, now: datetime) -> list[OutboxItem]:
    """The other due, unthreaded digest items of `item`'s kommune and channel, oldest first."""
    return select_items(
        db,
        """state = 'pending' AND kommune = ? AND channel = ? AND id != ? AND thread_key IS NULL
           AND next_attempt_at <= ? AND id IN (SELECT outbox_id FROM held WHERE kind = 'digest')
           ORDER BY id""",
        [item.kommune, item.channel, item.id, iso(now)],
    )


def open_incidents(db: sqlite_utils.Database, since: datetime) -> list[tuple[OutboxItem, str | None]]:
    """Delivered kommune alerts (not replies) opening an error or downtime delivered since `since`
    whose notice is still at that version, not removed, and has no resolution in its thread;
    each with its window's end ("YYYY-MM-DDTHH:MM" Oslo) or None."""
    items = select_items(
        db,
        """state = 'done' AND kommune != 'admin' AND thread_key IS NULL AND delivered_at >= ?
           AND EXISTS (SELECT 1 FROM classifications c JOIN notices n ON n.key = c.key
                       WHERE c.key = outbox.notice_key AND c.version = outbox.version
                       AND n.version = outbox.version AND n.removed_at IS NULL
                       AND c.category IN ('error', 'downtime'))
           AND NOT EXISTS (SELECT 1 FROM outbox r JOIN classifications rc
                           ON rc.key = r.notice_key AND rc.version = r.version
                           WHERE r.thread_key = outbox.idem_key AND rc.category = 'resolved')
           ORDER BY id""",
        [iso(since)],
    )
    result = []
    for item in items:
        row = db.execute(
            "SELECT window_end FROM classifications WHERE key = ? AND version = ?",
            [item.notice_key, item.version],
        ).fetchone()
        result.append((item, None if row is None else row[0]))
    return result
