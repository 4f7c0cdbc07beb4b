"""The only package that talks SQL. One module per area, each with its own migration set.

`open_db(path)` opens (creating) the database in WAL mode with a busy timeout, so the CLI can
read while the daemon writes, and applies every pending migration of every area.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

BUSY_TIMEOUT_MS = 10_000


def _migration_sets() -> list[Migrations]:
    # Imported here so that each area module can import this package's helpers freely.
    from monitor.store import schema

    return schema.MIGRATION_SETS


def open_db(path: Path | str) -> sqlite_utils.Database:
    """Open the SQLite database at `path` (":memory:" allowed), migrated to the current schema.

    Raises OSError (with the path in the message) when the file cannot be created.
    """
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(str(path))
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if str(path) != ":memory:":
        db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA foreign_keys = ON")
    for migrations in _migration_sets():
        migrations.apply(db)
    return db


def open_existing(path: Path | str) -> sqlite_utils.Database:
    """Open a database that must already exist (the CLI's read commands never create one).

    Raises UserError naming the path and how to fix it when there is no file there.
    """
    from monitor.errors import UserError

    if not Path(path).is_file():
        raise UserError(
            f"no database at {path}: give --db PATH, or a rules file whose settings.database the daemon "
            "(or `driftsvarsel poll --once`) has already created"
        )
    return open_db(path)


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
