"""The delivery worker: sends what the outbox owes, with retries that survive restarts.

`drain` takes the due items, finds each item's channel in the CURRENT rules and sends it. Then:
delivered → done (its thread_ref kept for replies); permanent failure → dead at once, the
admin route told, the channel's `fallback` channel queued; retryable → retried with backoff
(Retry-After honoured) until `settings.give_up_hours`, then dead like a permanent failure.

Delivery is at-least-once: an item is claimed (leased for LEASE, held by this process's
HOLDER) before sending and marked after; a crash between the send and the mark sends it again
once the lease runs out, or at once when the next start releases the dead process's claims
(`release_stale_claims`). A done item is never sent again. One failing channel never stops
the others: every outcome, even an exception in a sender, is recorded on that item alone.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlite_utils

from monitor.config.types import ChannelConfig, Rules
from monitor.deliver import held
from monitor.deliver.backoff import next_attempt, should_give_up
from monitor.deliver.deadletter import DeadReason, enqueue_fallback, find_channel, report_dead
from monitor.deliver.pace import LaneRun, Outcome, Planned, RateLimiter, lane_key, run_lanes
from monitor.deliver.silence import hold_if_silenced
from monitor.localtime import local_time
from monitor.model import DeliveryResult
from monitor.redact import redact
from monitor.store import outbox, write_transaction
from monitor.store import silences as silence_store
from monitor.store.outbox import OutboxItem
from monitor.store.silences import Silence

log = logging.getLogger(__name__)

#: A sender for one item. The item it gets carries in `thread_ref` the reference to reply
#: under (the parent's Slack ts / Message-ID), or None; for email `message.in_reply_to` too.
SendFn = Callable[[OutboxItem, ChannelConfig], DeliveryResult]

#: How long a claimed item is hidden from other drains while it is being sent.
LEASE = timedelta(minutes=5)
#: A reply waits this long after its still-pending parent's next attempt.
PARENT_WAIT = timedelta(seconds=5)
#: Who holds this process's claims: "host:pid:nonce" (the nonce tells a reused pid apart).
HOLDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class DrainStats:
    """What one drain did. `next_due` is when the earliest pending item is due (None: none)."""

    sent: int = 0
    retried: int = 0
    dead: int = 0
    deferred: int = 0
    next_due: datetime | None = None


def drain(
    db: sqlite_utils.Database,
    rules: Rules,
    *,
    now_fn: Callable[[], datetime],
    send: SendFn | None = None,
    limit: int = 100,
    stop: threading.Event | None = None,
    limiter: RateLimiter | None = None,
    rng: random.Random | None = None,
    lane_seconds: float = 0.0,
) -> DrainStats:
    """Send up to `limit` due outbox items; returns counts. Never raises for a delivery problem.

    Items are grouped by target into lanes (`monitor.deliver.pace`) that run side by side, each at
    its target's rate. `lane_seconds` is how long a lane may wait for its target's next turn within
    this drain (0: one message per busy target per drain); items beyond it are deferred to their
    turn. `send` defaults to the real channel senders with secrets resolved at this edge. `stop`
    ends the round between items (for a clean shutdown); what was not sent stays due.
    """
    send_fn = send if send is not None else real_sender(rules)
    limiter = limiter if limiter is not None else RateLimiter()
    rng = rng if rng is not None else random.Random()
    counts: Counter[str] = Counter()
    now = now_fn()
    with write_transaction(db):  # one commit for the round's claims and deferrals
        plan = _Plan(limiter, now, lane_seconds, silence_store.active(db, now))
        for item in outbox.due(db, now, limit):
            if stop is not None and stop.is_set():
                break
            try:
                counts[_plan_item(db, rules, item, plan)] += 1
            except Exception:  # a bug around one item must not stop the rest; retried after LEASE
                log.exception("delivery of outbox item %d crashed", item.id)

    waiting: list[Outcome] = []

    def record_waiting() -> None:
        counts.update(_record(db, rules, waiting, limiter, rng, plan.mates))
        waiting.clear()

    run = LaneRun(_planned_sender(send_fn), limiter, now_fn, stop or threading.Event(), lane_seconds)
    run_lanes(plan.lanes, run, waiting.append, record_waiting)
    return DrainStats(
        sent=counts["sent"],
        retried=counts["retried"],
        dead=counts["dead"],
        deferred=counts["deferred"],
        next_due=outbox.next_due_at(db),
    )


def real_sender(rules: Rules) -> SendFn:
    """A SendFn that resolves the channel's secrets and calls `monitor.deliver.SENDERS[kind]`."""
    from monitor.deliver.send import send_message

    def send(item: OutboxItem, channel: ChannelConfig) -> DeliveryResult:
        return send_message(rules, item.message, channel, item.thread_ref)

    return send


