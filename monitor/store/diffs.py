"""Stored diffs of documentation sections and OpenAPI specs, and the history they belong to.

Every doc/spec change's readable diff is kept in `diffs` (one row per notice key, version and
change kind), so `driftsvarsel history PAGE|NOTICE` can show each version with what changed.
Keys are "<source>:<notice_id>" as in `notices`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlite_utils
from sqlite_utils import Migrations

from monitor.store.codec import iso, require_iso
from monitor.store.notices import NoticeVersion, notice_versions

MIGRATIONS = Migrations("driftsvarsel.diffs")

DiffKind = Literal["section", "spec"]


@MIGRATIONS()
def m001_diffs(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE diffs (
            key TEXT NOT NULL, version INTEGER NOT NULL, change_kind TEXT NOT NULL, source TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('section', 'spec')), breaking INTEGER NOT NULL DEFAULT 0,
            text TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (key, version, change_kind))"""
    )
    db.execute("CREATE INDEX diffs_source ON diffs (source)")


@dataclass(frozen=True)
class StoredDiff:
    """One stored diff. `change_kind` is the Change's kind ("new", "edited", "removed")."""

    key: str
    version: int
    change_kind: str
    source: str
    kind: str
    breaking: bool
    text: str
    created_at: datetime


@dataclass(frozen=True)
class KeyHistory:
    """Every stored version of one notice with the diffs recorded for it, oldest first."""

    key: str
    versions: tuple[NoticeVersion, ...]
    diffs: tuple[StoredDiff, ...]

    def diffs_of(self, version: int) -> list[StoredDiff]:
        return [diff for diff in self.diffs if diff.version == version]


def record_diff(
    db: sqlite_utils.Database,
    *,
    key: str,
    version: int,
    change_kind: str,
    source: str,
    kind: DiffKind,
    breaking: bool,
    text: str,
    now: datetime,
) -> bool:
    """Store one diff; returns False (writing nothing) when this key/version/kind is already stored.

    Safe inside the caller's transaction (`db.atomic()`) and safe to replay.
    """
    cursor = db.execute(
        """INSERT OR IGNORE INTO diffs (key, version, change_kind, source, kind, breaking, text, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        [key, version, change_kind, source, kind, int(breaking), text, iso(now)],
    )
    return bool(cursor.rowcount)


def diffs_for(db: sqlite_utils.Database, key_or_prefix: str) -> list[StoredDiff]:
    """The diffs of notice key `key_or_prefix`, or of every key starting with it; by key and version."""
    pattern = _like_escape(key_or_prefix) + "%"
    rows = _query(
        db,
        "SELECT * FROM diffs WHERE key = ? OR key LIKE ? ESCAPE '\\' ORDER BY key, version, created_at",
        [key_or_prefix, pattern],
    )
    return [
        StoredDiff(
            key=row["key"],
            version=row["version"],
            change_kind=row["change_kind"],
            source=row["source"],
            kind=row["kind"],
            breaking=bool(row["breaking"]),
            text=row["text"],
            created_at=require_iso(row["created_at"]),
        )
        for row in rows
    ]


def resolve_keys(db: sqlite_utils.Database, target: str, *, api_sources: Sequence[str] = ()) -> list[str]:
    """The notice keys `target` names, sorted.

    `target` may be a notice key ("<source>:<id>"), a notice id or URL (with or without
    "#section": a page URL names all its sections), a source name, or an API id whose docpage /
    openapi sources are `api_sources` (from rules.yaml). Without rules an API id still finds doc
    pages whose URL ends in "/api/<id>".
    """
    stripped = target.strip()
    page = stripped.split("#", 1)[0].rstrip("/")
    rows = _query(
        db,
        """SELECT key FROM notices
           WHERE key = ? OR notice_id = ? OR notice_id LIKE ? ESCAPE '\\' OR source = ?
              OR notice_id LIKE ? ESCAPE '\\'""",
        [stripped, stripped, _like_escape(page) + "#%", stripped, "%/api/" + _like_escape(stripped) + "#%"],
    )
    keys = {row["key"] for row in rows}
    for source in api_sources:
        keys.update(row["key"] for row in _query(db, "SELECT key FROM notices WHERE source = ?", [source]))
    return sorted(keys)


def history(db: sqlite_utils.Database, target: str, *, api_sources: Sequence[str] = ()) -> list[KeyHistory]:
    """The versions and diffs of every notice `target` names (see `resolve_keys`); [] if none."""
    return [
        KeyHistory(
            key,
            tuple(notice_versions(db, key)),
            tuple(diff for diff in diffs_for(db, key) if diff.key == key),
        )
        for key in resolve_keys(db, target, api_sources=api_sources)
    ]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _query(db: sqlite_utils.Database, sql: str, parameters: list[Any]) -> list[dict[str, Any]]:
    cursor = db.execute(sql, parameters)
    columns = [description[0] for description in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
