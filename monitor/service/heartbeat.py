"""The daily "still alive" message to the admin route (pure: the daemon sends it).

With `settings.heartbeat_hour: 8` the admins get one message a day soon after 08:00 Oslo time
saying how the sources are doing, so that silence means trouble rather than calm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Europe/Oslo"


@dataclass(frozen=True)
class HeartbeatStats:
    """What the heartbeat reports, as of `now`. `failing` lists the names of failing sources."""

    now: datetime
    sources_ok: int
    sources_total: int
    last_good_poll: datetime | None
    outbox_pending: int
    outbox_dead: int = 0
    failing: tuple[str, ...] = ()
    tz: str = DEFAULT_TZ


def heartbeat_due(last_sent: datetime | None, now: datetime, hour: int | None, tz: str = DEFAULT_TZ) -> bool:
    """True when today's heartbeat (at `hour`:00 local time in `tz`) has come and was not yet sent.

    `hour` None means heartbeats are off. A first run (`last_sent` None) after today's hour sends
    one at once. Naive datetimes are taken as UTC. Raises ValueError for an hour outside 0..23.
    """
    if hour is None:
        return False
    if not 0 <= hour <= 23:
        raise ValueError(f"heartbeat hour {hour} is not in 0..23 (settings.heartbeat_hour)")
    zone = ZoneInfo(tz)
    local_now = _aware(now).astimezone(zone)
    # On the spring-forward day 02:xx does not exist; zoneinfo maps it to 03:xx, still once a day.
    scheduled = datetime.combine(local_now.date(), time(hour), tzinfo=zone)
    if local_now < scheduled:
        return False
    return last_sent is None or _aware(last_sent) < scheduled


def heartbeat_text(stats: HeartbeatStats) -> tuple[str, str]:
    """(subject, text) in Norwegian, e.g. "driftsvarsel lever: 4 kilder OK, siste vellykkede
    henting 10:02, 0 i utboks"."""
    zone = ZoneInfo(stats.tz)
    if stats.sources_ok == stats.sources_total:
        sources = f"{_count(stats.sources_total, 'kilde', 'kilder')} OK"
    else:
        sources = f"{stats.sources_ok} av {_count(stats.sources_total, 'kilde', 'kilder')} OK"
    if stats.last_good_poll is None:
        last = "ingen vellykket henting ennå"
    else:
        last = f"siste vellykkede henting {_clock(stats.last_good_poll, stats.now, zone)}"
    parts = [sources, last, f"{stats.outbox_pending} i utboks"]
    if stats.outbox_dead:
        parts.append(f"{stats.outbox_dead} kunne ikke leveres")
    summary = "driftsvarsel lever: " + ", ".join(parts)

    failing_count = stats.sources_total - stats.sources_ok
    if failing_count > 0:
        subject = f"driftsvarsel lever, men {_count(failing_count, 'kilde', 'kilder')} feiler"
    elif stats.outbox_dead:
        subject = "driftsvarsel lever, men noen varsler kunne ikke leveres"
    else:
        subject = "driftsvarsel lever"
    lines = [summary]
    if stats.failing:
        lines += ["", "Kilder som feiler:"] + [f"- {name}" for name in stats.failing]
    return subject, "\n".join(lines)


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def _clock(moment: datetime, now: datetime, zone: ZoneInfo) -> str:
    """ "10:02" today, "25.11. 10:02" on another day (local time)."""
    local = _aware(moment).astimezone(zone)
    if local.date() == _aware(now).astimezone(zone).date():
        return local.strftime("%H:%M")
    return local.strftime("%d.%m. %H:%M")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
