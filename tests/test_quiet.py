"""Quiet hours, digests and working hours (monitor.deliver.quiet): pure, with a fixed `now`.

The cases cross 17 May, Whitsun and both daylight-saving switches (last Sunday of March and
October), where a naive "+9 hours" would be an hour off.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitor.config.types import DeliverySchedule
from monitor.deliver.quiet import (
    Hold,
    after_working_time,
    hold_for,
    in_range,
    is_working_day,
    working_time_between,
)

OSLO = ZoneInfo("Europe/Oslo")
QUIET = DeliverySchedule(quiet_start=time(22, 0), quiet_end=time(7, 0))
DIGEST = DeliverySchedule(digest_at=time(7, 30))


def oslo(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


def test_is_working_day_knows_17_may_easter_whitsun_and_weekends() -> None:
    assert not is_working_day(date(2027, 5, 17))  # Constitution Day, a Monday
    assert not is_working_day(date(2024, 5, 20))  # Whit Monday
    assert not is_working_day(date(2026, 4, 2))  # Maundy Thursday
    assert not is_working_day(date(2026, 3, 28)) and not is_working_day(date(2026, 3, 29))
    assert is_working_day(date(2027, 5, 18)) and is_working_day(date(2026, 3, 30))


def test_hold_for_quiet_hours_over_a_weekend_and_17_may_releases_on_the_first_working_morning() -> None:
    # Sunday 16 May 2027, 23:30: Monday is 17 May, so the info notice waits until Tuesday 07:00.
    hold = hold_for("info", QUIET, oslo(2027, 5, 16, 23, 30))
    assert hold == Hold("quiet", oslo(2027, 5, 18, 7, 0))
    # Thursday 16 May 2024, 23:00: Friday 17 May, the weekend and Whit Monday pass first.
    assert hold_for("api_change", QUIET, oslo(2024, 5, 16, 23, 0)) == Hold("quiet", oslo(2024, 5, 21, 7, 0))


def test_hold_for_quiet_hours_across_the_spring_switch_is_07_00_summer_time() -> None:
    # Friday 27 March 2026, 22:30 CET; the clocks go forward on Sunday 29 March.
    hold = hold_for("info", QUIET, oslo(2026, 3, 27, 22, 30))
    assert hold is not None and hold.kind == "quiet"
    assert hold.until.astimezone(UTC) == datetime(2026, 3, 30, 5, 0, tzinfo=UTC)  # 07:00 CEST
    assert hold.until.astimezone(OSLO).strftime("%H:%M %z") == "07:00 +0200"


def test_hold_for_quiet_hours_across_the_autumn_switch_is_07_00_winter_time() -> None:
    # Saturday 24 October 2026 (a day off, so quiet all day); the clocks go back on Sunday 25.
    hold = hold_for("info", QUIET, oslo(2026, 10, 24, 12, 0))
    assert hold is not None
    assert hold.until.astimezone(UTC) == datetime(2026, 10, 26, 6, 0, tzinfo=UTC)  # 07:00 CET
    # The night of the switch itself: 01:30 on Monday 26 (CET) waits until 07:00 the same morning.
    early = hold_for("info", QUIET, oslo(2026, 10, 26, 1, 30))
    assert early is not None and early.until - oslo(2026, 10, 26, 1, 30) == timedelta(hours=5, minutes=30)


def test_hold_for_quiet_hours_lets_working_hours_and_urgent_categories_through() -> None:
    assert hold_for("info", QUIET, oslo(2026, 12, 8, 10, 0)) is None  # a Tuesday morning
    assert hold_for("info", QUIET, oslo(2026, 12, 8, 21, 59)) is None
    assert hold_for("info", QUIET, oslo(2026, 12, 8, 22, 0)) == Hold("quiet", oslo(2026, 12, 9, 7, 0))
    assert hold_for("info", QUIET, oslo(2026, 12, 9, 3, 0)) == Hold("quiet", oslo(2026, 12, 9, 7, 0))
    for category in ("downtime", "error", "resolved"):
        assert hold_for(category, QUIET, oslo(2027, 5, 17, 3, 0)) is None
        assert hold_for(category, DIGEST, oslo(2027, 5, 17, 3, 0)) is None
    upwards = DeliverySchedule(
        time(22, 0), time(7, 0), None, frozenset({"downtime", "error", "resolved", "info"})
    )
    assert hold_for("info", upwards, oslo(2026, 12, 9, 3, 0)) is None
    assert hold_for("api_change", upwards, oslo(2026, 12, 9, 3, 0)) is not None
    assert hold_for("info", DeliverySchedule(), oslo(2026, 12, 9, 3, 0)) is None


def test_hold_for_digest_is_the_next_digest_time_on_a_working_day() -> None:
    assert hold_for("info", DIGEST, oslo(2026, 12, 8, 7, 29)) == Hold("digest", oslo(2026, 12, 8, 7, 30))
    assert hold_for("info", DIGEST, oslo(2026, 12, 8, 7, 30)) == Hold("digest", oslo(2026, 12, 9, 7, 30))
    # Friday afternoon before Christmas 2026: Christmas Day (Fri 25) is off, so Monday 28.
    assert hold_for("api_change", DIGEST, oslo(2026, 12, 24, 16, 0)) == Hold(
        "digest", oslo(2026, 12, 28, 7, 30)
    )


@pytest.mark.parametrize(
    ("moment", "start", "end", "inside"),
    [
        (time(23, 0), time(22, 0), time(7, 0), True),
        (time(6, 59), time(22, 0), time(7, 0), True),
        (time(7, 0), time(22, 0), time(7, 0), False),
        (time(12, 30), time(12, 0), time(13, 0), True),
        (time(13, 0), time(12, 0), time(13, 0), False),
    ],
)
def test_in_range_handles_ranges_over_midnight(moment: time, start: time, end: time, inside: bool) -> None:
    assert in_range(moment, start, end) is inside


def test_working_time_skips_nights_weekends_and_17_may() -> None:
    # Friday 14 May 2027 15:00 → Tuesday 18 May 11:00: 1 h on Friday, Monday is 17 May, 3 h Tuesday.
    assert working_time_between(oslo(2027, 5, 14, 15, 0), oslo(2027, 5, 18, 11, 0)) == timedelta(hours=4)
    assert after_working_time(oslo(2027, 5, 14, 15, 0), timedelta(hours=4)) == oslo(2027, 5, 18, 11, 0)
    # Across the spring switch: Friday 27 March 2026 14:00 + 4 working hours = Monday 30 March 10:00 CEST.
    later = after_working_time(oslo(2026, 3, 27, 14, 0), timedelta(hours=4))
    assert later.astimezone(UTC) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
