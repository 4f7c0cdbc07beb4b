"""The storm guard (pure): too many new notices from one source in one poll become one summary.

A source that suddenly brings hundreds of "new" notices (a re-published archive, a changed id
scheme, a test page gone live) must not send hundreds of messages to every channel. When one
non-baseline poll of a source has more than `settings.max_new_per_poll` new notices, the alerts
those new notices owe are held back and grouped per (kommune, channel): each gets one summary
listing them, and the admin route a note. Edits and removals in the same poll alert as usual.
Every notice is still stored, so `driftsvarsel history` shows each one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitor.model import Alert, Change


@dataclass(frozen=True)
class Storm:
    """What the guard held back: the poll's new changes, and per (kommune, channel) its alerts."""

    source: str
    new: tuple[Change, ...]
    held: dict[tuple[str, str], tuple[Alert, ...]]


def contain(
    source: str, changes: Sequence[Change], alerts: Sequence[Alert], limit: int
) -> tuple[list[Alert], Storm | None]:
    """(alerts to send one by one, the storm or None). A storm is more than `limit` new changes."""
    new = tuple(change for change in changes if change.kind == "new")
    if len(new) <= limit:
        return list(alerts), None
    kept: list[Alert] = []
    held: dict[tuple[str, str], list[Alert]] = {}
    for alert in alerts:
        if alert.change.kind == "new":
            held.setdefault((alert.kommune_number, alert.channel), []).append(alert)
        else:
            kept.append(alert)
    return kept, Storm(source, new, {owner: tuple(items) for owner, items in sorted(held.items())})
