"""Tokens of one sentence → the first period they describe (a partial window).

Reads "fra A til B", "A-B", "mellom A og B", "før B" (an end only), "eller senest B" (the latest
end wins), a weekday relative to the start or the notice date, and durations. A second date that
is not joined to the first by a connector starts another period, and reading stops there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from monitor.classify.dates import Token

Clock = tuple[int, int]


@dataclass
class Period:
    """What one sentence says about a window; any part may be missing."""

    start_day: date | None = None
    start_time: Clock | None = None
    end_day: date | None = None
    end_time: Clock | None = None
    latest: datetime | None = None
    duration_minutes: float = 0.0
    end_only: bool = False
    latest_time: Clock | None = None

    @property
    def has_date(self) -> bool:
        return self.start_day is not None or self.end_day is not None

    @property
    def has_time(self) -> bool:
        return self.start_time is not None or self.end_time is not None


@dataclass
class _State:
    mode: str = "start"
    between: bool = False
    latest: bool = False
    alternative: bool = False
    before: bool = False
    latest_day: date | None = None
    closed: bool = False


_SINCE = ("siden", "sidan")


def _weekday_date(weekday: int, base: date) -> date:
    return base + timedelta(days=(weekday - base.weekday()) % 7)


def _names_next_date(toks: Sequence[Token], index: int) -> bool:
    """A weekday written just before a date ("torsdag 21. april", "tirsdag morgen (09.05)")."""
    if index + 1 >= len(toks):
        return False
    following = toks[index + 1]
    return following.kind == "date" and following.start - toks[index].start <= len(toks[index].text) + 12


def parse_period(toks: Sequence[Token], reference: date) -> Period:
    """The first period in `toks` (see the module docstring); an empty Period when none."""
    period, state = Period(), _State()
    for index, token in enumerate(toks):
        kind, day = token.kind, token.day
        if kind == "weekday" and token.weekday is not None:
            if _names_next_date(toks, index):
                continue
            day = _weekday_date(token.weekday, period.start_day or reference)
            if index > 0 and toks[index - 1].text.lower() in _SINCE and period.start_day is None:
                day -= timedelta(days=7) if day > reference else timedelta(0)  # "siden mandag": the past one
            kind = "date"
        if kind == "date" and day is not None:
            if not _take_date(period, state, day):
                break
        elif kind == "time":
            _take_time(period, state, (token.hour, token.minute))
        elif kind == "until" and (period.start_day or period.start_time):
            state.mode, state.between = "end", False
        elif kind == "until" and index + 1 < len(toks) and toks[index + 1].kind == "time":
            # "Nedetiden forlenges til kl. 21:00": an end with no start ("utsatt til 3. juni" is a start).
            state.mode, period.end_only = "end", True
        elif kind == "and" and state.between and (period.start_day or period.start_time):
            state.mode, state.between = "end", False
        elif kind == "and" and period.start_day and period.end_time:
            # "tirsdag 10. desember kl. 18-20 og torsdag 12. desember ...": the first period is whole.
            state.closed = True
        elif kind == "extend" and not (period.start_day or period.start_time):
            # "forlenget til søndag 9. juni kl. 20:00": a new end, the start was announced before.
            state.mode, period.end_only = "end", True
        elif kind == "extend":  # "startet kl. 10:00 ..., men er forlenget til kl. 16:00": the end
            state.mode, state.between = "end", False
        elif kind == "between":
            state.between = True
        elif kind == "from" and _starts_new_period(period, state, toks, index):
            break
        elif kind == "before":
            state.before = True
        elif kind == "latest":
            state.latest, state.mode = True, "end"
        elif kind == "alternative":
            state.alternative = True
        elif kind == "duration":
            period.duration_minutes = max(period.duration_minutes, token.minutes)
    return period


def _starts_new_period(period: Period, state: _State, toks: Sequence[Token], index: int) -> bool:
    """ "..., og fra torsdag 28.04": a "fra" followed by a date after a start is another period."""
    if not (period.start_day or period.start_time):
        return False
    following = toks[index + 1] if index + 1 < len(toks) else None
    return following is not None and following.kind in ("date", "weekday")


def _take_date(period: Period, state: _State, day: date) -> bool:
    """Place a date; False when it belongs to another (or an alternative) period."""
    if state.latest:
        state.latest_day = day
        return True
    if state.alternative and (period.start_day or period.start_time):
        return False
    if state.closed:
        return False
    if state.mode == "start":
        if period.start_day is None:
            period.start_day = day
            return True
        return day == period.start_day
    if period.start_day is None and period.start_time and period.end_time and period.end_day is None:
        # "mellom klokka 07 og 08 tysdag 24. juni": a day after a whole time range is its day.
        period.start_day = period.end_day = day
        return True
    if period.end_day is None:
        period.end_day = day
        return True
    return day == period.end_day


def _take_time(period: Period, state: _State, clock: Clock) -> None:
    if state.before and state.mode == "start":
        period.end_day, period.end_time, period.end_only = period.start_day, clock, True
        period.start_day, period.start_time = None, None
        state.mode, state.before = "end", False
        return
    if state.latest:
        base = state.latest_day or period.end_day or period.start_day
        if base is not None:
            period.latest = datetime.combine(base, time(*clock))
        else:
            period.latest_time = clock  # "ferdig kl. 10:00, senest kl. 12:00": the day comes from elsewhere
        return
    if state.mode == "start":
        if period.start_time is None:
            period.start_time = clock
    elif period.end_time is None:
        period.end_time = clock


def merge_times(period: Period, times: Period) -> Period:
    """A date-only period completed with the clock times of a time-only one."""
    return Period(
        period.start_day,
        period.start_time or times.start_time,
        period.end_day,
        period.end_time or times.end_time,
        period.latest,
        max(period.duration_minutes, times.duration_minutes),
        period.end_only,
        period.latest_time or times.latest_time,
    )


def bounds(period: Period, reference: date) -> tuple[datetime | None, datetime | None]:
    """The period as (start, end) local datetimes; the notice date stands in for a missing day."""
    start: datetime | None = None
    if not period.end_only and (period.start_day or period.start_time):
        start = datetime.combine(period.start_day or reference, time(*(period.start_time or (0, 0))))
    end: datetime | None = None
    if period.end_day or period.end_time:
        explicit_day = period.end_day is not None
        end_day = period.end_day or period.start_day or reference
        end = datetime.combine(end_day, time(*(period.end_time or (23, 59))))
        if start is not None and end <= start and (not explicit_day or end_day == start.date()):
            # "fra kl. 22 i kveld til kl. 02 i natt": an end before the start is the next morning.
            end += timedelta(days=1)
    latest = period.latest
    if latest is None and period.latest_time is not None:
        base_day = period.end_day or period.start_day or reference
        latest = datetime.combine(base_day, time(*period.latest_time))
        if start is not None and latest <= start:
            latest += timedelta(days=1)
    if latest is not None and (end is None or latest > end):
        end = latest
    if start is not None and period.start_time is not None and period.duration_minutes:
        by_duration = start + timedelta(minutes=period.duration_minutes)
        end = by_duration if end is None else max(end, by_duration)
    return start, end
