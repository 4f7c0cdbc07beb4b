"""The only package that talks SQL. One module per area, each with its own migration set.

`open_db(path)` opens (creating) the database in WAL mode with a busy timeout, so the CLI can
read while the daemon writes, and applies every pending migration of every area.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

BUSY_TIMEOUT_MS = 10_000


def _migration_sets() -> list[Migrations]:
    # Imported here so that each area module can import this package's helpers freely.
    from monitor.store import schema

    return schema.MIGRATION_SETS


def open_db(path: Path | str, *, writable: bool = True) -> sqlite_utils.Database:
    """Open the SQLite database at `path` (":memory:" allowed), migrated to the current schema.

    Raises UserError naming the path and how to fix it when the directory cannot be created, the
    file cannot be opened (or, with `writable`, cannot be written), is not a SQLite database, or has
    a newer schema. Without `writable` a read-only file is fine for reading.
    """
    from monitor.errors import UserError

    if str(path) != ":memory:":
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UserError(
                f"cannot create the database directory {Path(path).parent}: {error.strerror} "
                "(set settings.state_dir in rules.yaml to a writable directory)"
            ) from None
        if writable:
            _require_writable(Path(path))
    try:
        return _open_migrated(path)
    except sqlite3.DatabaseError as error:
        raise UserError(
            f"cannot use the database {path}: {error} (check that it is a driftsvarsel database the "
            "service user can write, e.g. not a directory or a damaged file; restore a backup made with "
            "`driftsvarsel backup` if it is damaged)"
        ) from None


def _require_writable(path: Path) -> None:
    """Raise UserError when this process cannot write the database file or its directory (SQLite
    writes its -wal and -shm files next to it), before a write fails half-way through a command."""
    from monitor.errors import UserError

    for target in (path, path.parent):
        if target.exists() and not os.access(target, os.W_OK):
            raise UserError(
                f"the database {path} is read-only here ({target} is not writable): run as the service "
                "user, or make it writable; read commands such as `driftsvarsel status` still work"
            )


def _open_migrated(path: Path | str) -> sqlite_utils.Database:
    db = sqlite_utils.Database(str(path))
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    sets = _migration_sets()
    _check_ours(db, path, sets)  # before anything is written to someone else's file
    # Takes effect in a new file only (older ones are converted by housekeeping.compact).
    db.execute("PRAGMA auto_vacuum = INCREMENTAL")
    if str(path) != ":memory:":
        db.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: a killed process loses
        # nothing, a power cut may lose the last commits (a poll is redone, a delivery mark
        # resent: at least once still holds). Per-commit fsyncs were most of a fan-out's time.
        db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    for migrations in sets:
        migrations.apply(db)
    return db


def _check_ours(db: sqlite_utils.Database, path: Path | str, sets: list[Migrations]) -> None:
    """Raise UserError when `db` holds tables but no driftsvarsel migrations (another program's
    database), or a migration this version does not know (a newer driftsvarsel's database)."""
    from monitor.errors import UserError

    table = Migrations.migrations_table
    ours = []
    if db[table].exists():
        ours = list(
            db.query(f"SELECT migration_set, name FROM [{table}] WHERE migration_set LIKE 'driftsvarsel.%'")
        )
    if not ours and db.table_names():
        raise UserError(
            f"{path} is a SQLite database of something else (tables: {', '.join(db.table_names()[:5])}), "
            "not driftsvarsel's: give --db, or settings.database in rules.yaml, the path of driftsvarsel's "
            "database"
        )
    known = {(migrations.name, migration.name) for migrations in sets for migration in migrations._migrations}
    for row in ours:
        if (row["migration_set"], row["name"]) not in known:
            raise UserError(
                f"the database {path} was written by a newer driftsvarsel (it has migration "
                f"{row['migration_set']}/{row['name']}, unknown to this version): upgrade driftsvarsel, "
                "or restore a backup made with this version"
            )


def open_existing(path: Path | str, *, writable: bool = False) -> sqlite_utils.Database:
    """Open a database that must already exist (the CLI's read commands never create one).

    Raises UserError naming the path and how to fix it when there is no file there.
    """
    from monitor.errors import UserError

    if Path(path).is_dir():
        raise UserError(
            f"the database {path} is a directory, not a file (give --db PATH of the database file)"
        )
    if not Path(path).is_file():
        raise UserError(
            f"no database at {path}: give --db PATH, or a rules file whose settings.database the daemon "
            "(or `driftsvarsel poll --once`) has already created"
        )
    return open_db(path, writable=writable)


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A transaction that takes the write lock at its start (`BEGIN IMMEDIATE`).

    A plain (deferred) transaction that reads and then writes fails at once with "database is
    locked" when another connection committed in between (WAL cannot upgrade a stale snapshot);
    taking the lock first lets the busy timeout do its work. Nested use becomes a savepoint.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    try:
        db.conn.execute("COMMIT")
    except BaseException:
        db.conn.rollback()
        raise
