"""The long-running service: APScheduler jobs, signals, systemd notify.

Jobs (one thread pool, each thread with its own SQLite connection):
- `poll:<source>` every source's interval, with jitter;
- `deliver`, draining the outbox every few seconds (and right after a poll that owes alerts);
- `probes`, one round of health probes (when some kommune uses an API);
- `watchdog`, WATCHDOG=1 to systemd from the scheduler itself, so a stuck scheduler is restarted;
- `heartbeat`, an optional daily "still alive" message to the admin route.

SIGHUP reloads rules.yaml (kept as it was when the new file is invalid); SIGTERM/SIGINT stop
polling, let in-flight deliveries finish (bounded), and exit 0.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor import metrics, sdnotify, service
from monitor.classify import Vocabulary, load_vocabulary
from monitor.config import load_rules
from monitor.configtypes import Rules, SourceConfig
from monitor.errors import ConfigError
from monitor.pipeline import poll_source
from monitor.probejob import add_probe_job
from monitor.proberound import note_for
from monitor.store import open_db
from monitor.worker import RateLimiter, drain

log = logging.getLogger(__name__)

DELIVER_INTERVAL_SECONDS = 5
SHUTDOWN_GRACE_SECONDS = 30.0
POOL_THREADS = 4


def utcnow() -> datetime:
    return datetime.now(UTC)


class Daemon:
    """Owns the scheduler and the current rules. `run()` blocks until SIGTERM/SIGINT."""

    def __init__(self, rules_path: Path, *, now_fn: Callable[[], datetime] = utcnow) -> None:
        self.rules_path = rules_path
        self.rules: Rules = load_rules(rules_path)
        self.vocabulary: Vocabulary = load_vocabulary(self.rules.vocabulary)
        self.now_fn = now_fn
        self.stop_event = threading.Event()
        self._reload_requested = threading.Event()
        self._local = threading.local()
        self._rules_lock = threading.Lock()
        self.scheduler = BackgroundScheduler(
            # The watchdog has its own thread: busy polls cannot starve it, a stuck scheduler can.
            executors={"default": ThreadPoolExecutor(POOL_THREADS), "watchdog": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 600},
            timezone=UTC,
        )
        self.extra_jobs: list[Callable[[Daemon], None]] = [add_probe_job]
        self.metrics_server: metrics.MetricsServer | None = None
        self.started = now_fn()
        self.limiter = RateLimiter()  # one across drains, so two close drains cannot burst a channel

    # -- connections -------------------------------------------------------------------
    def db(self) -> Any:
        """This thread's connection to the database (sqlite3 connections are per thread)."""
        path = self.rules.settings.database
        cached = getattr(self._local, "db", None)
        if cached is None or getattr(self._local, "path", None) != path:
            self._local.db = open_db(path)
            self._local.path = path
        return self._local.db

    # -- jobs --------------------------------------------------------------------------
    def poll(self, source_name: str) -> None:
        rules = self.rules
        source = next((s for s in rules.sources if s.name == source_name), None)
        if source is None or self.stop_event.is_set():
            return
        try:
            db, now = self.db(), self.now_fn()
            report = poll_source(
                db, rules, source, now=now, vocabulary=self.vocabulary, probe_note=note_for(db, now)
            )
        except Exception:  # a bug in one poll must not stop the daemon; it is logged with its trace
            log.exception("poll %s crashed", source_name)
            return
        service.record_poll(report, self.now_fn())
        if report.alerts:
            self.wake_delivery()

    def deliver(self) -> None:
        try:
            drain(self.db(), self.rules, now_fn=self.now_fn, stop=self.stop_event, limiter=self.limiter)
            service.refresh_outbox_gauge(self.db())
        except Exception:
            log.exception("delivery round crashed")

    def heartbeat(self) -> None:
        try:
            if service.maybe_send_heartbeat(self.db(), self.rules, self.now_fn()):
                self.wake_delivery()
        except Exception:
            log.exception("heartbeat check crashed")

    def wake_delivery(self) -> None:
        job = self.scheduler.get_job("deliver")
        if job is not None:
            job.modify(next_run_time=self.now_fn())

    # -- scheduling --------------------------------------------------------------------
    def schedule(self) -> None:
        """(Re)create the jobs for the current rules; keeps nothing queued in memory."""
        wanted = {f"poll:{source.name}": source for source in self.rules.sources if source.enabled}
        for job in self.scheduler.get_jobs():
            if job.id.startswith("poll:") and job.id not in wanted:
                job.remove()
        for job_id, source in wanted.items():
            self._schedule_poll(job_id, source)
        self.scheduler.add_job(
            self.deliver,
            IntervalTrigger(seconds=DELIVER_INTERVAL_SECONDS),
            id="deliver",
            replace_existing=True,
            next_run_time=self.now_fn(),
        )
        interval = sdnotify.watchdog_interval()
        if interval:
            self.scheduler.add_job(
                sdnotify.watchdog,
                IntervalTrigger(seconds=max(interval / 2, 1.0)),
                id="watchdog",
                replace_existing=True,
            )
        for add in self.extra_jobs:
            add(self)

    def _schedule_poll(self, job_id: str, source: SourceConfig) -> None:
        trigger = IntervalTrigger(seconds=source.interval_seconds, jitter=source.jitter_seconds or None)
        existing = self.scheduler.get_job(job_id)
        if existing is not None:
            existing.reschedule(trigger)
            return
        self.scheduler.add_job(
            self.poll,
            trigger,
            args=[source.name],
            id=job_id,
            next_run_time=self.now_fn(),
        )

    # -- lifecycle ---------------------------------------------------------------------
    def reload(self) -> bool:
        """Re-read rules.yaml. Valid: applied, schedules updated. Invalid: old rules kept."""
        sdnotify.reloading()
        try:
            rules = load_rules(self.rules_path)
            vocabulary = load_vocabulary(rules.vocabulary)
        except ConfigError as error:
            log.error("reload of %s refused, old rules kept:\n%s", self.rules_path, error)
            self._report_bad_reload(str(error))
            sdnotify.ready("reload refused: rules.yaml invalid, old rules kept")
            return False
        with self._rules_lock:
            self.rules, self.vocabulary = rules, vocabulary
        self.schedule()
        log.info(
            "reloaded %s: %d kommuner, %d sources", self.rules_path, len(rules.kommuner), len(rules.sources)
        )
        sdnotify.ready(self._status_line())
        return True

    def _report_bad_reload(self, problems: str) -> None:
        from monitor.pipeline import report_to_admin

        report_to_admin(
            self.db(),
            self.rules,
            self.now_fn(),
            key=f"admin:reload-refused:{self.now_fn():%Y%m%dT%H%M%S}",
            subject="Ny rules.yaml ble avvist; gamle regler gjelder fortsatt",
            text=f"Feil i {self.rules_path}:\n{problems}",
        )
        self.wake_delivery()

    def _status_line(self) -> str:
        return f"watching {len(self.rules.sources)} sources for {len(self.rules.kommuner)} kommuner"

    def run(self) -> int:
        """Start, serve until told to stop, stop gracefully. Returns the exit code."""
        self._install_signals()
        self.db()  # create and migrate before saying READY
        self.started = self.now_fn()
        self._start_metrics()
        self.schedule()
        self.scheduler.start()
        sdnotify.ready(self._status_line())
        log.info("driftsvarsel started: %s", self._status_line())
        while not self.stop_event.is_set():
            if self._reload_requested.wait(timeout=1.0):
                self._reload_requested.clear()
                self.reload()
        return self.shutdown()

    def _start_metrics(self) -> None:
        listen = self.rules.settings.metrics_listen
        if not listen:
            return
        self.metrics_server = metrics.serve(
            listen, lambda: service.health(self.db(), self.rules, self.now_fn(), self.started)
        )
        log.info("metrics and health on http://%s/metrics and /healthz", listen)

    def shutdown(self) -> int:
        sdnotify.stopping()
        log.info("stopping: no new polls; waiting up to %.0f s for in-flight work", SHUTDOWN_GRACE_SECONDS)
        self.stop_event.set()
        for job in self.scheduler.get_jobs():
            job.pause()
        closer = threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": True}, daemon=True)
        closer.start()
        closer.join(SHUTDOWN_GRACE_SECONDS)
        if closer.is_alive():
            log.warning("in-flight work did not finish in time; the outbox keeps it for the next start")
        if self.metrics_server is not None:
            self.metrics_server.stop()
        log.info("stopped")
        return 0

    def _install_signals(self) -> None:
        def on_hup(signum: int, frame: FrameType | None) -> None:
            self._reload_requested.set()

        def on_term(signum: int, frame: FrameType | None) -> None:
            self.stop_event.set()

        signal.signal(signal.SIGHUP, on_hup)
        signal.signal(signal.SIGTERM, on_term)
        signal.signal(signal.SIGINT, on_term)
