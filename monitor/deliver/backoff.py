"""Retry policy for deliveries (pure): exponential backoff with full jitter, Retry-After as a floor.

Full jitter (a uniform delay between a small floor and the exponential ceiling) spreads the
retries of many messages to one recovering service, instead of sending them in lock-step.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

BASE_SECONDS = 30.0
CAP_SECONDS = 3600.0
#: Never retry sooner than this, whatever the jitter draws.
MIN_SECONDS = 5.0
#: A Retry-After beyond this is taken as this (a day), so one odd header cannot park a message.
MAX_RETRY_AFTER_SECONDS = 86_400.0


def delay_seconds(attempts: int, *, retry_after: float | None, rng: random.Random) -> float:
    """The wait before the next attempt after `attempts` failed ones (1 = the first failure).

    Drawn uniformly from [MIN_SECONDS, min(CAP_SECONDS, BASE_SECONDS * 2**(attempts-1))], then
    raised to `retry_after` (the service's own Retry-After, in seconds) when that is larger.
    """
    exponent = min(max(attempts, 1) - 1, 32)
    ceiling = min(CAP_SECONDS, BASE_SECONDS * 2.0**exponent)
    delay = rng.uniform(MIN_SECONDS, max(ceiling, MIN_SECONDS))
    if retry_after is not None and retry_after > delay:
        delay = min(retry_after, MAX_RETRY_AFTER_SECONDS)
    return delay


def next_attempt(attempts: int, now: datetime, *, retry_after: float | None, rng: random.Random) -> datetime:
    """When to try again after `attempts` failed attempts, counted from `now`."""
    return now + timedelta(seconds=delay_seconds(attempts, retry_after=retry_after, rng=rng))


def should_give_up(created_at: datetime, now: datetime, give_up_hours: float) -> bool:
    """True once a message has been owed for `give_up_hours` or longer (0 = at the first failure)."""
    return now - created_at >= timedelta(hours=give_up_hours)
