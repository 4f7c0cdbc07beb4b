"""A consistent copy of the live database, taken while the daemon keeps writing.

SQLite's online backup API copies the pages of one read snapshot; in WAL mode the daemon's
writers are not blocked meanwhile. The copy is written beside its destination, checked with
`PRAGMA integrity_check`, switched to a single-file journal, and only then renamed into place,
so a destination file either is a complete backup or does not exist.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from monitor.errors import UserError

logger = logging.getLogger(__name__)

# The daemon may hold the write lock briefly; wait this long for it.
BUSY_TIMEOUT_SECONDS = 30.0
# Backups hold the same data as the database: readable by the owner only.
BACKUP_FILE_MODE = 0o600


def backup(db_path: Path, dest: Path, *, now: datetime | None = None) -> Path:
    """Copy the SQLite database `db_path` to `dest` and return the file written.

    `dest` is a new file name, or an existing directory that gets
    `driftsvarsel-<UTC time>.db` (time from `now`, default the current time). Never
    overwrites. Raises UserError when the database is missing or unreadable, when `dest`
    exists or its directory does not, or when the copy fails its integrity check.
    """
    if db_path.is_dir():
        raise UserError(
            f"database {db_path} is a directory, not a file (give --db PATH of the database file)"
        )
    if not db_path.is_file():
        raise UserError(
            f"database {db_path} not found (give --db PATH or check settings.database in rules.yaml)"
        )
    target = dest
    if dest.is_dir():
        stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = dest / f"driftsvarsel-{stamp}.db"
    if target.exists():
        raise UserError(f"{target} already exists (choose a new file name or a directory, or remove it)")
    if target.parent.exists() and not target.parent.is_dir():
        raise UserError(f"{target.parent} is not a directory (give a new file name or a directory as DEST)")
    if not target.parent.is_dir():
        raise UserError(f"directory {target.parent} does not exist (create it first)")
    partial = target.with_name(target.name + ".partial")
    try:
        _copy(db_path, partial)
        os.replace(partial, target)
    except sqlite3.Error as error:
        raise UserError(f"backup of {db_path} to {target} failed: {error}") from error
    except OSError as error:
        raise UserError(f"backup of {db_path} to {target} failed: {error}") from error
    finally:
        partial.unlink(missing_ok=True)
    logger.info("backed up %s to %s (%d bytes)", db_path, target, target.stat().st_size)
    return target


def _copy(db_path: Path, partial: Path) -> None:
    partial.unlink(missing_ok=True)
    # mode=rw: never create an empty database when the path is wrong. Not mode=ro: a read-only
    # connection leaves -wal/-shm files behind, owned by whoever ran the backup.
    uri = f"file:{quote(str(db_path.resolve()))}?mode=rw"
    source = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        copy = sqlite3.connect(partial)
        try:
            os.chmod(partial, BACKUP_FILE_MODE)
            source.backup(copy)  # all pages in one step: one consistent snapshot
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
            if verdict != "ok":
                raise UserError(f"the copy of {db_path} failed its integrity check: {verdict}")
        finally:
            copy.close()
    finally:
        source.close()
