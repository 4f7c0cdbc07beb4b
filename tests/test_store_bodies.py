"""Rendered message bodies are stored once and referenced by the outbox rows (real SQLite files)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from monitor.model import Message
from monitor.store import bodies, open_db, outbox
from monitor.store.codec import message_to_json
from monitor.store.outbox import OutboxEntry

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
BODY = "Inntekt API er utilgjengelig. " * 200
KOMMUNER = 357


def message(kommune: str, body: str = BODY) -> Message:
    return Message(
        "[Driftsvarsel] Feil",
        "Feil",
        (("Kategori", "Feil"),),
        body,
        None,
        f"Fordi {kommune}",
        f"<{kommune}@t>",
    )


def test_enqueue_keeps_one_body_for_a_fan_out(tmp_path: Path) -> None:
    db = open_db(tmp_path / "d.db")
    entries = [
        OutboxEntry(
            f"n#v1|{number:04d}|{channel}", "n", 1, f"{number:04d}", channel, message(f"{number:04d}")
        )
        for number in range(KOMMUNER)
        for channel in ("slack", "teams", "epost")
    ]
    outbox.enqueue(db, entries, now=NOW)
    assert db.execute("SELECT count(*) FROM outbox_bodies").fetchone()[0] == 1
    stored_text = db.execute("SELECT sum(length(message)) FROM outbox").fetchone()[0]
    assert stored_text < KOMMUNER * 3 * len(BODY) // 10  # the rows hold no copy of the body
    items = outbox.list_items(db)
    assert len(items) == KOMMUNER * 3
    assert all(item.message == message(item.kommune) for item in items)


def test_move_existing_moves_an_older_versions_bodies(tmp_path: Path) -> None:
    db = open_db(tmp_path / "d.db")
    old = [message("0301"), message("4601"), message("5001", body="annen tekst")]
    for number, item in enumerate(old):
        db.execute(
            "INSERT INTO outbox (idem_key, kommune, channel, message, next_attempt_at, created_at)"
            " VALUES (?, ?, 'slack', ?, ?, ?)",
            [
                f"k{number}",
                item.footer[-4:],
                message_to_json(item),
                "2024-03-01T12:00:00Z",
                "2024-03-01T12:00:00Z",
            ],
        )
    bodies.move_existing(db)
    assert db.execute("SELECT count(*) FROM outbox_bodies").fetchone()[0] == 2
    assert db.execute("SELECT count(*) FROM outbox WHERE body_hash IS NULL").fetchone()[0] == 0
    assert [item.message for item in outbox.list_items(db)] == old
