"""How people see a moment: Europe/Oslo local time with its UTC offset, the same in every command.

    local_time(moment)  -> "2026-12-06 23:10 +01:00"        (text output)
    local_iso(moment)   -> "2026-12-06T23:10:00+01:00"       (--json output; None stays None)
    local_date(moment)  -> "2026-12-06"

A naive datetime is taken as UTC (the store keeps UTC). Window strings ("YYYY-MM-DDTHH:MM",
Europe/Oslo wall clock, see `monitor.model.Window`) go through `window_time`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def _local(moment: datetime) -> datetime:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(OSLO)


def _offset(local: datetime) -> str:
    text = local.strftime("%z")  # "+0100"
    return f"{text[:3]}:{text[3:]}"


def local_time(moment: datetime | None, *, seconds: bool = False, missing: str = "-") -> str:
    """`moment` as "YYYY-MM-DD HH:MM +01:00" in Europe/Oslo (`missing` for None)."""
    if moment is None:
        return missing
    local = _local(moment)
    return f"{local:%Y-%m-%d %H:%M{':%S' if seconds else ''}} {_offset(local)}"


def local_iso(moment: datetime | None) -> str | None:
    """`moment` as ISO 8601 in Europe/Oslo with its offset, to the second; None for None."""
    return None if moment is None else _local(moment).replace(microsecond=0).isoformat()


def local_date(moment: datetime) -> str:
    return f"{_local(moment):%Y-%m-%d}"


def window_time(value: str | None, *, missing: str = "?") -> str:
    """A window bound ("YYYY-MM-DDTHH:MM", Oslo wall clock) as `local_time` shows it."""
    if value is None:
        return missing
    try:
        moment = datetime.strptime(value, "%Y-%m-%dT%H:%M").replace(tzinfo=OSLO)
    except ValueError:
        return value
    return local_time(moment)
