"""The probe tables: results, state round trip, uptime, certificate-warning marks, pruning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from monitor.model import ProbeResult, TargetState
from monitor.store import open_db
from monitor.store import probes as probe_store

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def database(tmp_path: Path) -> sqlite_utils.Database:
    return open_db(tmp_path / "driftsvarsel.db")


def result(state: str, at: datetime, environment: str = "prod") -> ProbeResult:
    return ProbeResult(
        "inntekt", environment, "https://inntekt.api.skatteetaten.no/v1", state, at, 42.5, 401,  # type: ignore[arg-type]
        "HTTP 401 IM-004", cert_expires=NOW + timedelta(days=30), reasons=("a", "b"),
    )  # fmt: skip


def test_open_db_creates_probe_tables(tmp_path: Path) -> None:
    db = database(tmp_path)
    assert {"probe_results", "probe_state", "cert_warnings"} <= set(db.table_names())


def test_record_result_round_trips(tmp_path: Path) -> None:
    db = database(tmp_path)
    with db.atomic():
        probe_store.record_result(db, result("up", NOW))
    [stored] = probe_store.recent_results(db, "inntekt", "prod")
    assert stored == result("up", NOW)


def test_save_state_round_trips_and_replaces(tmp_path: Path) -> None:
    db = database(tmp_path)
    state = TargetState(
        "inntekt", "prod", "down", since=NOW, failures=3, first_failure_at=NOW, announced_by="atom:x",
        outage_alerted=True, outage_id=4, sequence=4, last_checked_at=NOW, last_latency_ms=12.0,
        last_detail="HTTP 503", cert_expires=NOW + timedelta(days=3),
    )  # fmt: skip
    with db.atomic():
        probe_store.save_state(db, TargetState("inntekt", "prod"))
        probe_store.save_state(db, state)
    assert probe_store.load_state(db, "inntekt", "prod") == state
    assert probe_store.load_state(db, "inntekt", "test") is None
    assert probe_store.load_states(db) == [state]


def test_uptime_counts_share_of_up_results_in_period(tmp_path: Path) -> None:
    db = database(tmp_path)
    with db.atomic():
        for hours, state in ((30, "down"), (20, "up"), (10, "up"), (5, "down"), (1, "up")):
            probe_store.record_result(db, result(state, NOW - timedelta(hours=hours)))
    assert probe_store.uptime(db, "inntekt", "prod", since=NOW - timedelta(hours=24)) == 0.75
    assert probe_store.uptime(db, "inntekt", "prod", since=NOW - timedelta(days=7)) == 0.6
    assert probe_store.uptime(db, "inntekt", "test", since=NOW - timedelta(days=7)) is None


def test_cert_warnings_are_remembered_per_certificate(tmp_path: Path) -> None:
    db = database(tmp_path)
    expires = NOW + timedelta(days=10)
    with db.atomic():
        probe_store.record_cert_warnings(db, "inntekt", "prod", expires, [14], NOW)
        probe_store.record_cert_warnings(db, "inntekt", "prod", expires, [14], NOW)
    assert probe_store.sent_cert_warnings(db, "inntekt", "prod", expires) == {14}
    assert probe_store.sent_cert_warnings(db, "inntekt", "prod", expires + timedelta(days=90)) == set()


def test_prune_results_deletes_only_older_rows(tmp_path: Path) -> None:
    db = database(tmp_path)
    with db.atomic():
        probe_store.record_result(db, result("up", NOW - timedelta(days=40)))
        probe_store.record_result(db, result("up", NOW))
        assert probe_store.prune_results(db, NOW - timedelta(days=30)) == 1
    assert len(probe_store.recent_results(db, "inntekt", "prod")) == 1


def test_writes_roll_back_with_the_callers_transaction(tmp_path: Path) -> None:
    db = database(tmp_path)
    try:
        with db.atomic():
            probe_store.record_result(db, result("up", NOW))
            raise RuntimeError("the outbox insert failed")
    except RuntimeError:
        pass
    assert probe_store.recent_results(db, "inntekt", "prod") == []
