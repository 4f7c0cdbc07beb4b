"""When a message may go out: quiet hours, digests and working hours (pure; `now` is an argument).

Norwegian working days are Monday to Friday except public holidays (the `holidays` package's
Norway, Sundays not counted twice). All clock times are Europe/Oslo wall-clock times, so a
release at 07:00 is 07:00 in Oslo on both sides of a daylight-saving switch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

from monitor.config.types import DeliverySchedule

OSLO = ZoneInfo("Europe/Oslo")
#: Working hours for reminders: Monday to Friday, 08:00-16:00, not on public holidays.
WORK_START = time(8, 0)
WORK_END = time(16, 0)
#: No stretch of days off is longer than this (Easter: Thursday to Monday is five).
MAX_DAYS_OFF = 14

HoldKind = Literal["quiet", "digest"]


@dataclass(frozen=True)
class Hold:
    """Why and until when a message waits in the outbox."""

    kind: HoldKind
    until: datetime


@lru_cache(maxsize=16)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("NO", years=year, include_sundays=False)


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a Norwegian public holiday (17 May, Easter, Christmas ...)."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def holiday_name(day: date) -> str | None:
    name = _holidays(day.year).get(day)
    return None if name is None else str(name)


def hold_for(category: str, schedule: DeliverySchedule, now: datetime) -> Hold | None:
    """How long a message of `category` created at `now` waits, or None: send it at once.

    Urgent categories never wait. With a digest, the rest waits for the next digest time on a
    working day; else, with quiet hours, for their end on a working day when `now` is in them or
    on a day off.
    """
    if category in schedule.urgent or not schedule.holds_anything:
        return None
    local = now.astimezone(OSLO)
    if schedule.digest_at is not None:
        return Hold("digest", _next_working_at(local, schedule.digest_at))
    start, end = schedule.quiet_start, schedule.quiet_end
    if start is None or end is None:
        return None
    if is_working_day(local.date()) and not in_range(local.time(), start, end):
        return None
    return Hold("quiet", _next_working_at(local, end))


def in_range(moment: time, start: time, end: time) -> bool:
    """Whether `moment` is in [start, end); a range may pass midnight ("22:00-07:00")."""
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def in_working_hours(now: datetime) -> bool:
    local = now.astimezone(OSLO)
    return is_working_day(local.date()) and WORK_START <= local.time() < WORK_END


def working_time_between(start: datetime, end: datetime) -> timedelta:
    """How much of [start, end) falls in working hours (Mon-Fri 08-16 Oslo, not holidays)."""
    total = timedelta()
    first, last = start.astimezone(OSLO).date(), end.astimezone(OSLO).date()
    day = first
    while day <= last:
        if is_working_day(day):
            open_at = _at(day, WORK_START)
            close_at = _at(day, WORK_END)
            overlap = min(close_at, end) - max(open_at, start)
            if overlap > timedelta():
                total += overlap
        day += timedelta(days=1)
    return total


def after_working_time(start: datetime, amount: timedelta) -> datetime:
    """The moment when `amount` of working time has passed since `start`."""
    day = start.astimezone(OSLO).date()
    left = amount
    for _ in range(366):
        if is_working_day(day):
            open_at = max(_at(day, WORK_START), start)
            close_at = _at(day, WORK_END)
            if close_at > open_at:
                if open_at + left <= close_at:
                    return open_at + left
                left -= close_at - open_at
        day += timedelta(days=1)
    return start + amount  # unreachable in practice: a year without working days


def _next_working_at(local: datetime, at: time) -> datetime:
    """The first `at` (Oslo) strictly after `local` on a working day."""
    day = local.date()
    for _ in range(MAX_DAYS_OFF + 2):
        candidate = _at(day, at)
        if candidate > local and is_working_day(day):
            return candidate
        day += timedelta(days=1)
    return _at(day, at)


def _at(day: date, at: time) -> datetime:
    """`day` at `at` in Oslo, as an aware datetime (a time skipped by the spring switch moves on)."""
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=OSLO)
    # zoneinfo gives a nonexistent local time (02:30 on the spring switch) the offset before the
    # switch; going through UTC and back lands on the real instant.
    return aware.astimezone(OSLO)