class _Plan:
    """The lanes of one drain and the next free turn of each target."""

    def __init__(self, limiter: RateLimiter, now: datetime, budget: float, silences: list[Silence]) -> None:
        self.limiter, self.now, self.budget = limiter, now, budget
        self.silences = silences  # active at `now`, read in the round's transaction
        self.lanes: dict[str, list[Planned]] = {}
        self.turns: dict[str, datetime] = {}
        self.lane_of: dict[str, str] = {}  # idem_key → lane of every item planned in this drain
        self.mates: dict[int, tuple[OutboxItem, list[OutboxItem]]] = {}  # digest item id → (it, mates)

    def turn(self, target: str) -> datetime:
        if target not in self.turns:
            self.turns[target] = max(self.now, self.limiter.free_at(target) or self.now)
        return self.turns[target]


def _plan_item(db: sqlite_utils.Database, rules: Rules, item: OutboxItem, plan: _Plan) -> str:
    """Put a due item in its target's lane (claimed), or defer it, or dead-letter it; the outcome."""
    now = plan.now
    if hold_if_silenced(db, item, now, plan.silences) is not None:
        log.info("outbox %d to %s/%s is silenced, not sent", item.id, item.kommune, item.channel)
        return "silenced"
    channel = find_channel(rules, item.kommune, item.channel)
    if channel is None:
        result = DeliveryResult(False, None, "kanalen finnes ikke lenger i rules.yaml", permanent=True)
        with write_transaction(db):  # dead and reported together, or neither
            outbox.mark_dead(db, item.id, result, now, attempted=False)
            report_dead(db, rules, item, result, None, now, reason="gone")
        return "dead"
    target = lane_key(channel, item.kommune)
    thread_ref: str | None = None
    parent_key: str | None = None
    if item.thread_key is not None:
        if plan.lane_of.get(item.thread_key) == target:
            parent_key = item.thread_key  # sent just before it, in the same lane
        elif item.thread_key in plan.lane_of:
            outbox.defer(db, item.id, now + PARENT_WAIT)
            return "deferred"
        else:
            parent = outbox.item_by_key(db, item.thread_key)
            if parent is not None and parent.state == "pending":
                outbox.defer(db, item.id, max(parent.next_attempt_at, now) + PARENT_WAIT)
                return "deferred"
            thread_ref = parent.thread_ref if parent is not None else None
    turn = plan.turn(target)
    plan.turns[target] = turn + plan.limiter.interval(channel.kind)
    if (turn - now).total_seconds() > plan.budget:
        outbox.defer(db, item.id, turn)
        return "deferred"
    if not outbox.claim(db, item.id, now, now + LEASE, holder=HOLDER):
        return "skipped"
    # A digest item carries its due mates (claimed with it; a silenced one stays held, not sent).
    mates = [
        mate
        for mate in held.collect_digest(db, item, now, holder=HOLDER, lease=LEASE)
        if hold_if_silenced(db, mate, now, plan.silences) is None
    ]
    planned = Planned(held.as_digest(item, mates), channel, thread_ref, parent_key)
    plan.lanes.setdefault(target, []).append(planned)
    plan.lane_of[item.idem_key] = target
    if mates:
        plan.mates[item.id] = (item, mates)
    return "planned"


def _record(
    db: sqlite_utils.Database,
    rules: Rules,
    outcomes: list[Outcome],
    limiter: RateLimiter,
    rng: random.Random,
    mates: dict[int, tuple[OutboxItem, list[OutboxItem]]],
) -> Counter[str]:
    """Record the outcomes that came in together in one transaction (one commit, not one per
    message); returns what happened to them. Should the commit fail, their claims stay: the
    items are sent again after LEASE or at the next start, as after a crash (at-least-once).
    """
    counts: Counter[str] = Counter()
    if not outcomes:
        return counts
    try:
        with write_transaction(db):
            for outcome in outcomes:
                try:  # each store write is atomic (a savepoint) on its own, as in its own commit
                    counts[_after_send(db, rules, outcome, limiter, rng, mates)] += 1
                except Exception:
                    log.exception("delivery of outbox item %d crashed", outcome.planned.item.id)
    except Exception:
        log.exception("recording %d deliveries failed; they will be sent again", len(outcomes))
        return Counter()
    return counts


