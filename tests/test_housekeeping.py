"""Housekeeping: probe results downsampled after a day (uptime unchanged), everything pruned after
keep_days, and freed pages given back, with an older database converted to incremental vacuum.
Real SQLite files; no clock but the `now` passed in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.model import ProbeResult
from monitor.store import open_db, write_transaction
from monitor.store import probes as probe_store
from monitor.store.housekeeping import INCREMENTAL, compact, tidy

NOW = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
DAYS = 3


def result(at: datetime, state: str) -> ProbeResult:
    return ProbeResult(
        "inntekt",
        "prod",
        "https://inntekt.api.skatteetaten.no/v1",
        state,
        at,
        40.0,
        401,
        "HTTP 401 IM-004",  # type: ignore[arg-type]
    )


def fill_minutes(db_path: Path) -> None:
    """DAYS days of one probe a minute; down for the first ten minutes of every hour."""
    db = open_db(db_path)
    with write_transaction(db):
        for minute in range(DAYS * 24 * 60):
            at = NOW - timedelta(minutes=minute)
            probe_store.record_result(db, result(at, "down" if at.minute < 10 else "up"))
    db.conn.close()


def lines(db_path: Path) -> int:
    return int(open_db(db_path).execute("SELECT count(*) FROM probe_results").fetchone()[0])


def test_tidy_downsamples_day_old_probe_results_and_keeps_uptime(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    fill_minutes(path)
    db = open_db(path)
    week = probe_store.uptime(db, "inntekt", "prod", since=NOW - timedelta(days=7))
    tidied = tidy(db, NOW, keep_days=30)
    # The newest day stays minute by minute (1440 lines, plus the one on the boundary); the two
    # days before fold to one line per hour and state: 48 hours × (down, up).
    assert lines(path) == 24 * 60 + 1 + 48 * 2
    assert tidied.probe_lines == DAYS * 24 * 60 - (24 * 60 + 1 + 48 * 2)
    assert probe_store.uptime(db, "inntekt", "prod", since=NOW - timedelta(days=7)) == week == 50 / 60
    assert tidy(db, NOW, keep_days=30).probe_lines == 0  # a second run finds nothing to fold


def test_tidy_prunes_past_keep_days(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    fill_minutes(path)
    db = open_db(path)
    tidy(db, NOW, keep_days=1)
    oldest = db.execute("SELECT min(checked_at) FROM probe_results").fetchone()[0]
    assert oldest == "2024-03-09T12:00:00Z"


def test_compact_converts_an_older_database_then_vacuums_incrementally(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    fill_minutes(path)
    db = open_db(path)
    db.execute("PRAGMA auto_vacuum = NONE")
    db.execute("VACUUM")  # as a database made before incremental vacuum was switched on
    assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 0
    full = db.execute("PRAGMA page_count").fetchone()[0]
    assert compact(db) is True
    assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == INCREMENTAL
    with write_transaction(db):
        probe_store.prune_results(db, NOW)
    assert db.execute("PRAGMA freelist_count").fetchone()[0] > 0
    assert compact(db) is False
    assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert db.execute("PRAGMA page_count").fetchone()[0] < full


def test_open_db_makes_new_databases_incremental(tmp_path: Path) -> None:
    assert open_db(tmp_path / "new.db").execute("PRAGMA auto_vacuum").fetchone()[0] == INCREMENTAL
