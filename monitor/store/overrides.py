"""Admins' corrections of classifications (`driftsvarsel correct`), every one kept.

A notice may be corrected several times; the newest correction is in force and later versions
of the notice keep it (the pipeline applies it after classifying). Nothing is ever deleted, so the
history shows who corrected what, when and why. Keys are notice keys "<source>:<notice_id>".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlite_utils
from sqlite_utils import Migrations

from monitor.model import CATEGORIES, ENVIRONMENTS, Category, Classification, Environment
from monitor.store import write_transaction
from monitor.store.codec import classification_row, iso, require_iso

MIGRATIONS = Migrations("driftsvarsel.overrides")


@dataclass(frozen=True)
class Override:
    """An admin's correction of a notice's classification, kept in history (`driftsvarsel correct`).

    `key` is the notice key "<source>:<notice_id>"; a field left None keeps the classifier's value.
    """

    key: str
    category: Category | None
    apis: tuple[str, ...] | None
    environment: Environment | None
    reason: str
    who: str
    at: datetime

    def apply(self, classification: Classification) -> Classification:
        """The classification with this correction applied: sure in every field it sets."""
        category = self.category or classification.category
        corrected = replace(
            classification,
            category=category,
            apis=classification.apis if self.apis is None else self.apis,
            environment=self.environment or classification.environment,
            # Corrected to downtime from another category: an outage nobody announced, so unplanned.
            planned=bool(classification.planned) if category == "downtime" else None,
            window=classification.window if category == "downtime" else None,
            reasons=(*classification.reasons, f"korrigert av {self.who}: {self.reason}"),
            corrected=True,
        )
        fixed = {name for name, value in self.fields().items() if value is not None}
        return replace(
            corrected,
            unsure=corrected.unsure - fixed,
            api_candidates=() if "apis" in fixed else corrected.api_candidates,
            alternative=None if "category" in fixed else corrected.alternative,
        )

    def fields(self) -> dict[str, object]:
        return {"category": self.category, "apis": self.apis, "environment": self.environment}


@MIGRATIONS()
def m001_overrides(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE overrides (
            id INTEGER PRIMARY KEY, key TEXT NOT NULL, category TEXT, apis TEXT, environment TEXT,
            reason TEXT NOT NULL, who TEXT NOT NULL, at TEXT NOT NULL)"""
    )
    db.execute("CREATE INDEX overrides_key ON overrides (key)")


def record_override(db: sqlite_utils.Database, override: Override) -> int:
    """Store a correction (joins an open transaction); returns its id."""
    with write_transaction(db):
        cursor = db.execute(
            """INSERT INTO overrides (key, category, apis, environment, reason, who, at)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [
                override.key,
                override.category,
                None if override.apis is None else json.dumps(list(override.apis)),
                override.environment,
                override.reason,
                override.who,
                iso(override.at),
            ],
        )
    return int(cursor.lastrowid or 0)


def current_override(db: sqlite_utils.Database, key: str) -> Override | None:
    """The correction in force for notice `key` (the newest), or None."""
    rows = _rows(db, "key = ? ORDER BY id DESC LIMIT 1", [key])
    return rows[0] if rows else None


def override_history(db: sqlite_utils.Database, key: str) -> list[Override]:
    """Every correction of notice `key`, oldest first."""
    return _rows(db, "key = ? ORDER BY id", [key])


def current_overrides(db: sqlite_utils.Database) -> list[Override]:
    """The correction in force for every corrected notice, by key."""
    return _rows(db, "id IN (SELECT max(id) FROM overrides GROUP BY key) ORDER BY key", [])


def _rows(db: sqlite_utils.Database, where: str, parameters: list[Any]) -> list[Override]:
    if "overrides" not in db.table_names():
        return []
    cursor = db.execute(
        f"SELECT key, category, apis, environment, reason, who, at FROM overrides WHERE {where}", parameters
    )
    return [_override(row) for row in cursor.fetchall()]


def _override(row: tuple[Any, ...]) -> Override:
    key, category, apis, environment, reason, who, at = row
    return Override(
        key=key,
        category=next((name for name in CATEGORIES if name == category), None),
        apis=None if apis is None else tuple(json.loads(apis)),
        environment=next((name for name in ENVIRONMENTS if name == environment), None),
        reason=reason,
        who=who,
        at=require_iso(at),
    )


#: Corrections sent to channels that got a notice wrongly are filed under "<key>#korrigering".
WITHDRAWN_SUFFIX = "#korrigering"


def merged(db: sqlite_utils.Database, override: Override) -> Override:
    """`override` with the fields it leaves unset taken from the correction in force (cumulative)."""
    previous = current_override(db, override.key)
    if previous is None:
        return override
    return Override(
        key=override.key,
        category=override.category or previous.category,
        apis=previous.apis if override.apis is None else override.apis,
        environment=override.environment or previous.environment,
        reason=override.reason,
        who=override.who,
        at=override.at,
    )


def corrected_classification(
    db: sqlite_utils.Database, key: str, classification: Classification
) -> Classification:
    """`classification` with the correction in force for `key` applied (unchanged when none)."""
    override = current_override(db, key)
    return classification if override is None else override.apply(classification)


def replace_classification(
    db: sqlite_utils.Database, key: str, version: int, classification: Classification, now: datetime
) -> None:
    """Store `classification` as the one of version `version` of notice `key` (after a correction)."""
    row = classification_row(classification)
    db.execute(
        """INSERT OR REPLACE INTO classifications (key, version, category, planned, apis, environment,
               window_start, window_end, reasons, classified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [key, version, *row.values(), iso(now)],
    )


def current_recipients(db: sqlite_utils.Database, key: str) -> dict[tuple[str, str], str]:
    """(kommune, channel) → idem_key of the first alert, for every pair that has the notice now:
    it got an alert (any version, or a "[Korrigert]" one) and no correction withdrew it since."""
    rows = db.execute(
        """SELECT kommune, channel, notice_key, id, idem_key FROM outbox
           WHERE notice_key IN (?, ?) ORDER BY id""",
        [key, key + WITHDRAWN_SUFFIX],
    ).fetchall()
    first: dict[tuple[str, str], str] = {}
    holding: dict[tuple[str, str], bool] = {}
    for kommune, channel, notice_key, _, idem_key in rows:
        pair = (kommune, channel)
        if notice_key == key:
            first.setdefault(pair, idem_key)
        holding[pair] = notice_key == key
    return {pair: first[pair] for pair, has in holding.items() if has and pair in first}
