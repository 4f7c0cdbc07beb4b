"""One round of health probes, composed: plan → probe (small thread pool) → state machine → store → alerts.

    session = ProbeSession(rules)           # once per rules load: HTTP client + Maskinporten token cache
    report = run_probe_round(db, rules, now=now, announced=downtime_windows(db, now), session=session)

Results, states, certificate-warning marks and the alerts they owe (outbox) are written in one
transaction, so a crash never loses an alert nor sends one twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
import sqlite_utils

from monitor.configtypes import Rules
from monitor.errors import SecretError
from monitor.maskinporten import MaskinportenError, TokenClient, load_credentials
from monitor.model import Alert, Classification, Message, ProbeResult
from monitor.probealerts import AdminMessage, cert_warning_messages, transition_alerts
from monitor.probeplan import ProbeTarget, plan_probes
from monitor.probes import TokenSource, make_client, probe
from monitor.probestate import Thresholds, Transition, cert_warnings_due, step
from monitor.store import outbox
from monitor.store import probes as probe_store

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
    Never raises for a failing probe; one broken target does not stop the others.
    """
    targets = plan_probes(rules)
    own_session = session is None
    session = session or ProbeSession(rules)
    try:
        results = _probe_all(targets, session, now)
    finally:
        if own_session:
            session.close()
    thresholds = Thresholds(rules.probes.failure_threshold, rules.probes.success_threshold)
    transitions: list[Transition] = []
    admin: list[AdminMessage] = []
    with db.atomic():
        for result in results:
            probe_store.record_result(db, result)
            previous = probe_store.load_state(db, result.api, result.environment)
            state, changed = step(previous, result, thresholds=thresholds, announced=announced, now=now)
            probe_store.save_state(db, state)
            transitions.extend(changed)
            admin.extend(_cert_warnings(db, rules, result, now))
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
    expires = result.cert_expires
    if expires is None:
        return []
    sent = probe_store.sent_cert_warnings(db, result.api, result.environment, expires)
    due = cert_warnings_due(expires, now, days=rules.probes.cert_warning_days, sent=sent)
    if not due:
        return []
    probe_store.record_cert_warnings(db, result.api, result.environment, expires, due, now)
    host = urlsplit(result.url).hostname or result.url
    log.warning("certificate of %s expires %s (%d-day warning)", host, expires, min(due))
    return cert_warning_messages(rules, result.api, result.environment, host, expires, min(due), now)


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


def probe_once_report(db: sqlite_utils.Database, rules: Rules, now: datetime) -> str:
    """`driftsvarsel probe --once`: one recorded round (alerts queued as the daemon would), as a table."""
    from monitor.probestatus import results_table
    from monitor.store.notices import downtime_windows

    report = run_probe_round(db, rules, now=now, announced=downtime_windows(db, now))
    lines = [results_table(report.results)]
    lines += [
        f"{t.api} ({t.environment}): {t.kind}, {'alert queued' if t.alert else 'announced'}"
        for t in report.transitions
    ]
    return "\n".join(lines)
