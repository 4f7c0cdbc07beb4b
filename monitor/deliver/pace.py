"""How fast each target is served: a rate per target, Retry-After per target, lanes side by side.

A *target* is the place a message lands: one Slack webhook, one Slack channel through a bot, one
Teams Workflows URL, one email channel. Each target gets a *lane*: its items in outbox order, sent
one at a time and spaced by its kind's interval (`INTERVALS`). The lanes of different targets run
at once in a bounded thread pool (`POOL_THREADS`), so a slow or rate-limited target never holds up
another. Lanes only send; every database write stays on the caller's thread (`on_outcome`).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from monitor.config.types import ChannelConfig
from monitor.model import DeliveryResult
from monitor.store.outbox import OutboxItem

#: Seconds between two messages to one target, per channel kind. Slack: "1 per second" per
#: webhook or channel; Teams: more than four requests in one second are throttled (the Workflows
#: limit is unpublished), so a little under four; email: one message at a time per channel.
INTERVALS: dict[str, float] = {"slack_webhook": 1.0, "slack_bot": 1.0, "teams": 0.3, "email": 0.0}
#: Lanes sent at the same time (each holds at most one connection to its target).
POOL_THREADS = 8


class RateLimiter:
    """When each target may get its next message.

    With `interval_seconds`, every kind gets that interval (0: no spacing); else `INTERVALS`.
    `drain` makes a fresh one per call unless given one; the daemon keeps one across drains.
    """

    def __init__(self, interval_seconds: float | None = None) -> None:
        self._fixed = interval_seconds
        self._free_at: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def interval(self, kind: str) -> timedelta:
        seconds = self._fixed if self._fixed is not None else INTERVALS.get(kind, 0.0)
        return timedelta(seconds=seconds)

    def free_at(self, target: str) -> datetime | None:
        with self._lock:
            return self._free_at.get(target)

    def record(self, target: str, sent_at: datetime, kind: str, retry_after: float | None = None) -> None:
        """A message to `target` ended at `sent_at`; a Retry-After (seconds) blocks it longer."""
        free = sent_at + self.interval(kind)
        if retry_after:
            free = max(free, sent_at + timedelta(seconds=retry_after))
        with self._lock:
            self._free_at[target] = max(free, self._free_at.get(target, free))


def lane_key(channel: ChannelConfig, kommune: str) -> str:
    """The target of a channel: secret reference and target for chat (never the secret itself),
    the kommune's channel for email (so one channel's messages go out in order, one at a time)."""
    if channel.kind == "email":
        return f"email|{kommune}|{channel.name}"
    return f"{channel.kind}|{channel.secret or ''}|{channel.target or ''}"


@dataclass(frozen=True)
class Planned:
    """A claimed item in a lane. `parent_key`: its thread parent is sent earlier in the same lane."""

    item: OutboxItem
    channel: ChannelConfig
    thread_ref: str | None = None
    parent_key: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What a lane did with one item; `result` None means not sent (stop, rate, failed parent)."""

    planned: Planned
    result: DeliveryResult | None
    at: datetime


SendPlanned = Callable[[Planned], DeliveryResult]


@dataclass(frozen=True)
class LaneRun:
    """How lanes run: `budget` is how many seconds a lane may wait for its target's next turn."""

    send: SendPlanned
    limiter: RateLimiter
    now_fn: Callable[[], datetime]
    stop: threading.Event
    budget: float = 0.0


def run_lanes(
    lanes: dict[str, list[Planned]],
    run: LaneRun,
    on_outcome: Callable[[Outcome], None],
    on_idle: Callable[[], None] | None = None,
) -> None:
    """Run every lane in the pool; `on_outcome` is called on THIS thread, in each lane's order.

    `on_idle` (also on this thread) is called whenever no outcome is waiting, before waiting for
    the next one, and once at the end: the caller records what came in together in one go.
    """
    if not lanes:
        return
    outcomes: queue.Queue[Outcome | None] = queue.Queue()
    with ThreadPoolExecutor(min(POOL_THREADS, len(lanes)), thread_name_prefix="lane") as pool:
        for target, items in lanes.items():
            pool.submit(_lane, target, items, run, outcomes)
        running = len(lanes)
        while running:
            try:
                outcome = outcomes.get_nowait()
            except queue.Empty:
                if on_idle is not None:
                    on_idle()
                outcome = outcomes.get()
            if outcome is None:
                running -= 1
            else:
                on_outcome(outcome)
    if on_idle is not None:
        on_idle()


def _lane(target: str, items: list[Planned], run: LaneRun, outcomes: queue.Queue[Outcome | None]) -> None:
    deadline = time.monotonic() + run.budget
    refs: dict[str, str | None] = {}  # idem_key → thread_ref of what this lane delivered
    try:
        for planned in items:
            if planned.parent_key is not None:
                if planned.parent_key not in refs:  # the parent failed: the reply waits
                    outcomes.put(Outcome(planned, None, run.now_fn()))
                    continue
                planned = replace(planned, thread_ref=refs[planned.parent_key])
            if run.stop.is_set() or not _wait_turn(target, run, deadline):
                outcomes.put(Outcome(planned, None, run.now_fn()))
                continue
            result = run.send(planned)
            done = run.now_fn()
            run.limiter.record(target, done, planned.channel.kind, result.retry_after)
            if result.ok:
                refs[planned.item.idem_key] = result.thread_ref
            outcomes.put(Outcome(planned, result, done))
    finally:
        outcomes.put(None)


def _wait_turn(target: str, run: LaneRun, deadline: float) -> bool:
    """Wait until `target` is free, if that is within the lane's budget; whether it is free."""
    free = run.limiter.free_at(target)
    if free is None or free <= run.now_fn():
        return True
    wait = (free - run.now_fn()).total_seconds()
    if time.monotonic() + wait > deadline:
        return False
    run.stop.wait(wait)
    # A clock that did not move (tests, the demo's replay clock) leaves the target busy.
    free = run.limiter.free_at(target)
    return not run.stop.is_set() and (free is None or free <= run.now_fn())
