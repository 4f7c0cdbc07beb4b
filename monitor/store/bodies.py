"""Message bodies stored once: a notice sent to 357 kommuner × 3 channels keeps one copy of its text.

An outbox row keeps its own small parts (subject, fields, footer, Message-ID) and refers to its
body by hash (`outbox.body_hash` → `outbox_bodies.hash`). Outbox rows are never deleted, so
neither are their bodies; a body an admin digest rewrote away is dropped once no row refers to it.
"""

from __future__ import annotations

import hashlib
import json

import sqlite_utils


def create_table(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE outbox_bodies (hash TEXT PRIMARY KEY, body TEXT NOT NULL)")
    db.execute("ALTER TABLE outbox ADD COLUMN body_hash TEXT")


def store(db: sqlite_utils.Database, body: str) -> str:
    """Keep `body` (once) and return its hash, the reference an outbox row holds."""
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    db.execute("INSERT OR IGNORE INTO outbox_bodies (hash, body) VALUES (?, ?)", [digest, body])
    return digest


def release(db: sqlite_utils.Database, digest: str | None) -> None:
    """Drop the body `digest` when no outbox row refers to it any more (after a row's body changed)."""
    if digest is not None:
        db.execute(
            "DELETE FROM outbox_bodies WHERE hash = ?"
            " AND NOT EXISTS (SELECT 1 FROM outbox WHERE body_hash = ?)",
            [digest, digest],
        )


def move_existing(db: sqlite_utils.Database) -> None:
    """Migration: move the bodies of rows an older version wrote (a copy each) into the table."""
    rows = db.execute("SELECT id, message FROM outbox WHERE body_hash IS NULL").fetchall()
    for row_id, text in rows:
        data = json.loads(text)
        digest = store(db, str(data.get("body") or ""))
        data["body"] = ""
        db.execute(
            "UPDATE outbox SET message = ?, body_hash = ? WHERE id = ?",
            [json.dumps(data, ensure_ascii=False), digest, row_id],
        )
