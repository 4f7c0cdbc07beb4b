"""What `driftsvarsel outbox [--state ...] [--json]` prints: the queued, delivered and dead items.

Times are Europe/Oslo with the offset (`monitor.localtime`); the `--json` shape is documented
in README, "JSON output".
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from monitor.errors import UserError
from monitor.localtime import local_iso, local_time
from monitor.redact import redact
from monitor.store import outbox
from monitor.store.outbox import OutboxItem

#: --state → the stored states shown (None: the default, pending and dead).
STATES: dict[str | None, tuple[str, ...] | None] = {
    None: ("pending", "dead"),
    "pending": ("pending",),
    "dead": ("dead",),
    "done": ("done",),
    "silenced": ("silenced",),
    "all": None,
}


def select(db: sqlite_utils.Database, state: str | None) -> list[OutboxItem]:
    """The items `--state` asks for: pending/dead/done/all (None: pending and dead)."""
    return outbox.list_items(db, STATES[state])


def format_items(items: list[OutboxItem]) -> list[str]:
    """One line per item: id, state, attempts, kommune, channel, next attempt, last error."""
    row = "{:>5}  {:<7}  {:>5}  {:<8}  {:<14}  {:<25}  {}"
    lines = [row.format("ID", "STATE", "TRIES", "KOMMUNE", "CHANNEL", "NEXT ATTEMPT", "LAST ERROR")]
    for item in items:
        when = local_time(item.next_attempt_at, seconds=True) if item.state == "pending" else "-"
        error = " ".join(redact(item.last_error or "").split())  # rows stored by older versions
        error = error if len(error) <= 80 else error[:79] + "…"
        lines.append(
            row.format(item.id, item.state, item.attempts, item.kommune, item.channel, when, error).rstrip()
        )
    return lines


def list_report(db: sqlite_utils.Database, state: str | None) -> str:
    """The `driftsvarsel outbox` listing, with the count of every state at the end."""
    items = select(db, state)
    counts = ", ".join(f"{name} {count}" for name, count in outbox.depth(db).items())
    return "\n".join([*format_items(items), f"({len(items)} shown; {counts})"])


def outbox_json(db: sqlite_utils.Database, state: str | None) -> dict[str, object]:
    """The `outbox --json` shape: the count per state and the items asked for."""
    return {
        "counts": outbox.depth(db),
        "items": [
            {
                "id": item.id,
                "state": item.state,
                "attempts": item.attempts,
                "kommune": item.kommune,
                "channel": item.channel,
                "subject": item.message.subject,
                "notice_key": item.notice_key,
                "version": item.version,
                "created_at": local_iso(item.created_at),
                "next_attempt_at": local_iso(item.next_attempt_at) if item.state == "pending" else None,
                "delivered_at": local_iso(item.delivered_at),
                "last_status": item.last_status,
                "last_error": redact(item.last_error or "") or None,
            }
            for item in select(db, state)
        ],
    }


def open_outbox_db(
    database: Path | None, rules_path: Path, *, writable: bool = False
) -> sqlite_utils.Database:
    """The database for the `outbox` command: `database`, else the rules file's settings.database.

    Raises UserError when the file does not exist (the command must not create an empty one), or,
    with `writable` (for `outbox retry`), when it cannot be written.
    """
    from monitor.store import open_existing

    if database is None:
        from monitor.config.load import load_rules

        database = load_rules(rules_path).settings.database
    return open_existing(database, writable=writable)


def retry(db: sqlite_utils.Database, item_id: int | None, now: datetime | None = None) -> int:
    """Re-queue item `item_id` (None: every dead and failing one) to be sent now; returns how many.

    Raises UserError when the id names no dead or pending item (done items are never resent).
    """
    count = outbox.requeue(db, item_id, now or datetime.now(UTC))
    if item_id is not None and count == 0:
        item = outbox.get_item(db, item_id)
        state = "does not exist" if item is None else f"is {item.state}"
        raise UserError(f"outbox item {item_id} {state}; only dead or pending items can be retried")
    return count
