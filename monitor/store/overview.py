"""Read-only queries for the status page (monitor/web): recent classified notices, delivery counts
per kommune, probe results per day. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from monitor.model import Classification, Notice
from monitor.store.codec import iso, notice_from_row, parse_iso
from monitor.store.notices import _latest_classified, _query


@dataclass(frozen=True)
class ClassifiedNotice:
    """A notice's latest version and its classification; `first_seen` is when we first saw it."""

    key: str
    notice: Notice
    classification: Classification
    first_seen: datetime | None


@dataclass(frozen=True)
class DeliveryCounts:
    """Outbox items of one kommune (or "admin"): waiting, waiting after a failed try, dead."""

    kommune: str
    pending: int = 0
    failing: int = 0
    dead: int = 0
    last_error: str | None = None


def classified_since(db: sqlite_utils.Database, since: datetime) -> list[ClassifiedNotice]:
    """Notices not removed, published (or first seen) since `since`, oldest first."""
    rows = _latest_classified(
        db,
        "n.removed_at IS NULL AND (coalesce(n.published, n.updated) >= ? OR n.first_seen >= ?)",
        [iso(since), iso(since)],
    )
    seen = {row["key"]: row["first_seen"] for row in _query(db, "SELECT key, first_seen FROM notices", [])}
    return [
        ClassifiedNotice(
            row["key"],
            notice_from_row(row["source"], row["notice_id"], row),
            row["cls"],
            parse_iso(seen.get(row["key"])),
        )
        for row in rows
    ]


def delivery_counts(db: sqlite_utils.Database) -> list[DeliveryCounts]:
    """Per kommune with anything pending or dead: the counts and the newest error, by kommune."""
    rows = _query(
        db,
        """SELECT kommune,
                  sum(state = 'pending' AND attempts = 0) AS pending,
                  sum(state = 'pending' AND attempts > 0) AS failing,
                  sum(state = 'dead') AS dead,
                  (SELECT last_error FROM outbox o2 WHERE o2.kommune = o.kommune AND o2.state != 'done'
                   AND o2.last_error IS NOT NULL ORDER BY id DESC LIMIT 1) AS last_error
           FROM outbox o WHERE state IN ('pending', 'dead') GROUP BY kommune ORDER BY kommune""",
        [],
    )
    return [
        DeliveryCounts(
            row["kommune"], row["pending"] or 0, row["failing"] or 0, row["dead"] or 0, row["last_error"]
        )
        for row in rows
    ]


def daily_up_shares(
    db: sqlite_utils.Database, api: str, environment: str, since: datetime
) -> dict[str, tuple[int, int]]:
    """UTC day "YYYY-MM-DD" → (probes that found the API up, all probes), from `since` on."""
    rows = _query(
        db,
        """SELECT substr(checked_at, 1, 10) AS day, sum(state = 'up') AS up, count(*) AS total
           FROM probe_results WHERE api = ? AND environment = ? AND checked_at >= ? GROUP BY day""",
        [api, environment, iso(since)],
    )
    return {row["day"]: (int(row["up"] or 0), int(row["total"])) for row in rows}
