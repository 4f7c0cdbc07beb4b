"""Crash safety: claims of a dead process are released at start, and the crash bench with 5 kills.

The bench (`bench/crash.py`) runs the real daemon as a subprocess against loopback receivers and
SIGKILLs it at random moments; here with 40 kommuner to stay quick.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

from monitor.deliver import worker
from monitor.model import DeliveryResult, Message
from monitor.store import open_db, outbox
from monitor.store.outbox import OutboxEntry

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
LEASE_END = NOW + timedelta(minutes=5)

#: A child process that claims item 1 as itself and exits without marking it (as if killed).
CLAIM_AND_DIE = """
import sys
from datetime import datetime, timedelta
from monitor.deliver import worker
from monitor.store import open_db, outbox
now = datetime.fromisoformat(sys.argv[2])
db = open_db(sys.argv[1])
assert outbox.claim(db, 1, now, now + timedelta(minutes=5), holder=worker.HOLDER)
print(worker.HOLDER)
"""


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    return open_db(tmp_path / "outbox.db")


def entry(number: int) -> OutboxEntry:
    message = Message(f"Emne {number}", "Overskrift", (), "tekst", None, "", f"<{number}@t>")
    return OutboxEntry(
        f"feed:post-{number}#v1|0301|slack", f"feed:post-{number}", 1, "0301", "slack", message
    )


def test_release_stale_claims_makes_dead_holders_items_due_now(db: sqlite_utils.Database) -> None:
    ids = outbox.enqueue(db, [entry(1), entry(2), entry(3)], now=NOW)
    assert outbox.claim(db, ids[0], NOW, LEASE_END, holder="dead-host:1:aaa")
    assert outbox.claim(db, ids[1], NOW, LEASE_END, holder="live-host:2:bbb")
    assert outbox.claim(db, ids[2], NOW, LEASE_END)  # no holder: only its lease frees it
    assert outbox.due(db, NOW) == [] and outbox.claimed_count(db) == 2

    released = outbox.release_stale_claims(db, NOW, alive=lambda holder: holder.startswith("live"))

    assert released == 1
    assert [item.id for item in outbox.due(db, NOW)] == [ids[0]]
    assert outbox.claimed_count(db) == 1
    assert outbox.claim(db, ids[0], NOW, LEASE_END, holder=worker.HOLDER)  # sendable again


def test_mark_done_clears_the_claim_so_a_restart_never_resends(db: sqlite_utils.Database) -> None:
    [item_id] = outbox.enqueue(db, [entry(1)], now=NOW)
    assert outbox.claim(db, item_id, NOW, LEASE_END, holder="dead-host:1:aaa")
    outbox.mark_done(db, item_id, DeliveryResult(True, 200, "ok"), NOW)
    assert outbox.release_stale_claims(db, NOW, alive=lambda holder: False) == 0
    assert outbox.due(db, NOW + timedelta(days=1)) == []


def test_release_stale_claims_takes_back_a_dead_process_claims(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    db = open_db(path)
    outbox.enqueue(db, [entry(1)], now=NOW)
    child = subprocess.run(
        [sys.executable, "-c", CLAIM_AND_DIE, str(path), NOW.isoformat()],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    holder = child.stdout.strip()
    assert holder != worker.HOLDER and not worker.holder_alive(holder)
    assert outbox.due(db, NOW) == []

    assert worker.release_stale_claims(db, NOW) == 1
    assert [item.idem_key for item in outbox.due(db, NOW)] == [entry(1).idem_key]


def test_holder_alive_keeps_claims_of_a_running_process() -> None:
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as sleeper:
        try:
            host = worker.HOLDER.split(":")[0]
            assert worker.holder_alive(f"{host}:{sleeper.pid}:nonce")
        finally:
            sleeper.kill()
        sleeper.wait()
    assert not worker.holder_alive(f"{host}:{sleeper.pid}:nonce")  # reaped: dead


def test_holder_alive_same_pid_other_nonce_or_other_host_is_dead() -> None:
    host, pid, _ = worker.HOLDER.split(":")
    assert worker.holder_alive(worker.HOLDER)
    assert not worker.holder_alive(f"{host}:{pid}:an-earlier-start")
    assert not worker.holder_alive(f"not-{host}:{pid}:whatever")
    assert not worker.holder_alive("garbage")


def test_crash_bench_five_kills_loses_nothing() -> None:
    bench = subprocess.run(
        [sys.executable, str(REPO / "bench" / "crash.py"), "--kills", "5", "--kommuner", "40", "--seed", "3"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = bench.stdout + bench.stderr
    last = bench.stdout.strip().splitlines()[-1] if bench.stdout.strip() else ""
    result = re.fullmatch(r"lost=(\d+) duplicates=(\d+) deliveries=(\d+) kills=(\d+)", last)
    assert result is not None, output
    lost, duplicates, deliveries, kills = map(int, result.groups())
    in_flight = re.search(r"^in flight at kills: (\d+)", bench.stdout, re.MULTILINE)
    assert in_flight is not None, output
    assert kills == 5
    assert lost == 0, output
    assert duplicates <= int(in_flight.group(1)), output
    assert deliveries == 40 * 3 + duplicates
    assert bench.returncode == 0, output
