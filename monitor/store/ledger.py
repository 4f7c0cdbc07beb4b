"""The stored history as the compliance report and the backtest read it: every notice version seen
in a period, with what the poll knew about it, and the outbox items each version caused.

`StoredVersion.baseline` marks versions recorded by a source's quiet first poll; `duplicate`
marks versions of a notice another source recorded first (the feed and the listing page carry
the same posts: only the first source alerts them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from monitor.model import Classification, Notice
from monitor.store import outbox
from monitor.store.codec import classification_from_row, iso, notice_from_row, require_iso

_SQL = """
SELECT n.rowid AS row_number, n.source, n.notice_id, v.key, v.version, v.seen_at, v.change_kind,
       v.title, v.text, v.link, v.published, v.updated, v.tags, v.content_hash,
       c.category, c.planned, c.apis, c.environment, c.window_start, c.window_end, c.reasons,
       (s.baselined_at IS NOT NULL AND v.seen_at <= s.baselined_at) AS baseline,
       EXISTS (SELECT 1 FROM notices o WHERE o.notice_id = n.notice_id AND o.source != n.source
               AND (o.first_seen < v.seen_at OR (o.first_seen = v.seen_at AND o.rowid < n.rowid)))
           AS duplicate
FROM notice_versions v JOIN notices n ON n.key = v.key
LEFT JOIN classifications c ON c.key = v.key AND c.version = v.version
LEFT JOIN sources s ON s.name = n.source
WHERE v.seen_at >= ?
ORDER BY v.seen_at, n.rowid, v.version
"""


@dataclass(frozen=True)
class StoredVersion:
    """One stored version of a notice, with the classification the poll gave it (None if none)."""

    key: str
    version: int
    notice: Notice
    seen_at: datetime
    change_kind: str
    classification: Classification | None
    baseline: bool
    duplicate: bool


def versions_since(db: sqlite_utils.Database, since: datetime | None) -> list[StoredVersion]:
    """Every notice version first seen at or after `since` (None: all), in the order they were seen."""
    cursor = db.execute(_SQL, [iso(since) if since is not None else ""])
    columns = [column[0] for column in cursor.description]
    return [_version(dict(zip(columns, values, strict=True))) for values in cursor.fetchall()]


def items_by_version(
    db: sqlite_utils.Database, since: datetime | None
) -> dict[tuple[str, int], list[outbox.OutboxItem]]:
    """(notice key, version) → the outbox items that version caused, for versions seen since `since`."""
    items = outbox.select_items(
        db,
        "notice_key IS NOT NULL AND (notice_key, version) IN (SELECT key, version FROM notice_versions"
        " WHERE seen_at >= ?) ORDER BY id",
        [iso(since) if since is not None else ""],
    )
    found: dict[tuple[str, int], list[outbox.OutboxItem]] = defaultdict(list)
    for item in items:
        if item.notice_key is not None and item.version is not None:
            found[(item.notice_key, item.version)].append(item)
    return dict(found)


def _version(row: dict[str, Any]) -> StoredVersion:
    return StoredVersion(
        key=row["key"],
        version=row["version"],
        notice=notice_from_row(row["source"], row["notice_id"], row),
        seen_at=require_iso(row["seen_at"]),
        change_kind=row["change_kind"],
        classification=None if row["category"] is None else classification_from_row(row),
        baseline=bool(row["baseline"]),
        duplicate=bool(row["duplicate"]),
    )
