"""The only package that talks SQL. One module per area, each with its own migration set.

`open_db(path)` opens (creating) the database in WAL mode with a busy timeout, so the CLI can
read while the daemon writes, and applies every pending migration of every area, all in one
write transaction: two daemons starting on a new database take turns, the second finds the
schema done. A new database is created 0600 in a 0700 folder; `open_db(path, writable=False)`
opens read-only and writes nothing (see `monitor.store.files`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from monitor.store import files

BUSY_TIMEOUT_MS = 10_000


def _migration_sets() -> list[Migrations]:
    # Imported here so that each area module can import this package's helpers freely.
    from monitor.store import schema

    return schema.MIGRATION_SETS


def open_db(path: Path | str, *, writable: bool = True) -> sqlite_utils.Database:
    """Open the SQLite database at `path` (":memory:" allowed), migrated to the current schema.

    Raises UserError naming the path and how to fix it when the directory cannot be created, the
    file cannot be opened (or, with `writable`, cannot be written), is not a SQLite database, is
    damaged, or has a newer schema. Without `writable` the file is opened read-only and never
    written (it must exist and have the current schema).
    """
    from monitor.errors import UserError

    memory = str(path) == ":memory:"
    if not memory:
        files.remember(path)
        if writable:
            files.make_private_folder(Path(path).parent)
            _require_writable(Path(path))
            files.create_private_file(Path(path))
    try:
        return _open_migrated_when_free(path) if writable or memory else _open_read_only(path)
    except UserError:
        raise
    except sqlite3.DatabaseError as error:
        raise files.explain(error, path) from None


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


def _open_migrated_when_free(path: Path | str) -> sqlite_utils.Database:
    """`_open_migrated`, tried again while another process holds the lock, up to BUSY_TIMEOUT_MS.

    Switching a new file to WAL (and its first migrations) can meet SQLITE_BUSY without SQLite's
    busy handler being asked, when several processes open a new database at the same moment.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            return _open_migrated(path)
        except sqlite3.OperationalError as error:
            busy = "locked" in str(error) or "busy" in str(error)
            if not busy or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _open_migrated(path: Path | str) -> sqlite_utils.Database:
    db = sqlite_utils.Database(str(path))
    try:
        return _migrate(db, path)
    except BaseException:
        db.conn.close()
        raise


def _migrate(db: sqlite_utils.Database, path: Path | str) -> sqlite_utils.Database:
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
    if _pending(db, sets):
        # One write transaction for every set: a second process starting at the same moment waits
        # for the lock (busy_timeout), then finds nothing pending instead of "table already exists".
        with write_transaction(db):
            for migrations in sets:
                migrations.apply(db)
    return db


def _open_read_only(path: Path | str) -> sqlite_utils.Database:
    """The database opened `mode=ro`; raises UserError when its schema is not current."""
    from monitor.errors import UserError

    if not Path(path).is_file():
        raise UserError(f"no database at {path} (the daemon, or `driftsvarsel poll --once`, creates it)")
    db = sqlite_utils.Database(files.connect_read_only(path))
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    sets = _migration_sets()
    _check_ours(db, path, sets)
    if _pending(db, sets):
        raise UserError(
            f"the database {path} has an older schema: let the daemon (or `driftsvarsel poll --once`, "
            "as the service user) upgrade it first; read commands never write to it"
        )
    return db


def _pending(db: sqlite_utils.Database, sets: list[Migrations]) -> bool:
    if not db[Migrations.migrations_table].exists():
        return True
    return any(migrations.pending(db) for migrations in sets)


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
