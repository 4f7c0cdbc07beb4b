"""Admin digests: the lines gathered into one admin message per topic and hour (monitor.deliver.digest).

`admin_digests` names the first message of each (topic, hour); `admin_digest_lines` holds the
lines of each queued admin message (by its idempotency key), so the message can be re-rendered
with every line while it still waits in the outbox.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import sqlite_utils
from sqlite_utils import Migrations

from monitor.model import Message
from monitor.store import bodies
from monitor.store.codec import iso, message_to_json, require_iso

MIGRATIONS = Migrations("driftsvarsel.digest")


@MIGRATIONS()
def m001_admin_digests(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE admin_digests (
            topic TEXT NOT NULL, hour TEXT NOT NULL, base_key TEXT NOT NULL, PRIMARY KEY (topic, hour))"""
    )
    db.execute(
        """CREATE TABLE admin_digest_lines (
            id INTEGER PRIMARY KEY, idem_key TEXT NOT NULL, line TEXT NOT NULL, at TEXT NOT NULL,
            UNIQUE (idem_key, line))"""
    )


def base_key(db: sqlite_utils.Database, topic: str, hour: str, default: str) -> tuple[str, bool]:
    """(the key of the (topic, hour) digest, whether it was created now with `default`)."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO admin_digests (topic, hour, base_key) VALUES (?, ?, ?)", [topic, hour, default]
    )
    if cursor.rowcount == 1:
        return default, True
    row = db.execute(
        "SELECT base_key FROM admin_digests WHERE topic = ? AND hour = ?", [topic, hour]
    ).fetchone()
    return str(row[0]), False


def add_line(
    db: sqlite_utils.Database, idem_key: str, line: str, now: datetime
) -> list[tuple[datetime, str]]:
    """Add `line` to the message `idem_key` (once: a replay adds nothing); returns all its (time, line)."""
    db.execute(
        "INSERT OR IGNORE INTO admin_digest_lines (idem_key, line, at) VALUES (?, ?, ?)",
        [idem_key, line, iso(now)],
    )
    rows = db.execute("SELECT at, line FROM admin_digest_lines WHERE idem_key = ? ORDER BY id", [idem_key])
    return [(require_iso(row[0]), str(row[1])) for row in rows.fetchall()]


def has_line(db: sqlite_utils.Database, idem_keys: list[str], line: str) -> bool:
    """Whether `line` is already in one of the messages `idem_keys` (a replayed report)."""
    marks = ", ".join("?" for _ in idem_keys)
    sql = f"SELECT 1 FROM admin_digest_lines WHERE line = ? AND idem_key IN ({marks})"
    return db.execute(sql, [line, *idem_keys]).fetchone() is not None


def waiting(db: sqlite_utils.Database, idem_key: str, now: datetime) -> bool | None:
    """None: no such outbox item; True: pending and not yet due (so no worker holds it, and it may be
    rewritten); False: due, being sent, or sent."""
    row = db.execute(
        """SELECT state = 'pending' AND attempts = 0 AND claimed_by IS NULL AND next_attempt_at > ?
           FROM outbox WHERE idem_key = ?""",
        [iso(now), idem_key],
    ).fetchone()
    return None if row is None else bool(row[0])


def rewrite(db: sqlite_utils.Database, idem_key: str, message: Message, now: datetime) -> bool:
    """Replace the message of a waiting outbox item; False when it is no longer waiting."""
    row = db.execute("SELECT body_hash FROM outbox WHERE idem_key = ?", [idem_key]).fetchone()
    body_hash = bodies.store(db, message.body)  # bodies are kept once, apart from the message
    cursor = db.execute(
        """UPDATE outbox SET message = ?, body_hash = ? WHERE idem_key = ? AND state = 'pending'
           AND attempts = 0 AND claimed_by IS NULL AND next_attempt_at > ?""",
        [message_to_json(replace(message, body="")), body_hash, idem_key, iso(now)],
    )
    rewritten = cursor.rowcount == 1
    bodies.release(db, row[0] if rewritten and row is not None and row[0] != body_hash else None)
    if not rewritten:
        bodies.release(db, body_hash)  # stored for nothing: the item was no longer waiting
    return rewritten