def _after_send(
    db: sqlite_utils.Database,
    rules: Rules,
    outcome: Outcome,
    limiter: RateLimiter,
    rng: random.Random,
    mates: dict[int, tuple[OutboxItem, list[OutboxItem]]] | None = None,
) -> str:
    """Record what a lane did with an item (on the drain's thread, which owns the connection)."""
    item, channel = outcome.planned.item, outcome.planned.channel
    item, digest_mates = (mates or {}).get(item.id, (item, []))
    if outcome.result is not None:
        for mate in digest_mates:  # one digest, one result for every notice in it
            _settle(db, rules, mate, channel, outcome.result, rng, outcome.at)
        return _settle(db, rules, item, channel, outcome.result, rng, outcome.at)
    when = outcome.at
    parent_key = outcome.planned.parent_key
    parent = outbox.item_by_key(db, parent_key) if parent_key is not None else None
    if parent is not None and parent.state == "pending":
        when = max(parent.next_attempt_at, when) + PARENT_WAIT
    else:
        when = max(when, limiter.free_at(lane_key(channel, item.kommune)) or when)
    for mate in digest_mates:
        outbox.defer(db, mate.id, when)
    outbox.defer(db, item.id, when)  # not sent: back in the queue, no attempt counted
    return "deferred"


def _planned_sender(send: SendFn) -> Callable[[Planned], DeliveryResult]:
    def send_planned(planned: Planned) -> DeliveryResult:
        item = _for_sending(planned.item, planned.channel, planned.thread_ref)
        return _safe_send(send, item, planned.channel)

    return send_planned


def _settle(
    db: sqlite_utils.Database,
    rules: Rules,
    item: OutboxItem,
    channel: ChannelConfig,
    result: DeliveryResult,
    rng: random.Random,
    now: datetime,
) -> str:
    where = f"outbox {item.id} to {item.kommune}/{item.channel}"
    if result.ok:
        log.info("delivered %s (%s)", where, result.status)
        outbox.mark_done(db, item.id, result, now)
        return "sent"
    started = item.requeued_at or item.created_at
    if not result.permanent and not should_give_up(started, now, rules.settings.give_up_hours):
        when = next_attempt(item.attempts + 1, now, retry_after=result.retry_after, rng=rng)
        log.warning(
            "delivery of %s failed, retry at %s: %s", where, local_time(when, seconds=True), result.detail
        )
        outbox.mark_retry(db, item.id, result, when, now)
        return "retried"
    log.error("delivery of %s is dead: %s", where, result.detail)
    with write_transaction(db):  # dead, fallback and report together, or neither
        outbox.mark_dead(db, item.id, result, now)
        fallback = enqueue_fallback(db, rules, item, channel, now)
        reason: DeadReason = "permanent" if result.permanent else "gave_up"
        report_dead(db, rules, item, result, fallback, now, reason=reason)
    return "dead"


def _for_sending(item: OutboxItem, channel: ChannelConfig, thread_ref: str | None) -> OutboxItem:
    if thread_ref is None and item.thread_ref is None:
        return item  # most items: nothing to change, no copy
    message = item.message
    if channel.kind == "email" and thread_ref is not None:
        message = replace(message, in_reply_to=thread_ref)
    return replace(item, message=message, thread_ref=thread_ref)


def _safe_send(send: SendFn, item: OutboxItem, channel: ChannelConfig) -> DeliveryResult:
    """The sender's result with every registered secret masked in its detail: a receiver may quote
    the request URL (webhook path, Teams `sig=`), and the detail goes to the log, the outbox and
    the admin route."""
    try:
        result = send(item, channel)
        detail = redact(result.detail)
        return result if detail == result.detail else replace(result, detail=detail)
    except Exception as error:  # senders should not raise; if one does, retry like a network error
        # Only the type: an exception text may hold a webhook URL, which is a secret.
        log.error("sender for %s raised %s", channel.kind, type(error).__name__)
        return DeliveryResult(False, None, f"uventet feil i avsenderen ({type(error).__name__})")


def release_stale_claims(db: sqlite_utils.Database, now: datetime) -> int:
    """At start: make the items a crashed process had claimed due now (see `holder_alive`)."""
    released = outbox.release_stale_claims(db, now, alive=holder_alive)
    if released:
        log.warning("%d deliveries were in flight when the last process died; sending them again", released)
    return released


def holder_alive(holder: str) -> bool:
    """Whether the process that wrote claim `holder` may still be sending.

    SQLite in WAL mode is only shared between processes on one host, so a claim from another
    host name (the host was renamed, e.g. a new container) is from a dead process; so is one
    with our own pid but another nonce (a restart that got the same pid, e.g. pid 1).
    """
    if holder == HOLDER:
        return True
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, run by another user
        return True
    return True
