"""Online backup of a WAL database that another connection keeps writing to."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.errors import UserError
from monitor.store.backup import backup

ROWS_PER_COMMIT = 2
PAYLOAD = b"x" * 2000


def _wal_database(path: Path, rows: int = 2000) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("CREATE TABLE log (id INTEGER PRIMARY KEY, batch INTEGER, payload BLOB)")
        db.executemany(
            "INSERT INTO log (batch, payload) VALUES (?, ?)",
            [(index // ROWS_PER_COMMIT, PAYLOAD) for index in range(rows)],
        )
    db.close()


class Writer(threading.Thread):
    """Commits pairs of rows until stopped, as the daemon would; records commits and errors."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.db = sqlite3.connect(path, timeout=10, check_same_thread=False)
        self.db.execute("PRAGMA wal_autocheckpoint = 0")  # keep the new rows in the -wal file
        self.stop = threading.Event()
        self.commits = 0
        self.errors: list[Exception] = []

    def wait_for(self, commits: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.commits < commits and not self.errors:
            assert time.monotonic() < deadline, f"writer stuck at {self.commits} commits"
            time.sleep(0.001)

    def run(self) -> None:
        batch = 10_000
        while not self.stop.is_set():
            try:
                with self.db:
                    for _ in range(ROWS_PER_COMMIT):
                        self.db.execute("INSERT INTO log (batch, payload) VALUES (?, ?)", (batch, PAYLOAD))
                self.commits += 1
                batch += 1
            except sqlite3.Error as error:
                self.errors.append(error)
                return


def test_backup_copies_wal_database_while_another_connection_writes(tmp_path: Path) -> None:
    source = tmp_path / "driftsvarsel.db"
    _wal_database(source)
    writer = Writer(source)
    writer.start()
    writer.wait_for(5)  # rows now live only in the -wal file
    committed_before = writer.commits
    try:
        written = backup(source, tmp_path / "copy.db")
        committed_during = writer.commits
        writer.wait_for(committed_during + 5)  # and it keeps committing afterwards
    finally:
        writer.stop.set()
        writer.join(10)
        writer.db.close()

    assert writer.errors == []
    assert written == tmp_path / "copy.db"
    copy = sqlite3.connect(written)
    try:
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = copy.execute("SELECT count(*) FROM log").fetchone()[0]
        # A consistent snapshot: whole commits only, including those still in the -wal file.
        assert rows % ROWS_PER_COMMIT == 0
        assert rows >= 2000 + committed_before * ROWS_PER_COMMIT
        assert copy.execute("SELECT count(*) FROM log GROUP BY batch HAVING count(*) != 2").fetchall() == []
    finally:
        copy.close()
    assert not (tmp_path / "copy.db-wal").exists()
    assert written.stat().st_mode & 0o777 == 0o600


def test_backup_into_directory_names_file_by_time(tmp_path: Path) -> None:
    source = tmp_path / "driftsvarsel.db"
    _wal_database(source, rows=10)
    target = tmp_path / "backups"
    target.mkdir()
    written = backup(source, target, now=datetime(2026, 11, 26, 14, 5, 9, tzinfo=UTC))
    assert written == target / "driftsvarsel-20261126T140509Z.db"
    assert sqlite3.connect(written).execute("SELECT count(*) FROM log").fetchone() == (10,)


def test_backup_never_overwrites(tmp_path: Path) -> None:
    source = tmp_path / "driftsvarsel.db"
    _wal_database(source, rows=10)
    existing = tmp_path / "copy.db"
    existing.write_bytes(b"keep me")
    with pytest.raises(UserError, match="already exists"):
        backup(source, existing)
    assert existing.read_bytes() == b"keep me"


def test_backup_missing_database_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not found"):
        backup(tmp_path / "nope.db", tmp_path / "copy.db")
    assert list(tmp_path.iterdir()) == []


def test_backup_of_a_non_database_fails_without_leftovers(tmp_path: Path) -> None:
    source = tmp_path / "driftsvarsel.db"
    source.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(UserError, match="failed"):
        backup(source, tmp_path / "copy.db")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["driftsvarsel.db"]


def test_backup_command_uses_database_of_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "state" / "driftsvarsel.db"
    source.parent.mkdir()
    _wal_database(source, rows=4)
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        f"settings:\n  database: {source}\n"
        "admin:\n  channels:\n    - name: drift\n"
        "      kind: slack_webhook\n      webhook: env:ADMIN_WEBHOOK\n",
        encoding="utf-8",
    )
    assert main(["backup", str(tmp_path / "copy.db"), "--rules", str(rules)]) == 0
    assert f"Backed up {source} to {tmp_path / 'copy.db'}" in capsys.readouterr().out
    assert sqlite3.connect(tmp_path / "copy.db").execute("SELECT count(*) FROM log").fetchone() == (4,)


def test_backup_command_reports_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backup", str(tmp_path / "copy.db"), "--db", str(tmp_path / "missing.db")]) == 1
    assert capsys.readouterr().err.startswith(f"Error: database {tmp_path / 'missing.db'} not found")
