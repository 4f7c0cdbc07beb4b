"""Whether the monitor's own network is down (see monitor.probes.selfcheck): one row while it is."""

from __future__ import annotations

from datetime import datetime

import sqlite_utils
from sqlite_utils import Migrations

from monitor.store.codec import iso

MIGRATIONS = Migrations("driftsvarsel.selfcheck")


@MIGRATIONS()
def m001_network_outages(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE network_outages (id INTEGER PRIMARY KEY, since TEXT NOT NULL, detail TEXT)")


def is_lost(db: sqlite_utils.Database) -> bool:
    return db.execute("SELECT 1 FROM network_outages").fetchone() is not None


def mark_lost(db: sqlite_utils.Database, now: datetime, detail: str) -> bool:
    """Record that the network is lost; True only when it was not already (tell the admin once)."""
    if db.execute("SELECT 1 FROM network_outages").fetchone() is not None:
        return False
    db.execute("INSERT INTO network_outages (since, detail) VALUES (?, ?)", [iso(now), detail])
    return True


def mark_back(db: sqlite_utils.Database) -> str | None:
    """Clear the mark; returns when the outage began, or None when there was none."""
    row = db.execute("SELECT since FROM network_outages ORDER BY id LIMIT 1").fetchone()
    if row is None:
        return None
    db.execute("DELETE FROM network_outages")
    return str(row[0])
