"""The database as a file: private permissions, read-only opening, and errors people can act on.

- A new database folder is made 0700 and a new database file 0600, whatever the umask (SQLite
  gives its -wal and -shm files the database file's mode).
- Read commands open the file read-only (`mode=ro`), so `status` or `outbox` work on a database
  another user owns and never write to it.
- `explain` turns a `sqlite3.DatabaseError` into a UserError that names the file and says what
  to do: a damaged file is restored from `driftsvarsel backup`; a full disk needs space freed.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from pathlib import Path
from urllib.parse import quote

from monitor.errors import UserError

FOLDER_MODE = 0o700
FILE_MODE = 0o600

#: The database files this process opened, newest last: the CLI names the file in an error that
#: surfaces after opening (a damaged page read later, a full disk on a write).
_opened: list[str] = []
_opened_lock = threading.Lock()


def remember(path: Path | str) -> None:
    with _opened_lock:
        if str(path) in _opened:
            _opened.remove(str(path))
        _opened.append(str(path))


def last_opened() -> str | None:
    with _opened_lock:
        return _opened[-1] if _opened else None


def make_private_folder(folder: Path) -> None:
    """Create `folder` (and parents) when missing; a folder made here is 0700.

    Raises UserError naming the folder when it cannot be created. An existing folder is left as
    it is (it may be the current directory, or systemd's StateDirectory=).
    """
    if folder.is_dir():
        return
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
        os.chmod(folder, FOLDER_MODE)  # mkdir's mode is reduced by the umask; make it exact
    except OSError as error:
        raise UserError(
            f"cannot create the database directory {folder}: {error.strerror} "
            "(set settings.state_dir in rules.yaml to a writable directory)"
        ) from None


def create_private_file(path: Path) -> None:
    """Create an empty database file with mode 0600 when there is none (SQLite takes an empty
    file as a new database); an existing file keeps its mode."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    except OSError as error:
        raise UserError(f"cannot create the database {path}: {error.strerror}") from None
    os.close(descriptor)
    os.chmod(path, FILE_MODE)


def connect_read_only(path: Path | str) -> sqlite3.Connection:
    """A connection that cannot write (`mode=ro`), for the CLI's read commands.

    A WAL database needs its -shm file; when there is none (no daemon has it open) and this user
    may not create one, the file is read as `immutable`: with no -wal file beside it, everything
    is in the main file.
    """
    uri = f"file:{quote(str(Path(path).absolute()))}?mode=ro"
    connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        if Path(f"{path}-wal").exists():
            raise
        connection.close()
        connection = sqlite3.connect(uri + "&immutable=1", uri=True, check_same_thread=False)
    return connection


def is_private(path: Path) -> bool:
    """True when only the owner may read `path` (for tests and `status`)."""
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def explain(error: sqlite3.DatabaseError, path: Path | str | None = None) -> UserError:
    """A UserError naming the database file and what to do about `error`."""
    where = str(path or last_opened() or "the database")
    text = str(error)
    lowered = text.lower()
    if "full" in lowered or "disk i/o" in lowered or "no space" in lowered:
        return UserError(
            f"cannot write the database {where}: {text} (free space on its disk, or move "
            "settings.state_dir to a disk with room; nothing was half-written: the change was rolled "
            "back and is done again at the next poll)"
        )
    if "readonly" in lowered or "read-only" in lowered:
        return UserError(
            f"the database {where} is read-only here ({text}): run as the service user, or make the "
            "file and its folder writable"
        )
    if "locked" in lowered or "busy" in lowered:
        return UserError(
            f"the database {where} is busy ({text}): another driftsvarsel process holds it; try again"
        )
    if "unable to open" in lowered:
        return UserError(
            f"cannot use the database {where}: {text} (check that it is a file, not a directory, that "
            "the service user can read and write, in a folder it can write)"
        )
    return UserError(
        f"cannot use the database {where}: {text} (it is damaged, or not a driftsvarsel database: stop "
        "the service, restore the latest copy made with `driftsvarsel backup`, e.g. from "
        "/var/backups/driftsvarsel/, and start it again)"
    )
