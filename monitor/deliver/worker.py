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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from monitor.config.types import ChannelConfig, Rules
from monitor.deliver.backoff import next_attempt, should_give_up
from monitor.deliver.deadletter import DeadReason, enqueue_fallback, find_channel, report_dead
from monitor.deliver.silence import hold_if_silenced
from monitor.errors import UserError
from monitor.localtime import local_time
from monitor.model import DeliveryResult
from monitor.redact import redact
from monitor.store import outbox, write_transaction
from monitor.store.outbox import OutboxItem

log = logging.getLogger(__name__)

#: A sender for one item. The item it gets carries in `thread_ref` the reference to reply
#: under (the parent's Slack ts / Message-ID), or None; for email `message.in_reply_to` too.
SendFn = Callable[[OutboxItem, ChannelConfig], DeliveryResult]

#: Slack allows about one message per second per channel; Teams throttles at four per second.
RATE_LIMIT_SECONDS = 1.0
RATE_LIMITED_KINDS = frozenset({"slack_webhook", "slack_bot", "teams"})
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


class RateLimiter:
    """When each target (webhook or channel) may get its next message.

    `drain` makes a fresh one per call unless given one; the daemon may keep one across drains.
    """

    def __init__(self, interval_seconds: float = RATE_LIMIT_SECONDS) -> None:
        self.interval = timedelta(seconds=interval_seconds)
        self._free_at: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def free_at(self, target: str) -> datetime | None:
        with self._lock:
            return self._free_at.get(target)

    def record(self, target: str, sent_at: datetime) -> None:
        with self._lock:
            self._free_at[target] = sent_at + self.interval


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
) -> DrainStats:
    """Send up to `limit` due outbox items; returns counts. Never raises for a delivery problem.

    `send` defaults to the real channel senders (`monitor.deliver.SENDERS`) with secrets
    resolved at this edge. `stop` ends the round between items (for a clean shutdown).
    """
    send_fn = send if send is not None else real_sender(rules)
    limiter = limiter if limiter is not None else RateLimiter()
    rng = rng if rng is not None else random.Random()
    counts: Counter[str] = Counter()
    for item in outbox.due(db, now_fn(), limit):
        if stop is not None and stop.is_set():
            break
        try:
            counts[_process(db, rules, item, send_fn, limiter, rng, now_fn)] += 1
        except Exception:  # a bug around one item must not stop the rest; it is retried after LEASE
            log.exception("delivery of outbox item %d crashed", item.id)
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


def _process(
    db: sqlite_utils.Database,
    rules: Rules,
    item: OutboxItem,
    send: SendFn,
    limiter: RateLimiter,
    rng: random.Random,
    now_fn: Callable[[], datetime],
) -> str:
    now = now_fn()
    if hold_if_silenced(db, item, now) is not None:
        log.info("outbox %d to %s/%s is silenced, not sent", item.id, item.kommune, item.channel)
        return "silenced"
    channel = find_channel(rules, item.kommune, item.channel)
    if channel is None:
        result = DeliveryResult(False, None, "kanalen finnes ikke lenger i rules.yaml", permanent=True)
        with write_transaction(db):  # dead and reported together, or neither
            outbox.mark_dead(db, item.id, result, now, attempted=False)
            report_dead(db, rules, item, result, None, now, reason="gone")
        return "dead"
    thread_ref: str | None = None
    if item.thread_key is not None:
        parent = outbox.item_by_key(db, item.thread_key)
        if parent is not None and parent.state == "pending":
            outbox.defer(db, item.id, max(parent.next_attempt_at, now) + PARENT_WAIT)
            return "deferred"
        thread_ref = parent.thread_ref if parent is not None else None
    target = _rate_target(channel)
    free_at = limiter.free_at(target) if target is not None else None
    if free_at is not None and free_at > now:
        outbox.defer(db, item.id, free_at)
        return "deferred"
    if not outbox.claim(db, item.id, now, now + LEASE, holder=HOLDER):
        return "skipped"
    result = _safe_send(send, _for_sending(item, channel, thread_ref), channel)
    done_at = now_fn()
    if target is not None:
        limiter.record(target, done_at)
    return _settle(db, rules, item, channel, result, rng, done_at)


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
        return replace(result, detail=redact(result.detail))
    except Exception as error:  # senders should not raise; if one does, retry like a network error
        # Only the type: an exception text may hold a webhook URL, which is a secret.
        log.error("sender for %s raised %s", channel.kind, type(error).__name__)
        return DeliveryResult(False, None, f"uventet feil i avsenderen ({type(error).__name__})")


def open_outbox_db(
    database: Path | None, rules_path: Path, *, writable: bool = False
) -> sqlite_utils.Database:
    """The database for the `outbox` command: `database`, else the rules file's settings.database.

    Raises UserError when the file does not exist (the command must not create an empty one), or,
    with `writable` (for `outbox retry`), when it cannot be written.
    """
    from monitor.store import open_existing

    if database is None:
        from monitor.config.load import load_rules

        database = load_rules(rules_path).settings.database
    return open_existing(database, writable=writable)


def retry(db: sqlite_utils.Database, item_id: int | None, now: datetime | None = None) -> int:
    """Re-queue item `item_id` (None: every dead and failing one) to be sent now; returns how many.

    Raises UserError when the id names no dead or pending item (done items are never resent).
    """
    count = outbox.requeue(db, item_id, now or datetime.now(UTC))
    if item_id is not None and count == 0:
        item = outbox.get_item(db, item_id)
        state = "does not exist" if item is None else f"is {item.state}"
        raise UserError(f"outbox item {item_id} {state}; only dead or pending items can be retried")
    return count


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


def _rate_target(channel: ChannelConfig) -> str | None:
    """Identifies the place a message lands, by secret reference and target (never the secret)."""
    if channel.kind not in RATE_LIMITED_KINDS:
        return None
    return f"{channel.kind}|{channel.secret or ''}|{channel.target or ''}"
