"""Incident threads that a resolution closed, so nothing threads under them again.

One row per closed opening notice key ("<source>:<notice_id>"), written in the poll's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlite_utils
from sqlite_utils import Migrations

from monitor.store.codec import iso

MIGRATIONS = Migrations("driftsvarsel.threads")


@MIGRATIONS()
def m001_incident_closures(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE incident_closures (
            opening_key TEXT PRIMARY KEY, closed_by TEXT NOT NULL, closed_at TEXT NOT NULL)"""
    )
    db.execute("CREATE INDEX incident_closures_at ON incident_closures (closed_at)")


def record_closures(db: sqlite_utils.Database, closures: Iterable[tuple[str, str]], now: datetime) -> None:
    """Record (opening key, closing notice key) pairs; an opening closed before stays as it was."""
    db.conn.executemany(
        "INSERT OR IGNORE INTO incident_closures (opening_key, closed_by, closed_at) VALUES (?, ?, ?)",
        [(opening, closed_by, iso(now)) for opening, closed_by in closures],
    )


def closed_since(db: sqlite_utils.Database, since: datetime) -> set[str]:
    """Keys of openings closed at or after `since`."""
    rows = db.execute("SELECT opening_key FROM incident_closures WHERE closed_at >= ?", [iso(since)])
    return {str(row[0]) for row in rows.fetchall()}
