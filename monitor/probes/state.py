"""The probe state machine (pure): thresholds, outage/recovery transitions, announced windows, cert warnings.

A target leaves "up" (or "unknown") only after `failure` consecutive failing probes and comes back
only after `success` consecutive good ones, so one slow answer does not flap. An outage that a
Skatteetaten notice announces (a downtime classification for the API or "*", matching environment,
whose window covers now) is "varslet nedetid": recorded but not alerted. One without is alerted as
"ikke varslet av Skatteetaten"; so is an announced outage still going on after its window ended.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from monitor.model import (
    ALL_APIS,
    Classification,
    ProbeResult,
    StateName,
    TargetState,
    Window,
)
from monitor.probes.plan import MASKINPORTEN

OSLO = ZoneInfo("Europe/Oslo")
#: An announced start with no end covers this long.
OPEN_END = timedelta(hours=12)

TransitionKind = Literal["outage", "overrun", "recovery"]


@dataclass(frozen=True)
class Thresholds:
    failure: int = 3
    success: int = 2


@dataclass(frozen=True)
class Transition:
    """An outage began (`outage`), outlived its announced window (`overrun`), or ended (`recovery`).

    `alert` says whether kommuner should hear of it; `opening_id` is the outage's id (for threading).
    """

    id: int
    kind: TransitionKind
    api: str
    environment: str
    at: datetime
    since: datetime
    state: StateName
    detail: str
    alert: bool
    announced_by: str | None = None
    opening_id: int | None = None


def step(
    previous: TargetState | None,
    result: ProbeResult,
    *,
    thresholds: Thresholds,
    announced: Sequence[tuple[str, Classification]],
    now: datetime,
) -> tuple[TargetState, list[Transition]]:
    """Fold one probe result into the state; return the new state and any transitions."""
    state = previous or TargetState(result.api, result.environment)
    failing = result.state != "up"
    state = replace(
        state,
        failures=state.failures + 1 if failing else 0,
        successes=0 if failing else state.successes + 1,
        first_failure_at=(state.first_failure_at or result.checked_at) if failing else None,
        last_checked_at=result.checked_at,
        last_latency_ms=result.latency_ms,
        last_detail=result.detail,
        cert_expires=result.cert_expires or state.cert_expires,
    )
    cover = covering_notice(result.api, result.environment, announced, now)
    if not state.in_outage:
        if failing and state.failures >= thresholds.failure:
            return _open(state, result, cover, now)
        if not failing and state.state == "unknown" and state.successes >= thresholds.success:
            state = replace(state, state="up", since=result.checked_at)
        return state, []
    if not failing and state.successes >= thresholds.success:
        return _close(state, result, now)
    if failing:
        state = replace(state, state=_failure_state(result))
    if state.announced_by is not None and cover is None:
        return _overrun(state, result, now)
    if state.announced_by is None and cover is not None:
        state = replace(state, announced_by=cover)
    return state, []


def _failure_state(result: ProbeResult) -> StateName:
    return "misconfigured" if result.state == "misconfigured" else "down"


def _open(
    state: TargetState, result: ProbeResult, cover: str | None, now: datetime
) -> tuple[TargetState, list[Transition]]:
    since = state.first_failure_at or result.checked_at
    ident = state.sequence + 1
    new = replace(
        state,
        state=_failure_state(result),
        since=since,
        announced_by=cover,
        outage_alerted=cover is None,
        outage_id=ident,
        sequence=ident,
    )
    transition = Transition(
        ident,
        "outage",
        state.api,
        state.environment,
        now,
        since,
        new.state,
        result.detail,
        alert=cover is None,
        announced_by=cover,
        opening_id=ident,
    )
    return new, [transition]


def _overrun(state: TargetState, result: ProbeResult, now: datetime) -> tuple[TargetState, list[Transition]]:
    ident = state.sequence + 1
    since = state.since or result.checked_at
    transition = Transition(
        ident,
        "overrun",
        state.api,
        state.environment,
        now,
        since,
        state.state,
        result.detail,
        alert=True,
        announced_by=state.announced_by,
        opening_id=ident,
    )
    new = replace(state, announced_by=None, outage_alerted=True, outage_id=ident, sequence=ident)
    return new, [transition]


def _close(state: TargetState, result: ProbeResult, now: datetime) -> tuple[TargetState, list[Transition]]:
    ident = state.sequence + 1
    since = state.since or result.checked_at
    transition = Transition(
        ident,
        "recovery",
        state.api,
        state.environment,
        now,
        since,
        "up",
        result.detail,
        alert=state.outage_alerted,
        announced_by=state.announced_by,
        opening_id=state.outage_id,
    )
    new = replace(
        state,
        state="up",
        since=result.checked_at,
        announced_by=None,
        outage_alerted=False,
        outage_id=None,
        sequence=ident,
    )
    return new, [transition]


def covering_notice(
    api: str, environment: str, announced: Sequence[tuple[str, Classification]], now: datetime
) -> str | None:
    """The key of the first downtime notice that announces `api` in `environment` at `now`, or None.

    Apis match when the notice names the api or "*" (Maskinporten matches "*" only). Environment
    matches when equal, "both" or "unspecified". A classification with no window covers (the
    caller passes only notices still open); a missing start is open, a missing end is `OPEN_END`.
    """
    for key, classification in announced:
        if classification.category != "downtime":
            continue
        apis = classification.apis
        if not (ALL_APIS in apis or (api != MASKINPORTEN and api in apis)):
            continue
        if classification.environment not in (environment, "both", "unspecified"):
            continue
        if window_covers(classification.window, now):
            return key
    return None


def window_covers(window: Window | None, now: datetime) -> bool:
    """Whether `now` (aware) falls in a Europe/Oslo local window; an end minute counts in full."""
    if window is None:
        return True
    start = _local(window.start)
    end = _local(window.end)
    if start is not None and now < start:
        return False
    if end is not None:
        return now < end + timedelta(minutes=1)
    return start is None or now < start + OPEN_END


def _local(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M").replace(tzinfo=OSLO)
    except ValueError:
        return None


def cert_warnings_due(
    cert_expires: datetime | None,
    now: datetime,
    *,
    days: Collection[int] = (14, 7),
    sent: Collection[int] = (),
) -> list[int]:
    """The warning thresholds (days ahead) reached and not yet sent for this certificate, largest first.

    The caller warns once, with the smallest (most urgent) of them, and records them all as sent,
    so a certificate first seen 5 days before expiry gives one 7-day warning, not two.
    """
    if cert_expires is None:
        return []
    left = cert_expires - now
    return sorted(
        (limit for limit in days if left <= timedelta(days=limit) and limit not in sent), reverse=True
    )
