"""Notice history: every version of every notice, its classification, and the poll commit.

`commit_poll` writes one poll's outcome (versions, notice rows, classifications, outbox rows) in
ONE transaction, so a crash leaves either all of it or none; replaying it changes nothing.
Keys are "<source>:<notice_id>".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils
from sqlite_utils import Migrations

from monitor.model import Alert, Change, Classification, Message, Notice, StoredNotice
from monitor.store import outbox, write_transaction
from monitor.store.codec import (
    classification_from_row,
    classification_row,
    iso,
    iso_or_none,
    notice_from_row,
    notice_version_row,
    parse_iso,
    require_iso,
)

MIGRATIONS = Migrations("driftsvarsel.notices")
OSLO = ZoneInfo("Europe/Oslo")
_VERSION_COLUMNS = "v.title, v.text, v.link, v.published, v.updated, v.tags, v.content_hash"
_CLASS_COLUMNS = "c.category, c.planned, c.apis, c.environment, c.window_start, c.window_end, c.reasons"


@MIGRATIONS()
def m001_notices(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE notices (
            key TEXT PRIMARY KEY, source TEXT NOT NULL, notice_id TEXT NOT NULL, version INTEGER NOT NULL,
            content_hash TEXT NOT NULL, title TEXT, link TEXT, published TEXT, updated TEXT,
            first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, removed_at TEXT)"""
    )
    db.execute("CREATE INDEX notices_source ON notices (source)")
    db.execute(
        """CREATE TABLE notice_versions (
            key TEXT NOT NULL, version INTEGER NOT NULL, title TEXT, text TEXT, link TEXT, published TEXT,
            updated TEXT, tags TEXT, content_hash TEXT NOT NULL, seen_at TEXT NOT NULL,
            change_kind TEXT NOT NULL, PRIMARY KEY (key, version))"""
    )
    db.execute(
        """CREATE TABLE classifications (
            key TEXT NOT NULL, version INTEGER NOT NULL, category TEXT NOT NULL, planned INTEGER,
            apis TEXT NOT NULL, environment TEXT NOT NULL, window_start TEXT, window_end TEXT,
            reasons TEXT, classified_at TEXT NOT NULL, PRIMARY KEY (key, version))"""
    )


@dataclass(frozen=True)
class NoticeVersion:
    """One stored version of a notice, for `driftsvarsel history`.

    `change_kind` is "new", "edited" or "restored" (reappeared after removal); `removed_at` is
    set on the latest version when the notice is currently removed.
    """

    key: str
    version: int
    notice: Notice
    content_hash: str
    seen_at: datetime
    change_kind: str
    classification: Classification | None
    removed_at: datetime | None = None


def notice_key(notice: Notice) -> str:
    return f"{notice.source}:{notice.notice_id}"


def stored_notices(db: sqlite_utils.Database, source: str) -> dict[str, StoredNotice]:
    """The latest stored version of every notice of `source`, by notice_id (removed ones included)."""
    rows = _query(
        db,
        f"""SELECT n.source, n.notice_id, n.version, n.removed_at, {_VERSION_COLUMNS}
            FROM notices n JOIN notice_versions v ON v.key = n.key AND v.version = n.version
            WHERE n.source = ?""",
        [source],
    )
    return {
        row["notice_id"]: StoredNotice(
            notice=notice_from_row(row["source"], row["notice_id"], row),
            version=row["version"],
            content_hash=row["content_hash"],
            removed=row["removed_at"] is not None,
        )
        for row in rows
    }


