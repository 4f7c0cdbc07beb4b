"""The one module that calls the stages in order.

    fetch → parse → diff → classify → route → render → store (outbox, one transaction)

`poll_source` runs one poll of one source and returns a `PollReport`; delivery happens later,
from the outbox (`monitor.deliver.worker.drain`). Nothing here talks SQL or HTTP itself: it composes
the stage modules, passing plain data between them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from monitor import fetch as fetching
from monitor.catalogue.components import component_lookup
from monitor.classify import Vocabulary, classify, load_vocabulary
from monitor.config.load import load_rules
from monitor.config.types import Rules, SourceConfig
from monitor.deliver import digest
from monitor.deliver.held import hold_alerts
from monitor.deliver.reminders import queue_reminders, resolution_span, with_duration
from monitor.deliver.render import BODY_MAX_CHARS, render_admin, render_alert, truncate
from monitor.deliver.summary import queue_storm
from monitor.deliver.worker import DrainStats, drain
from monitor.diff import diff, suspicious_shrink
from monitor.docs.check import DocChangeReport, assess
from monitor.errors import UserError
from monitor.model import Alert, Change, Classification, FetchResult, Message, Notice
from monitor.probes.round import note_for
from monitor.probes.selfcheck import back_messages, lost_messages, sources_offline
from monitor.route import incidents, sameevent, storm
from monitor.route.recipients import route
from monitor.sources import SourceFormatError, parse_body
from monitor.store import diffs as diff_store
from monitor.store import events as event_store
from monitor.store import notices as notice_store
from monitor.store import open_db, outbox, overrides, write_transaction
from monitor.store import selfcheck as selfcheck_store
from monitor.store import sources as source_store
from monitor.store import threads as thread_store
from monitor.texts import say

log = logging.getLogger(__name__)

#: Sources whose every poll shows the whole set, so a missing item really was removed. (Feeds,
#: listing pages and the status page's incidents.json show only the newest items.)
COMPLETE_KINDS = frozenset({"docpage", "openapi"})
#: Document sources: their changes are API changes by construction (see monitor.docs.check).
DOC_KINDS = frozenset({"docpage", "openapi"})
#: How far back another source's notice may be the same event as a new one.
SAME_EVENT_LOOKBACK = timedelta(days=30)
#: Sort key for notices without a date (doc sections): before every dated one, in source order.
UNDATED = datetime.min.replace(tzinfo=UTC)

Fetcher = Callable[..., FetchResult]
ProbeNote = Callable[[Classification, str], str | None]  # (classification, målform) → note


@dataclass(frozen=True)
class PollReport:
    """What one poll did, for logs, metrics and the demo's printout."""

    source: str
    outcome: str  # "changed", "unchanged", "not_modified", "baseline", "failed"
    changes: tuple[Change, ...] = ()
    classifications: dict[str, Classification] = field(default_factory=dict)
    alerts: tuple[Alert, ...] = ()
    error: str | None = None


