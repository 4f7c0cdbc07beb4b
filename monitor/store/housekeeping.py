"""Keeping the database small: prune, downsample, and give freed pages back to the file system.

`tidy` is what the daemon's housekeeping job runs: fetch-log lines and probe results past
`keep_days` go, probe results older than a day fold into one line per target, hour and state,
and `compact` returns the free pages. A database made before incremental auto-vacuum existed is
converted once (a full VACUUM); after that each run is a cheap `PRAGMA incremental_vacuum`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from monitor.store import probes, sources, write_transaction

#: Probe results older than this are downsampled (the state machine reads only recent ones).
DOWNSAMPLE_AFTER = timedelta(days=1)
#: SQLite's auto_vacuum mode number for INCREMENTAL.
INCREMENTAL = 2


@dataclass(frozen=True)
class Tidied:
    """What one `tidy` removed (lines) and whether the file was converted to incremental vacuum."""

    fetch_lines: int
    probe_lines: int
    converted: bool


def tidy(db: sqlite_utils.Database, now: datetime, keep_days: int) -> Tidied:
    """Prune what is older than `keep_days`, downsample day-old probe results, compact the file."""
    before = now - timedelta(days=keep_days)
    fetch_lines = sources.prune_fetch_log(db, before)
    with write_transaction(db):
        probe_lines = probes.prune_results(db, before)
        probe_lines += probes.downsample_results(db, now - DOWNSAMPLE_AFTER)
    return Tidied(fetch_lines, probe_lines, compact(db))


def compact(db: sqlite_utils.Database) -> bool:
    """Give free pages back; returns True when this run converted the file to incremental vacuum.

    Must not be called inside a transaction (VACUUM cannot run in one)."""
    mode = db.execute("PRAGMA auto_vacuum").fetchone()[0]
    if mode != INCREMENTAL:
        db.execute("PRAGMA auto_vacuum = INCREMENTAL")
        db.execute("VACUUM")  # the one-time conversion of an older database
        return True
    # Through executescript: a plain execute steps the pragma once, which frees a single page.
    # (executescript would commit an open transaction; none is open here, see tidy.)
    db.conn.executescript("PRAGMA incremental_vacuum")
    return False