def commit_poll(
    db: sqlite_utils.Database,
    source: str,
    changes: Sequence[Change],
    classifications: Mapping[str, Classification],
    alerts: Sequence[tuple[Alert, Message]],
    now: datetime,
    *,
    seen: Iterable[str] = (),
) -> list[int]:
    """Store one poll of `source` atomically; returns the ids of outbox rows newly inserted.

    `classifications` is keyed by notice_id; `seen` lists notice ids present in the poll (their
    last_seen is bumped). Raises ValueError, writing nothing, when a change or alert belongs to
    another source. Replaying the same commit inserts nothing new (INSERT OR IGNORE everywhere).
    """
    with write_transaction(db):
        for change in changes:
            _check_source(change.notice, source)
            _write_change(db, change, now)
            classification = classifications.get(change.notice.notice_id)
            if classification is not None:
                _write_classification(db, notice_key(change.notice), change.version, classification, now)
        for notice_id in seen:
            db.execute("UPDATE notices SET last_seen = ? WHERE key = ?", [iso(now), f"{source}:{notice_id}"])
        entries = []
        for alert, message in alerts:
            _check_source(alert.change.notice, source)
            entries.append(
                outbox.OutboxEntry(
                    idem_key=alert.key,
                    notice_key=notice_key(alert.change.notice),
                    version=alert.change.version,
                    kommune=alert.kommune_number,
                    channel=alert.channel,
                    message=message,
                    thread_key=alert.thread_key,
                )
            )
        return outbox.enqueue(db, entries, now=now)


def notice_versions(db: sqlite_utils.Database, key: str) -> list[NoticeVersion]:
    """Every stored version of notice `key`, oldest first, each with its classification if any."""
    rows = _query(
        db,
        f"""SELECT n.source, n.notice_id, n.removed_at, n.version AS latest, v.version, v.seen_at,
                   v.change_kind, {_VERSION_COLUMNS}, {_CLASS_COLUMNS}
            FROM notice_versions v JOIN notices n ON n.key = v.key
            LEFT JOIN classifications c ON c.key = v.key AND c.version = v.version
            WHERE v.key = ? ORDER BY v.version""",
        [key],
    )
    return [
        NoticeVersion(
            key=key,
            version=row["version"],
            notice=notice_from_row(row["source"], row["notice_id"], row),
            content_hash=row["content_hash"],
            seen_at=require_iso(row["seen_at"]),
            change_kind=row["change_kind"],
            classification=None if row["category"] is None else classification_from_row(row),
            removed_at=parse_iso(row["removed_at"]) if row["version"] == row["latest"] else None,
        )
        for row in rows
    ]


def recent_incidents(db: sqlite_utils.Database, since: datetime) -> list[tuple[str, Notice, Classification]]:
    """Notices whose latest version is classified error/downtime, published (or first seen) since
    `since` and not removed: the candidates a resolution may close. Oldest first.
    """
    rows = _latest_classified(
        db,
        "c.category IN ('error', 'downtime') AND n.removed_at IS NULL"
        " AND (coalesce(n.published, n.updated) >= ? OR n.first_seen >= ?)",
        [iso(since), iso(since)],
    )
    return [(row["key"], notice_from_row(row["source"], row["notice_id"], row), row["cls"]) for row in rows]


def alerts_for_notice(db: sqlite_utils.Database, key: str) -> list[outbox.OutboxItem]:
    """Per (kommune, channel) the first outbox item sent for notice `key` (any version): the
    message a follow-up should thread under. Its `thread_ref` is set once delivered.
    """
    return outbox.select_items(
        db,
        "id IN (SELECT min(id) FROM outbox WHERE notice_key = ? GROUP BY kommune, channel) ORDER BY id",
        [key],
    )


def downtime_windows(
    db: sqlite_utils.Database,
    now: datetime,
    *,
    lead: timedelta = timedelta(hours=1),
    open_ended: timedelta = timedelta(hours=24),
) -> list[tuple[str, Classification]]:
    """Downtime notices (latest version, not removed) whose window covers `now` or starts within
    `lead`. A window with a start and no end counts for `open_ended` after its start.
    Windows are Europe/Oslo wall-clock "YYYY-MM-DDTHH:MM"; unparseable ones are skipped.
    """
    local_now = now.astimezone(OSLO)
    found: list[tuple[str, Classification]] = []
    for row in _latest_classified(db, "c.category = 'downtime' AND n.removed_at IS NULL", []):
        classification: Classification = row["cls"]
        window = classification.window
        if window is None:
            continue
        start, end = _local(window.start), _local(window.end)
        if (start is None and end is None) or (end is not None and end < local_now):
            continue
        if start is not None and (
            start > local_now + lead or (end is None and start + open_ended < local_now)
        ):
            continue
        found.append((row["key"], classification))
    return found