def poll_source(
    db: sqlite_utils.Database,
    rules: Rules,
    source: SourceConfig,
    *,
    now: datetime,
    vocabulary: Vocabulary | None = None,
    fetcher: Fetcher = fetching.fetch,
    probe_note: ProbeNote | None = None,
) -> PollReport:
    """Poll `source` once: record the fetch, the changes and the alerts they owe (in the outbox).

    Never raises for a broken source: the failure is recorded, and the admin is told once when
    the source breaks and once when it recovers.
    """
    state = source_store.get_source_state(db, source.name)
    result = fetcher(
        source.url,
        etag=state.etag,
        last_modified=state.last_modified,
        timeout=rules.settings.request_timeout_seconds,
        max_bytes=rules.settings.max_body_bytes,
        allowed_hosts=rules.settings.trusted_hosts,
    )
    if result.not_modified:
        _record(db, rules, source, result, notices=None, error=None, now=now)
        return PollReport(source.name, "not_modified")
    if not result.ok:
        return _failed(db, rules, source, result, result.error or f"HTTP {result.status}", now)
    body_hash = fingerprint(source, result.body)
    if body_hash == state.body_hash and state.baselined_at is not None:
        # The body of the last good poll again: nothing to parse, nothing can have changed.
        _record(db, rules, source, result, notices=None, error=None, now=now, body_hash=body_hash)
        return PollReport(source.name, "unchanged")
    try:
        notices = parse_body(
            result.body, source, content_type=result.content_type, trusted_hosts=rules.settings.trusted_hosts
        )
    except SourceFormatError as error:
        return _failed(db, rules, source, result, str(error), now)

    previous = notice_store.stored_notices(db, source.name)
    # Compare with the last poll, not the whole history: feeds are windowed (20 newest entries).
    shrink = suspicious_shrink(source_store.last_notice_count(db, source.name) or 0, notices)
    if shrink is not None:
        return _failed(db, rules, source, result, shrink, now)

    changes = diff(previous, notices, complete=source.kind in COMPLETE_KINDS)
    baseline = state.baselined_at is None
    docs = (
        {change.notice.notice_id: assess(change, source) for change in changes}
        if source.kind in DOC_KINDS
        else {}
    )
    classifications = {
        # An admin's correction (`driftsvarsel correct`) holds for every later version of the notice.
        change.notice.notice_id: overrides.corrected_classification(
            db,
            notice_store.notice_key(change.notice),
            docs[change.notice.notice_id].classification
            if docs
            else classify(change.notice, vocabulary, component_lookup(rules.components)),
        )
        for change in changes
    }
    threads = incidents.PollThreads.load(db, now)
    alerts = _alerts_for(db, rules, source, changes, classifications, threads, baseline=baseline, now=now)
    alerts, held = (
        (alerts, None)
        if baseline
        else storm.contain(source.name, changes, alerts, rules.settings.max_new_per_poll)
    )
    messages = [(alert, _render(alert, probe_note, db, docs)) for alert in alerts]
    # One transaction: the changes, the alerts they owe, the fetch state and the baseline mark,
    # so a crash anywhere leaves the poll undone (and redone next time), never half done.
    with write_transaction(db):
        notice_store.commit_poll(db, source.name, changes, classifications, messages, now)
        hold_alerts(db, rules, alerts, now)  # quiet hours and digests (the channels' schedules)
        _record_diffs(db, source, changes, docs, now)
        thread_store.record_closures(db, threads.closures, now)
        if held is not None:
            queue_storm(db, rules, held.source, len(held.new), held.held, now)
        _record(db, rules, source, result, notices=len(notices), error=None, now=now, body_hash=body_hash)
        if baseline:
            source_store.mark_baselined(db, source.name, now)
    outcome = "baseline" if baseline else ("changed" if changes else "unchanged")
    log.info(
        "poll %s: %s, %d notices, %d changes, %d alerts",
        source.name,
        outcome,
        len(notices),
        len(changes),
        len(alerts),
    )
    return PollReport(source.name, outcome, tuple(changes), classifications, tuple(alerts))


def _alerts_for(
    db: sqlite_utils.Database,
    rules: Rules,
    source: SourceConfig,
    changes: Sequence[Change],
    classifications: dict[str, Classification],
    threads: incidents.PollThreads,
    *,
    baseline: bool,
    now: datetime,
) -> list[Alert]:
    """Route every change that owes an alert.

    Owe none: removed notices (but removed doc sections, and withdrawn planned work, which goes to
    those who got it: `incidents.withdrawn`), a quiet baseline, and notices another
    source already announced
    (the listing page and the feed carry the same posts under the same id: the first one wins).
    A notice that repeats another source's (same post linked, same window and APIs) alerts only
    what it adds, as an update in that notice's thread (monitor.route.sameevent).
    """
    alerts: list[Alert] = []
    elsewhere = notice_store.seen_elsewhere(db, source.name, (c.notice.notice_id for c in changes))
    # Documentation sections are not announcements: a post linking to an API's docs is no repeat.
    doc_sources = {other.name for other in rules.sources if other.kind in DOC_KINDS}
    known = event_store.others_since(db, source.name, now - SAME_EVENT_LOOKBACK)
    events = sameevent.build(
        item for item in known if item[1].source not in doc_sources and source.name not in doc_sources
    )
    for change in _oldest_first(changes):
        classification = classifications[change.notice.notice_id]
        key = f"{source.name}:{change.notice.notice_id}"
        # A notice taken down was withdrawn (told to those who got it, if it was planned work); a
        # section gone from an API's documentation is an API change for its users.
        withdrawn = change.kind == "removed" and source.kind not in DOC_KINDS
        if withdrawn and not baseline:
            alerts.extend(
                incidents.withdrawn(threads, key, change, classification, language_of=rules.language_of)
            )
        if withdrawn or change.notice.notice_id in elsewhere:
            continue
        if baseline and not _recent(change.notice, rules.settings.baseline_alert_days, now):
            threads.add(key, change.notice, classification, ())
            continue
        routed = route(change, classification, rules)
        original = events.original(change.notice, classification)
        if original is not None and not sameevent.adds(
            change, classification, events.classifications[original]
        ):
            threads.add(key, change.notice, classification, ())
            continue
        if original is not None and classification.category != "resolved":
            routed = incidents.thread_under(threads, original, routed)
        elif classification.category == "resolved":
            routed = incidents.thread_resolution(
                threads, change, classification, routed, now, language_of=rules.language_of
            )
        elif classification.category in incidents.INCIDENT_CATEGORIES and change.kind == "new":
            routed = incidents.thread_follow_up(threads, change, classification, routed, now)
        alerts.extend(routed)
        threads.add(key, change.notice, classification, routed)
    return alerts


