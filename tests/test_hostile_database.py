"""The database under stress (issue 13, rows 8-11), on real SQLite files.

Row 8: a file damaged mid-way and a full disk are clear errors naming the file and what to do,
and nothing is half-written. Row 9: daemons starting together on a new database take turns at
the migrations. Row 10: read commands work on a database this user cannot write. Row 11: a new
database is 0600 in a 0700 folder, whatever the umask.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_end_to_end import World

from monitor.cli.main import main
from monitor.demo.replay import build_feed
from monitor.model import Message
from monitor.store import open_db, outbox
from monitor.store.outbox import OutboxEntry
from monitor.store.schema import MIGRATION_SETS

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
NOBODY = 65534


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def fill(path: Path, rows: int) -> None:
    """A database with `rows` outbox items (several pages of data), checkpointed into the file."""
    db = open_db(path)
    for number in range(rows):
        message = Message(
            f"s{number}", "h", (("Kategori", "Feil"),), "tekst " * 50, None, "f", f"<{number}@t>"
        )
        outbox.enqueue(
            db, [OutboxEntry(f"k{number}|0301|slack", f"k{number}", 1, "0301", "slack", message)], now=NOW
        )
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()


# -- row 11 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o002])
def test_open_db_creates_0600_file_in_0700_folder_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        path = tmp_path / "state" / "driftsvarsel.db"
        fill(path, 3)
    finally:
        os.umask(old)
    assert (mode(path.parent), mode(path)) == (0o700, 0o600)
    for sidecar in path.parent.iterdir():  # -wal and -shm, when present, take the file's mode
        assert mode(sidecar) & 0o077 == 0, sidecar


# -- row 9 -----------------------------------------------------------------------------------------


def _open_at_barrier(
    path: str, barrier: multiprocessing.synchronize.Barrier, errors: multiprocessing.Queue[str]
) -> None:
    try:
        barrier.wait()
        open_db(path).conn.close()
    except Exception as error:  # reported to the test, which fails on any
        errors.put(f"{type(error).__name__}: {error}")


def test_open_db_by_four_processes_at_once_on_a_new_database_all_succeed(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    for round_number in range(3):
        path = str(tmp_path / f"race{round_number}" / "d.db")
        barrier, errors = context.Barrier(4), context.Queue()
        workers = [context.Process(target=_open_at_barrier, args=(path, barrier, errors)) for _ in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        problems = [errors.get() for _ in range(errors.qsize())] if not errors.empty() else []
        assert problems == [] and [worker.exitcode for worker in workers] == [0, 0, 0, 0]
        db = open_db(path)
        applied = db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
        assert applied == sum(len(migrations._migrations) for migrations in MIGRATION_SETS)


# -- row 10 ----------------------------------------------------------------------------------------


def run_unprivileged(call: Callable[[], int]) -> tuple[int, str]:
    """Run `call` in a forked child that cannot write the database: as user nobody when we are
    root (root ignores file modes), else as ourselves with the modes already taken away."""
    read_fd, write_fd = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (runs in the child)
        code = 99
        try:
            os.close(read_fd)
            os.dup2(write_fd, 1)
            os.dup2(write_fd, 2)
            # pytest's capture replaced sys.stdout/err; write to the pipe instead.
            sys.stdout = os.fdopen(1, "w", closefd=False)
            sys.stderr = os.fdopen(2, "w", closefd=False)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            code = call()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd, "r", encoding="utf-8", errors="replace") as pipe:
        output = pipe.read()
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status), output


@pytest.fixture
def foreign_db() -> Iterator[Path]:
    """A filled database in a folder this test's user may read but not write."""
    folder = Path(tempfile.mkdtemp(prefix="driftsvarsel-ro-"))
    path = folder / "d.db"
    fill(path, 2)
    os.chmod(path, 0o444 if os.geteuid() else 0o644)
    os.chmod(folder, 0o555 if os.geteuid() else 0o755)
    yield path
    os.chmod(folder, 0o755)
    for item in folder.iterdir():
        item.unlink()
    folder.rmdir()


def test_read_commands_work_on_a_database_they_cannot_write(foreign_db: Path) -> None:
    import monitor.deliver.worker  # noqa: F401 (imported before the fork: nobody cannot read /root)
    import monitor.probes.status  # noqa: F401

    before = foreign_db.read_bytes()
    for command in (
        ["outbox", "--db", str(foreign_db), "--state", "all"],
        ["status", "--db", str(foreign_db)],
    ):
        code, output = run_unprivileged(lambda command=command: main(command))
        assert code == 0, output
        assert "readonly" not in output and "read-only" not in output
    code, output = run_unprivileged(lambda: main(["outbox", "--db", str(foreign_db)]))
    assert code == 0 and "(2 shown; pending 2, done 0, dead 0, silenced 0)" in output
    assert foreign_db.read_bytes() == before
    assert sorted(item.name for item in foreign_db.parent.iterdir()) == ["d.db"]


# -- row 8 -----------------------------------------------------------------------------------------


def test_cli_on_a_database_damaged_mid_file_names_it_and_says_restore_from_backup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "d.db"
    fill(path, 60)
    with closing(sqlite3.connect(path)) as conn:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'outbox'").fetchone()[0]
    data = bytearray(path.read_bytes())
    assert root > 1 and len(data) >= root * page  # the outbox's first page lies inside the file
    start = (root - 1) * page
    data[start : start + page] = b"\xa5" * page  # the outbox table's root page, garbage
    path.write_bytes(bytes(data))
    for command in (
        ["outbox", "--db", str(path), "--state", "all"],
        ["outbox", "retry", "--all", "--db", str(path)],
    ):
        assert main(command) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"Error: cannot use the database {path}: ") and "Traceback" not in err
        assert "driftsvarsel backup" in err


@pytest.fixture()
def feed_world(tmp_path: Path, real_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    instance = World(tmp_path, real_dir, monkeypatch)
    yield instance
    instance.close()


FULL_DISK = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
from monitor.cli.main import main
sys.exit(main(["poll", "--once", "--no-deliver", "--rules", {rules!r}]))
"""


def test_poll_once_on_a_full_disk_is_a_clear_error_and_writes_nothing_half(feed_world: World) -> None:
    feed_world.serve(build_feed(15))
    assert main(["poll", "--once", "--no-deliver", "--rules", str(feed_world.rules.path)]) == 0
    database = feed_world.rules.settings.database
    count = feed_world.db.execute("SELECT count(*) FROM notices").fetchone()[0]
    feed_world.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    feed_world.serve(build_feed(43))  # 28 new notices to write, on a disk with no room
    limit = 32 * 1024  # no file may grow past 32 KiB: the WAL fills at once (the storm guard writes little)
    script = FULL_DISK.format(limit=limit, rules=str(feed_world.rules.path))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert f"Error: cannot write the database {database}: " in done.stderr
    assert "free space" in done.stderr and "Traceback" not in done.stderr
    assert feed_world.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert feed_world.db.execute("SELECT count(*) FROM notices").fetchone()[0] == count
