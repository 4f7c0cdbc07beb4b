"""Recent notices of the other sources, for "one event, one alert" (see monitor.route.sameevent)."""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from monitor.model import Classification, Notice
from monitor.store.codec import classification_from_row, iso, notice_from_row

_COLUMNS = (
    "n.key, n.source, n.notice_id, v.title, v.text, v.link, v.published, v.updated, v.tags, "
    "c.category, c.planned, c.apis, c.environment, c.window_start, c.window_end, c.reasons"
)


def others_since(
    db: sqlite_utils.Database, source: str, since: datetime
) -> list[tuple[str, Notice, Classification]]:
    """(key, latest version, its classification) of every classified notice of another source than
    `source` first seen (or last seen) since `since`, not removed. Oldest first."""
    cursor = db.execute(
        f"""SELECT {_COLUMNS}
            FROM notices n JOIN notice_versions v ON v.key = n.key AND v.version = n.version
            JOIN classifications c ON c.key = n.key AND c.version = n.version
            WHERE n.source != ? AND n.removed_at IS NULL AND (n.first_seen >= ? OR n.last_seen >= ?)
            ORDER BY n.first_seen, n.key""",
        [source, iso(since), iso(since)],
    )
    columns = [column[0] for column in cursor.description]
    found = []
    for values in cursor.fetchall():
        row = dict(zip(columns, values, strict=True))
        found.append(
            (
                str(row["key"]),
                notice_from_row(row["source"], row["notice_id"], row),
                classification_from_row(row),
            )
        )
    return found


def classification_of(db: sqlite_utils.Database, key: str, version: int) -> Classification | None:
    """The stored classification of version `version` of notice `key`, or None."""
    cursor = db.execute(
        """SELECT category, planned, apis, environment, window_start, window_end, reasons
           FROM classifications WHERE key = ? AND version = ?""",
        [key, version],
    )
    values = cursor.fetchone()
    if values is None:
        return None
    columns = [column[0] for column in cursor.description]
    return classification_from_row(dict(zip(columns, values, strict=True)))