def _render(
    alert: Alert,
    probe_note: ProbeNote | None,
    db: sqlite_utils.Database,
    docs: dict[str, DocChangeReport],
) -> Message:
    note = probe_note(alert.classification, alert.language) if probe_note is not None else None
    in_reply_to = outbox.thread_message_id(db, alert.thread_key) if alert.thread_key else None
    change = alert.change
    previous = (
        event_store.classification_of(db, notice_store.notice_key(change.notice), change.version - 1)
        if change.kind == "edited"
        else None
    )
    message = render_alert(alert, probe_note=note, in_reply_to=in_reply_to, previous=previous)
    parent = outbox.item_by_key(db, alert.thread_key) if alert.thread_key else None
    span = resolution_span(alert, parent.created_at if parent is not None else None)
    if span is not None:
        message = with_duration(message, *span)  # "(varte i 3 t 20 min)"
    doc = docs.get(alert.change.notice.notice_id)
    if doc is None:
        return message
    # A documentation or spec change reads best as its diff, not as the whole section/spec.
    return dataclasses.replace(
        message, body=truncate(doc.body_in(alert.language), BODY_MAX_CHARS, alert.language)
    )


def _record_diffs(
    db: sqlite_utils.Database,
    source: SourceConfig,
    changes: Sequence[Change],
    docs: dict[str, DocChangeReport],
    now: datetime,
) -> None:
    """Keep every documentation/spec diff, for `driftsvarsel history`."""
    for change in changes:
        doc = docs.get(change.notice.notice_id)
        if doc is None:
            continue
        diff_store.record_diff(
            db,
            key=notice_store.notice_key(change.notice),
            version=change.version,
            change_kind=change.kind,
            source=source.name,
            kind=doc.diff_kind,
            breaking=doc.breaking,
            text=doc.body,
            now=now,
        )


def _recent(notice: Notice, days: int, now: datetime) -> bool:
    if days <= 0:
        return False
    when = notice.updated or notice.published
    return when is not None and now - when <= timedelta(days=days)


def _oldest_first(changes: Sequence[Change]) -> list[Change]:
    def when(change: Change) -> datetime:
        stamp = change.notice.published or change.notice.updated
        return stamp if stamp is not None else UNDATED

    return sorted(changes, key=when)


def _failed(
    db: sqlite_utils.Database,
    rules: Rules,
    source: SourceConfig,
    result: FetchResult,
    error: str,
    now: datetime,
) -> PollReport:
    log.warning("poll %s failed: %s", source.name, error)
    _record(db, rules, source, result, notices=None, error=error, now=now)
    return PollReport(source.name, "failed", error=error)


def _record(
    db: sqlite_utils.Database,
    rules: Rules,
    source: SourceConfig,
    result: FetchResult,
    *,
    notices: int | None,
    error: str | None,
    now: datetime,
    body_hash: str | None = None,
) -> None:
    """Log the fetch; tell the admin route once when a source breaks and once when it recovers
    (grouped with the other sources' faults of the hour in one message)."""
    transition = source_store.record_fetch(
        db,
        source.name,
        source.kind,
        source.url,
        result,
        notices=notices,
        error=error,
        now=now,
        body_hash=body_hash,
    )
    stamp = f"{source.name}:{now:%Y%m%dT%H%M}"
    _check_network(db, rules, error or result.error, now)
    if transition.broke:
        line = say(
            rules.admin_malform, "admin.source_broken_text", source=source.name, url=source.url, error=error
        )
        subject = say(rules.admin_malform, "admin.source_broken_subject", source=source.name)
        key = f"admin:source-broken:{stamp}"
    elif transition.recovered:
        line = say(rules.admin_malform, "admin.source_recovered_text", source=source.name, url=source.url)
        subject = say(rules.admin_malform, "admin.source_recovered_subject", source=source.name)
        key = f"admin:source-recovered:{stamp}"
    else:
        return
    # One admin message per hour for all source faults (monitor.deliver.digest).
    digest.report(db, rules, topic="sources", key=key, subject=subject, line=line, now=now)


