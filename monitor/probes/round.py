"""One round of health probes, composed: plan → probe (small thread pool) → state machine → store → alerts.

    session = ProbeSession(rules)           # once per rules load: HTTP client + Maskinporten token cache
    report = run_probe_round(db, rules, now=now, announced=downtime_windows(db, now), session=session)

Results, states, certificate-warning marks and the alerts they owe (outbox) are written in one
transaction, so a crash never loses an alert nor sends one twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
import sqlite_utils

from monitor.config.types import Rules
from monitor.errors import SecretError
from monitor.model import Alert, Classification, Message, ProbeResult
from monitor.probes.alerts import (
    CLIENT_CERTIFICATE,
    AdminMessage,
    cert_warning_messages,
    probe_note,
    transition_alerts,
)
from monitor.probes.check import TokenSource, make_client, probe
from monitor.probes.maskinporten import MaskinportenError, TokenClient, load_credentials
from monitor.probes.plan import ProbeTarget, plan_probes
from monitor.probes.selfcheck import back_messages, lost_messages, network_lost
from monitor.probes.state import Thresholds, Transition, cert_warnings_due, step
from monitor.store import outbox, write_transaction
from monitor.store import probes as probe_store
from monitor.store import selfcheck as selfcheck_store

log = logging.getLogger(__name__)

PROBE_THREADS = 4


@dataclass(frozen=True)
class ProbeRound:
    """What one round did. `alerts` were queued in the outbox when `run_probe_round(enqueue=True)`."""

    results: tuple[ProbeResult, ...]
    transitions: tuple[Transition, ...]
    alerts: tuple[tuple[Alert, Message], ...]
    admin: tuple[AdminMessage, ...]


class ProbeSession:
    """The long-lived parts of probing: one verifying HTTP client and the Maskinporten token cache.

    Create one per rules load and `close()` it when the rules change. Credentials are read lazily;
    when they cannot be read, authenticated probes fall back to unauthenticated ones (logged).
    """

    def __init__(self, rules: Rules, *, client: httpx.Client | None = None) -> None:
        self.rules = rules
        self.client = client or make_client(rules.probes.ca_file)
        self._owns_client = client is None
        self._tokens: TokenClient | None = None
        self._token_problem: str | None = None

    @property
    def client_certificate(self) -> tuple[str, datetime] | None:
        """(client_id, expiry) of the Maskinporten certificate in use (x5c), once credentials are read."""
        if self._tokens is None or self._tokens.credentials.certificate_expires is None:
            return None
        return self._tokens.credentials.client_id, self._tokens.credentials.certificate_expires

    def token_source(self) -> TokenSource | None:
        settings = self.rules.probes.maskinporten
        if not settings.enabled:
            return None
        if self._tokens is None and self._token_problem is None:
            try:
                credentials = load_credentials(settings)
                self._tokens = TokenClient(settings.issuer, credentials, client=self.client)
            except (SecretError, MaskinportenError) as error:
                self._token_problem = str(error)
                log.error("authenticated probes disabled: %s", error)
        return None if self._tokens is None else self._tokens.token

    def close(self) -> None:
        if self._owns_client:
            self.client.close()


def run_probe_round(
    db: sqlite_utils.Database,
    rules: Rules,
    *,
    now: datetime,
    announced: Sequence[tuple[str, Classification]],
    session: ProbeSession | None = None,
    enqueue: bool = True,
) -> ProbeRound:
    """Probe every planned target once and fold the results into the stored state.

    `announced`: (notice key, classification) of downtime notices that may cover now (e.g.
    `monitor.store.notices.downtime_windows(db, now)`). With `enqueue`, alerts for kommuner and
    certificate warnings for the admin route are queued in the outbox in the same transaction.
    Never raises for a failing probe; one broken target does not stop the others. A round in
    which the monitor's own network is down (monitor.probes.selfcheck) is not counted.
    """
    targets = plan_probes(rules)
    own_session = session is None
    session = session or ProbeSession(rules)
    try:
        results = _probe_all(targets, session, now)
        client_certificate = session.client_certificate
        lost = network_lost(results, rules, session.client)
    finally:
        if own_session:
            session.close()
    if lost is not None:
        return _network_lost(db, rules, results, lost, now, enqueue)
    thresholds = Thresholds(rules.probes.failure_threshold, rules.probes.success_threshold)
    transitions: list[Transition] = []
    admin: list[AdminMessage] = []
    with write_transaction(db):
        if (since := selfcheck_store.mark_back(db)) is not None:
            log.warning("the monitor's network is back (lost since %s)", since)
            admin.extend(back_messages(rules, now, since))
        for result in results:
            probe_store.record_result(db, result)
            previous = probe_store.load_state(db, result.api, result.environment)
            state, changed = step(previous, result, thresholds=thresholds, announced=announced, now=now)
            probe_store.save_state(db, state)
            transitions.extend(changed)
            admin.extend(_cert_warnings(db, rules, result, now))
        if client_certificate is not None:
            client_id, expires = client_certificate
            admin.extend(_warn(db, rules, CLIENT_CERTIFICATE, "test", client_id, expires, now))
        alerts = transition_alerts(transitions, rules)
        if enqueue:
            _enqueue(db, alerts, admin, now)
        probe_store.prune_results(db, now - timedelta(days=rules.probes.keep_days))
    for transition in transitions:
        log.warning(
            "probe %s %s: %s %s (%s)",
            transition.api, transition.environment, transition.kind,
            "alerted" if transition.alert else f"not alerted, announced by {transition.announced_by}",
            transition.detail,
        )  # fmt: skip
    return ProbeRound(tuple(results), tuple(transitions), tuple(alerts), tuple(admin))


def _network_lost(
    db: sqlite_utils.Database,
    rules: Rules,
    results: Sequence[ProbeResult],
    why: str,
    now: datetime,
    enqueue: bool,
) -> ProbeRound:
    """A round the monitor's own network spoiled: not counted; the admin told once."""
    log.error("probe round not counted, the monitor's own network is down: %s", why)
    admin: list[AdminMessage] = []
    with write_transaction(db):
        if selfcheck_store.mark_lost(db, now, why):
            admin = lost_messages(rules, now, why)
            if enqueue:
                _enqueue(db, (), admin, now)
    return ProbeRound(tuple(results), (), (), tuple(admin))


