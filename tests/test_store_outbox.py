"""The outbox state machine in a real SQLite file: enqueue, due, claim, mark_*, requeue, restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

from monitor.model import DeliveryResult, Message
from monitor.store import open_db, outbox
from monitor.store.outbox import OutboxEntry

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
OK = DeliveryResult(True, 200, "ok", thread_ref="1709294400.000100")
BUSY = DeliveryResult(False, 503, "HTTP 503", retry_after=30.0)
GONE = DeliveryResult(False, 410, "channel_is_archived", permanent=True)


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    return open_db(tmp_path / "outbox.db")


def entry(number: int, channel: str = "slack", thread_key: str | None = None) -> OutboxEntry:
    message = Message(
        f"Emne {number}",
        "Overskrift",
        (("Kategori", "Feil"),),
        "tekst æøå",
        "https://x.test",
        "f",
        f"<{number}@t>",
    )
    key = f"feed:post-{number}#v1|0301|{channel}"
    return OutboxEntry(key, f"feed:post-{number}", 1, "0301", channel, message, thread_key)


def test_enqueue_is_idempotent_by_key(db: sqlite_utils.Database) -> None:
    first = outbox.enqueue(db, [entry(1), entry(2)], now=NOW)
    assert len(first) == 2
    assert outbox.enqueue(db, [entry(1), entry(2)], now=NOW + timedelta(hours=1)) == []
    assert outbox.depth(db) == {"pending": 2, "done": 0, "dead": 0, "silenced": 0}
    item = outbox.get_item(db, first[0])
    assert item is not None and item.message == entry(1).message and item.created_at == NOW


def test_due_returns_pending_items_oldest_first(db: sqlite_utils.Database) -> None:
    ids = outbox.enqueue(db, [entry(1), entry(2), entry(3)], now=NOW)
    outbox.mark_retry(db, ids[0], BUSY, NOW + timedelta(minutes=5), NOW)
    outbox.mark_done(db, ids[2], OK, NOW)
    assert [item.id for item in outbox.due(db, NOW)] == [ids[1]]
    assert [item.id for item in outbox.due(db, NOW + timedelta(minutes=5))] == [ids[0], ids[1]]
    assert [item.id for item in outbox.due(db, NOW + timedelta(minutes=5), limit=1)] == [ids[0]]


def test_mark_done_is_final_and_keeps_thread_ref(db: sqlite_utils.Database) -> None:
    [item_id] = outbox.enqueue(db, [entry(1)], now=NOW)
    outbox.mark_done(db, item_id, OK, NOW)
    outbox.mark_retry(db, item_id, BUSY, NOW, NOW)  # ignored: a done item never goes back
    outbox.mark_dead(db, item_id, GONE, NOW)
    item = outbox.get_item(db, item_id)
    assert item is not None
    assert (item.state, item.attempts, item.delivered_at, item.thread_ref) == ("done", 1, NOW, OK.thread_ref)
    assert outbox.thread_ref_for(db, entry(1).idem_key) == OK.thread_ref
    assert outbox.requeue(db, item_id, NOW) == 0
    assert outbox.due(db, NOW + timedelta(days=1)) == []


def test_mark_retry_counts_attempts_and_logs_each(db: sqlite_utils.Database) -> None:
    [item_id] = outbox.enqueue(db, [entry(1)], now=NOW)
    outbox.mark_retry(db, item_id, BUSY, NOW + timedelta(seconds=30.2), NOW)
    outbox.mark_retry(db, item_id, BUSY, NOW + timedelta(minutes=2), NOW + timedelta(seconds=31))
    item = outbox.get_item(db, item_id)
    assert item is not None
    # Stored to the second, rounded up: never before the time asked for.
    assert (item.attempts, item.last_status, item.last_error) == (2, 503, "HTTP 503")
    attempts = outbox.attempts_of(db, item_id)
    assert [(a.ok, a.status, a.at) for a in attempts] == [
        (False, 503, NOW),
        (False, 503, NOW + timedelta(seconds=31)),
    ]
    outbox.mark_retry(db, item_id, BUSY, NOW + timedelta(seconds=30.2), NOW)
    refreshed = outbox.get_item(db, item_id)
    assert refreshed is not None and refreshed.next_attempt_at == NOW + timedelta(seconds=31)


def test_mark_dead_and_requeue_one_or_all(db: sqlite_utils.Database) -> None:
    ids = outbox.enqueue(db, [entry(1), entry(2), entry(3), entry(4)], now=NOW)
    outbox.mark_dead(db, ids[0], GONE, NOW)
    outbox.mark_dead(
        db, ids[1], DeliveryResult(False, None, "kanalen finnes ikke", permanent=True), NOW, attempted=False
    )
    outbox.mark_retry(db, ids[2], BUSY, NOW + timedelta(hours=1), NOW)
    dead = outbox.list_items(db, ["dead"])
    assert [(item.id, item.attempts, item.last_status) for item in dead] == [
        (ids[0], 1, 410),
        (ids[1], 0, None),
    ]
    later = NOW + timedelta(minutes=10)
    assert outbox.requeue(db, ids[0], later) == 1
    requeued = outbox.get_item(db, ids[0])
    assert requeued is not None and (requeued.state, requeued.requeued_at) == ("pending", later)
    # --all: the other dead one and both pending ones that have failed before (ids[0], ids[2]).
    assert outbox.requeue(db, None, later) == 3
    assert {item.id for item in outbox.due(db, later)} == set(ids)


def test_claim_hides_item_until_lease_ends(db: sqlite_utils.Database) -> None:
    [item_id] = outbox.enqueue(db, [entry(1)], now=NOW)
    assert outbox.claim(db, item_id, NOW, NOW + timedelta(minutes=5))
    assert not outbox.claim(db, item_id, NOW, NOW + timedelta(minutes=5))
    assert outbox.due(db, NOW + timedelta(minutes=4)) == []
    # A worker that died after sending leaves the item due again: at-least-once.
    assert [item.id for item in outbox.due(db, NOW + timedelta(minutes=5))] == [item_id]


def test_defer_moves_next_attempt_without_an_attempt(db: sqlite_utils.Database) -> None:
    [item_id] = outbox.enqueue(db, [entry(1)], now=NOW)
    outbox.defer(db, item_id, NOW + timedelta(seconds=1))
    item = outbox.get_item(db, item_id)
    assert item is not None and (item.attempts, item.next_attempt_at) == (0, NOW + timedelta(seconds=1))
    assert outbox.attempts_of(db, item_id) == []


def test_due_items_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "restart.db"
    first = open_db(path)
    ids = outbox.enqueue(first, [entry(1), entry(2)], now=NOW)
    outbox.mark_retry(first, ids[0], BUSY, NOW + timedelta(minutes=1), NOW)
    first.conn.close()
    again = open_db(path)
    assert [item.id for item in outbox.due(again, NOW)] == [ids[1]]
    due_later = outbox.due(again, NOW + timedelta(minutes=1))
    assert [(item.id, item.attempts) for item in due_later] == [(ids[0], 1), (ids[1], 0)]


def test_thread_helpers_and_enqueue_admin(db: sqlite_utils.Database) -> None:
    outbox.enqueue(db, [entry(1)], now=NOW)
    assert outbox.thread_ref_for(db, entry(1).idem_key) is None  # not delivered yet
    assert outbox.thread_message_id(db, entry(1).idem_key) == "<1@t>"
    assert outbox.thread_message_id(db, "nope") is None
    message = entry(9).message
    items = [("admin", "drift", "admin:test|admin|drift", message)]
    assert len(outbox.enqueue_admin(db, items, NOW)) == 1
    assert outbox.enqueue_admin(db, items, NOW) == []
    admin = outbox.item_by_key(db, "admin:test|admin|drift")
    assert admin is not None and (admin.kommune, admin.notice_key) == ("admin", None)
    assert outbox.next_due_at(db) == NOW


def test_release_stale_claims_frees_every_dead_holder_at_once(db: sqlite_utils.Database) -> None:
    ids = outbox.enqueue(db, [entry(1), entry(2), entry(3), entry(4), entry(5)], now=NOW)
    lease = NOW + timedelta(minutes=10)
    for item_id, holder in zip(ids, ("dead-1", "dead-2", "dead-1", "alive", None), strict=True):
        assert outbox.claim(db, item_id, NOW, lease, holder=holder)
    assert outbox.claimed_count(db) == 4  # the claim without a holder is not counted
    later = NOW + timedelta(minutes=1)
    assert outbox.release_stale_claims(db, later, alive=lambda holder: holder == "alive") == 3
    # The dead holders' items are due at once; the live holder's and the anonymous lease are not.
    assert [item.id for item in outbox.due(db, later)] == ids[:3]
    assert outbox.claimed_count(db) == 1
    assert outbox.release_stale_claims(db, later, alive=lambda holder: holder == "alive") == 0
    assert [item.id for item in outbox.due(db, lease)] == ids


def test_release_stale_claims_leaves_finished_items_alone(db: sqlite_utils.Database) -> None:
    ids = outbox.enqueue(db, [entry(1), entry(2)], now=NOW)
    assert outbox.claim(db, ids[0], NOW, NOW + timedelta(minutes=10), holder="dead")
    assert outbox.claim(db, ids[1], NOW, NOW + timedelta(minutes=10), holder="dead")
    outbox.mark_done(db, ids[1], OK, NOW)
    assert outbox.claimed_count(db) == 1
    assert outbox.release_stale_claims(db, NOW, alive=lambda holder: False) == 1
    done = outbox.get_item(db, ids[1])
    assert done is not None and done.state == "done"


def test_requeue_clears_the_claim(db: sqlite_utils.Database) -> None:
    [item_id] = outbox.enqueue(db, [entry(1)], now=NOW)
    assert outbox.claim(db, item_id, NOW, NOW + timedelta(minutes=10), holder="worker-1")
    assert outbox.claimed_count(db) == 1
    assert outbox.requeue(db, item_id, NOW) == 1
    assert outbox.claimed_count(db) == 0
    assert [item.id for item in outbox.due(db, NOW)] == [item_id]


def test_attempts_of_keeps_every_detail(db: sqlite_utils.Database) -> None:
    ids = outbox.enqueue(db, [entry(1), entry(2)], now=NOW)
    outbox.mark_retry(db, ids[1], BUSY, NOW + timedelta(minutes=1), NOW)
    outbox.mark_done(db, ids[1], OK, NOW + timedelta(minutes=1))
    outbox.mark_retry(db, ids[0], DeliveryResult(False, None, ""), NOW + timedelta(minutes=1), NOW)
    assert [(a.outbox_id, a.at, a.ok, a.status, a.detail) for a in outbox.attempts_of(db, ids[1])] == [
        (ids[1], NOW, False, 503, "HTTP 503"),
        (ids[1], NOW + timedelta(minutes=1), True, 200, "ok"),
    ]
    assert [(a.outbox_id, a.status, a.detail) for a in outbox.attempts_of(db, ids[0])] == [(ids[0], None, "")]


def test_lookups_of_unknown_items_give_none(db: sqlite_utils.Database) -> None:
    [item_id] = outbox.enqueue(db, [entry(1)], now=NOW)
    assert outbox.get_item(db, item_id + 1) is None
    assert outbox.item_by_key(db, "feed:post-9#v1|0301|slack") is None
    found = outbox.item_by_key(db, entry(1).idem_key)
    assert found is not None and found.id == item_id
    assert outbox.thread_ref_for(db, entry(1).idem_key) is None  # not delivered yet


def test_due_returns_at_most_100_items_by_default(db: sqlite_utils.Database) -> None:
    ids = outbox.enqueue(db, [entry(number) for number in range(101)], now=NOW)
    assert [item.id for item in outbox.due(db, NOW)] == ids[:100]