def _check_network(db: sqlite_utils.Database, rules: Rules, error: str | None, now: datetime) -> None:
    """Our own outage (monitor.probes.selfcheck): every source failing to connect is the admin's
    "monitoren har mistet nettverket", once; a source answering again ends it."""
    # Asked before the transaction: it may wait for the reference, and must not hold the lock meanwhile.
    if error is not None and selfcheck_store.is_lost(db):
        return
    why = None if error is None else sources_offline(rules, source_store.source_states(db))
    with write_transaction(db):
        if error is None:
            since = selfcheck_store.mark_back(db)
            messages = [] if since is None else back_messages(rules, now, since)
        else:
            messages = (
                lost_messages(rules, now, why) if why and selfcheck_store.mark_lost(db, now, why) else []
            )
        outbox.enqueue_admin(
            db, [("admin", item.channel, item.idem_key, item.message) for item in messages], now
        )


def report_to_admin(
    db: sqlite_utils.Database, rules: Rules, now: datetime, *, key: str, subject: str, text: str
) -> None:
    """Queue a message to every admin channel (idempotent by `key`)."""
    items = []
    for channel in rules.admin:
        idem_key = f"{key}|admin|{channel.name}"
        items.append(
            ("admin", channel.name, idem_key, render_admin(subject, text, idem_key, rules.admin_malform))
        )
    outbox.enqueue_admin(db, items, now)


@dataclass(frozen=True)
class PollOnce:
    """What `poll --once` did: one report per source polled, then the delivery totals (None with
    `deliver=False`) and the items still waiting in the outbox."""

    reports: tuple[PollReport, ...]
    delivery: DrainStats | None
    waiting: int


def poll_once(
    rules_path: Path,
    *,
    only: Sequence[str] | None = None,
    deliver: bool = True,
    now_fn: Callable[[], datetime] | None = None,
) -> PollOnce:
    """`driftsvarsel poll --once`: poll every enabled source (or `only`), then drain the outbox.

    Raises ConfigError for a bad rules file, UserError for an unknown source name.
    """
    clock = now_fn or utcnow
    rules = load_rules(rules_path)
    unknown = sorted(set(only or ()) - {source.name for source in rules.sources})
    if unknown:
        names = ", ".join(source.name for source in rules.sources)
        raise UserError(f"{rules.path}: no source named {', '.join(unknown)} (sources: {names})")
    db = open_db(rules.settings.database)
    vocabulary = load_vocabulary(rules.vocabulary)
    reports = []
    for source in rules.sources:
        if not source.enabled or (only and source.name not in only):
            continue
        now = clock()
        try:
            report = poll_source(
                db, rules, source, now=now, vocabulary=vocabulary, probe_note=note_for(db, now)
            )
        except (UserError, sqlite3.DatabaseError):
            raise  # the database or the rules, not this source: every source would fail the same way
        except Exception as error:  # a bug in one poll must not stop the others or the deliveries
            log.exception("poll %s crashed", source.name)
            report = PollReport(source.name, "failed", error=f"internal error ({type(error).__name__})")
        reports.append(report)
    totals = None
    if deliver:
        queue_reminders(db, rules, clock())  # "[Fortsatt]" replies owed to open incidents
        totals = DrainStats()
        while True:  # drain until nothing more is due now (a round sends at most 100)
            stats = drain(db, rules, now_fn=clock)
            totals = DrainStats(
                totals.sent + stats.sent, totals.retried + stats.retried, totals.dead + stats.dead
            )
            if stats.sent + stats.retried + stats.dead == 0:
                break
    return PollOnce(tuple(reports), totals, outbox.depth(db).get("pending", 0))


def fingerprint(source: SourceConfig, body: bytes) -> str:
    """What identifies a body as already seen: a hash of the source's kind, URL and the body."""
    digest = hashlib.sha256(f"{source.kind}\n{source.url}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def utcnow() -> datetime:
    """The clock of the daemon and of `poll --once` (aware, UTC)."""
    return datetime.now(UTC)