def seen_elsewhere(db: sqlite_utils.Database, source: str, notice_ids: Iterable[str]) -> set[str]:
    """The ids among `notice_ids` that another source already recorded (feed vs listing page)."""
    wanted = list(dict.fromkeys(notice_ids))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows = _query(
            db,
            f"SELECT DISTINCT notice_id FROM notices WHERE source != ? AND notice_id IN ({marks})",
            [source, *chunk],
        )
        found.update(str(row["notice_id"]) for row in rows)
    return found


def _write_change(db: sqlite_utils.Database, change: Change, now: datetime) -> None:
    key = notice_key(change.notice)
    if change.kind == "removed":
        db.execute("UPDATE notices SET removed_at = ? WHERE key = ? AND removed_at IS NULL", [iso(now), key])
        return
    existing = db.execute("SELECT removed_at FROM notices WHERE key = ?", [key]).fetchone()
    kind = "restored" if existing is not None and existing[0] is not None else change.kind
    row = notice_version_row(key, change.version, change.notice)
    db.execute(
        """INSERT OR IGNORE INTO notice_versions (key, version, title, text, link, published, updated, tags,
               content_hash, seen_at, change_kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [*row.values(), iso(now), kind],
    )
    notice = change.notice
    db.execute(
        """INSERT INTO notices (key, source, notice_id, version, content_hash, title, link, published,
               updated, first_seen, last_seen, removed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
           ON CONFLICT (key) DO UPDATE SET version = excluded.version, content_hash = excluded.content_hash,
               title = excluded.title, link = excluded.link, published = excluded.published,
               updated = excluded.updated, last_seen = excluded.last_seen, removed_at = NULL
           WHERE excluded.version >= notices.version""",
        [
            key, notice.source, notice.notice_id, change.version, row["content_hash"], notice.title,
            notice.link, iso_or_none(notice.published), iso_or_none(notice.updated), iso(now), iso(now),
        ],
    )  # fmt: skip


def _write_classification(
    db: sqlite_utils.Database, key: str, version: int, classification: Classification, now: datetime
) -> None:
    row = classification_row(classification)
    db.execute(
        """INSERT OR REPLACE INTO classifications (key, version, category, planned, apis, environment,
               window_start, window_end, reasons, classified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [key, version, *row.values(), iso(now)],
    )


def _check_source(notice: Notice, source: str) -> None:
    if notice.source != source:
        raise ValueError(
            f"commit_poll for source {source!r} got notice {notice.notice_id!r} of source {notice.source!r};"
            " commit each source's poll separately"
        )


def _latest_classified(db: sqlite_utils.Database, where: str, parameters: list[Any]) -> list[dict[str, Any]]:
    rows = _query(
        db,
        f"""SELECT n.key, n.source, n.notice_id, {_VERSION_COLUMNS}, {_CLASS_COLUMNS}
            FROM notices n JOIN notice_versions v ON v.key = n.key AND v.version = n.version
            JOIN classifications c ON c.key = n.key AND c.version = n.version
            WHERE {where} ORDER BY coalesce(n.published, n.updated, n.first_seen), n.key""",
        parameters,
    )
    return [{**row, "cls": classification_from_row(row)} for row in rows]


def _local(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=OSLO)
    except ValueError:
        return None


def _query(db: sqlite_utils.Database, sql: str, parameters: list[Any]) -> list[dict[str, Any]]:
    cursor = db.execute(sql, parameters)
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
