"""The daemon's `probes` job: one probe round every `probes.interval_seconds`, with jitter.

    daemon.extra_jobs.append(add_probe_job)     # before daemon.schedule()

`add_probe_job` (re)schedules the job for the daemon's current rules on every `schedule()` (start
and SIGHUP reload) and removes it when no kommune uses a probed API. The job keeps one
`ProbeSession` per rules object (HTTP client, Maskinporten token cache), takes the announced
downtime windows from the notice store, queues its alerts atomically, and wakes delivery.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from apscheduler.triggers.interval import IntervalTrigger

from monitor.config.types import Rules
from monitor.probes.plan import plan_probes
from monitor.probes.round import ProbeSession, run_probe_round
from monitor.service import metrics
from monitor.store.notices import downtime_windows

log = logging.getLogger(__name__)

JOB_ID = "probes"


class Scheduling(Protocol):
    """What the job needs from `monitor.service.daemon.Daemon`."""

    rules: Rules
    scheduler: Any
    now_fn: Callable[[], datetime]

    def db(self) -> Any: ...

    def wake_delivery(self) -> None: ...


class ProbeJob:
    """A callable job bound to one daemon; safe to call from the scheduler's thread pool."""

    def __init__(self, daemon: Scheduling) -> None:
        self.daemon = daemon
        self._lock = threading.Lock()
        self._session: ProbeSession | None = None

    def __call__(self) -> None:
        if not self._lock.acquire(blocking=False):
            log.warning("probe round skipped: the previous one is still running")
            return
        try:
            self._round()
        except Exception:  # a bug in one round must not stop the daemon; logged with its trace
            log.exception("probe round crashed")
        finally:
            self._lock.release()

    def _round(self) -> None:
        rules = self.daemon.rules
        if self._session is None or self._session.rules is not rules:
            if self._session is not None:
                self._session.close()
            self._session = ProbeSession(rules)
        db = self.daemon.db()
        now = self.daemon.now_fn()
        report = run_probe_round(
            db, rules, now=now, announced=downtime_windows(db, now), session=self._session
        )
        for result in report.results:
            latency = None if result.latency_ms is None else result.latency_ms / 1000
            metrics.set_probe(result.api, result.environment, result.state == "up", latency)
        if report.alerts or report.admin:
            self.daemon.wake_delivery()


_JOBS: dict[int, ProbeJob] = {}


def add_probe_job(daemon: Scheduling) -> None:
    """Schedule (or reschedule, or remove) the probe job for the daemon's current rules."""
    rules = daemon.rules
    existing = daemon.scheduler.get_job(JOB_ID)
    if not plan_probes(rules):
        if existing is not None:
            existing.remove()
        return
    job = _JOBS.setdefault(id(daemon), ProbeJob(daemon))
    trigger = IntervalTrigger(
        seconds=rules.probes.interval_seconds, jitter=rules.probes.jitter_seconds or None
    )
    if existing is not None:
        # Only a changed interval restarts it: frequent reloads must not keep postponing probes.
        current = existing.trigger
        if (current.interval_length, current.jitter) != (trigger.interval_length, trigger.jitter):
            existing.reschedule(trigger)
        return
    daemon.scheduler.add_job(job, trigger, id=JOB_ID, next_run_time=daemon.now_fn())
