"""The daily "still alive" message to the admin route (pure: the daemon sends it).

With `settings.heartbeat_hour: 8` the admins get one message a day soon after 08:00 Oslo time
saying how the sources are doing, so that silence means trouble rather than calm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from monitor.texts import say

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


def heartbeat_text(stats: HeartbeatStats, language: str = "nb") -> tuple[str, str]:
    """(subject, text) in Norwegian (`language` nb or nn), e.g. "driftsvarsel lever: 4 kilder OK,
    siste vellykkede henting 10:02, 0 i utboks"."""
    zone = ZoneInfo(stats.tz)
    total = _sources(stats.sources_total, language)
    if stats.sources_ok == stats.sources_total:
        sources = say(language, "heartbeat.sources", sources=total)
    else:
        sources = say(language, "heartbeat.sources_some", ok=stats.sources_ok, sources=total)
    if stats.last_good_poll is None:
        last = say(language, "heartbeat.no_poll")
    else:
        last = say(language, "heartbeat.last_poll", time=_clock(stats.last_good_poll, stats.now, zone))
    parts = [sources, last, say(language, "heartbeat.outbox", count=stats.outbox_pending)]
    if stats.outbox_dead:
        parts.append(say(language, "heartbeat.dead", count=stats.outbox_dead))
    summary = say(language, "heartbeat.summary", parts=", ".join(parts))

    failing_count = stats.sources_total - stats.sources_ok
    if failing_count > 0:
        subject = say(language, "heartbeat.subject_failing", sources=_sources(failing_count, language))
    elif stats.outbox_dead:
        subject = say(language, "heartbeat.subject_dead")
    else:
        subject = say(language, "heartbeat.subject")
    lines = [summary]
    if stats.failing:
        lines += ["", say(language, "heartbeat.failing")] + [f"- {name}" for name in stats.failing]
    return subject, "\n".join(lines)


def _sources(number: int, language: str) -> str:
    """ "1 kilde", "4 kilder" ("kjelde", "kjelder" in nynorsk)."""
    return say(language, "heartbeat.source_one" if number == 1 else "heartbeat.source_many", count=number)


def _clock(moment: datetime, now: datetime, zone: ZoneInfo) -> str:
    """ "10:02" today, "25.11. 10:02" on another day (local time)."""
    local = _aware(moment).astimezone(zone)
    if local.date() == _aware(now).astimezone(zone).date():
        return local.strftime("%H:%M")
    return local.strftime("%d.%m. %H:%M")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