def _probe_all(targets: Sequence[ProbeTarget], session: ProbeSession, now: datetime) -> list[ProbeResult]:
    if not targets:
        return []
    token_source = session.token_source()
    timeout = session.rules.probes.timeout_seconds

    def one(target: ProbeTarget) -> ProbeResult | None:
        try:
            return probe(target, now=now, client=session.client, timeout=timeout, token_source=token_source)
        except Exception:  # a bug in one probe must not stop the round; logged with its trace
            log.exception("probe %s crashed", target.label)
            return None

    with ThreadPoolExecutor(max_workers=min(PROBE_THREADS, len(targets))) as pool:
        found = list(pool.map(one, targets))
    return [result for result in found if result is not None]


def _cert_warnings(
    db: sqlite_utils.Database, rules: Rules, result: ProbeResult, now: datetime
) -> list[AdminMessage]:
    if result.cert_expires is None:
        return []
    host = urlsplit(result.url).hostname or result.url
    return _warn(db, rules, result.api, result.environment, host, result.cert_expires, now)


def _warn(
    db: sqlite_utils.Database,
    rules: Rules,
    api: str,
    environment: str,
    host: str,
    expires: datetime,
    now: datetime,
) -> list[AdminMessage]:
    """Certificate-expiry warnings not yet sent for this certificate (recorded as sent)."""
    sent = probe_store.sent_cert_warnings(db, api, environment, expires)
    due = cert_warnings_due(expires, now, days=rules.probes.cert_warning_days, sent=sent)
    if not due:
        return []
    probe_store.record_cert_warnings(db, api, environment, expires, due, now)
    log.warning("certificate of %s expires %s (%d-day warning)", host, expires, min(due))
    return cert_warning_messages(rules, api, environment, host, expires, min(due), now)


def _enqueue(
    db: sqlite_utils.Database,
    alerts: Sequence[tuple[Alert, Message]],
    admin: Sequence[AdminMessage],
    now: datetime,
) -> None:
    entries = [
        outbox.OutboxEntry(
            idem_key=alert.key,
            notice_key=f"{alert.change.notice.source}:{alert.change.notice.notice_id}",
            version=alert.change.version,
            kommune=alert.kommune_number,
            channel=alert.channel,
            message=message,
            thread_key=alert.thread_key,
        )
        for alert, message in alerts
    ]
    outbox.enqueue(db, entries, now=now)
    outbox.enqueue_admin(db, [("admin", item.channel, item.idem_key, item.message) for item in admin], now)


def probe_without_recording(rules: Rules, now: datetime) -> tuple[ProbeResult, ...]:
    """Probe every planned target once; nothing is stored and nothing queued (`probe --dry-run`)."""
    session = ProbeSession(rules)
    try:
        return tuple(_probe_all(plan_probes(rules), session, now))
    finally:
        session.close()


def note_for(db: sqlite_utils.Database, now: datetime) -> Callable[[Classification, str], str | None]:
    """`pipeline.poll_source(probe_note=...)`: what the probes see now, for notices about downtime
    or errors (None for other categories, or when no probe covers the notice's APIs)."""
    states = probe_store.load_states(db)

    def note(classification: Classification, language: str = "nb") -> str | None:
        if classification.category not in ("downtime", "error"):
            return None
        return probe_note(
            classification.apis, states, now=now, environment=classification.environment, language=language
        )

    return note
