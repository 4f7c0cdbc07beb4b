"""What the `outbox` command shows and does: the listing, and re-queueing dead or failing items."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from monitor.errors import UserError
from monitor.store import outbox
from monitor.store.outbox import OutboxItem


def format_items(items: list[OutboxItem]) -> list[str]:
    """One line per item for `driftsvarsel outbox`: id, state, attempts, kommune, channel, next, error."""
    row = "{:>5}  {:<7}  {:>5}  {:<8}  {:<14}  {:<20}  {}"
    lines = [row.format("ID", "STATE", "TRIES", "KOMMUNE", "CHANNEL", "NEXT ATTEMPT", "LAST ERROR")]
    for item in items:
        when = f"{item.next_attempt_at:%Y-%m-%d %H:%M:%S}Z" if item.state == "pending" else "-"
        error = " ".join((item.last_error or "").split())
        error = error if len(error) <= 80 else error[:79] + "…"
        lines.append(
            row.format(item.id, item.state, item.attempts, item.kommune, item.channel, when, error).rstrip()
        )
    return lines


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


def list_report(db: sqlite_utils.Database, state: str | None) -> str:
    """The `driftsvarsel outbox` listing: `state` one of pending/dead/done/all (None: pending+dead)."""
    if state == "all":
        items = outbox.list_items(db)
    else:
        items = outbox.list_items(db, ("pending", "dead") if state is None else (state,))
    counts = ", ".join(f"{name} {count}" for name, count in outbox.depth(db).items())
    return "\n".join([*format_items(items), f"({len(items)} shown; {counts})"])


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
