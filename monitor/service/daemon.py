"""The long-running service: APScheduler jobs, signals, systemd notify.

Jobs (one thread pool, each thread with its own SQLite connection):
- `poll:<source>` every source's interval, with jitter;
- `deliver`, draining the outbox every few seconds (and right after a poll that owes alerts);
- `probes`, one round of health probes (when some kommune uses an API);
- `watchdog`, WATCHDOG=1 to systemd from the scheduler itself, so a stuck scheduler is restarted.

The optional daily "still alive" message to the admin route is checked after every poll, once
every enabled source has been polled since start (so it reports real results).

SIGHUP reloads rules.yaml (kept as it was when the new file is invalid); SIGTERM/SIGINT stop
polling, let in-flight deliveries finish (bounded), and exit 0.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor import fetch as fetching
from monitor.classify import Vocabulary, load_vocabulary
from monitor.config.load import load_rules
from monitor.config.secretcheck import SecretProblem
from monitor.config.types import Rules, SourceConfig
from monitor.deliver import clients as deliver_clients
from monitor.deliver.pace import RateLimiter
from monitor.deliver.reminders import queue_reminders
from monitor.deliver.worker import drain, real_sender, release_stale_claims
from monitor.errors import UserError
from monitor.pipeline import poll_source, utcnow
from monitor.probes.round import note_for
from monitor.service import metrics, sdnotify, secretwatch
from monitor.service import ops as service
from monitor.service.housekeepjob import add_housekeeping_job
from monitor.service.probejob import add_probe_job
from monitor.service.signals import SignalFlags
from monitor.service.sourcecheck import add_source_check_job
from monitor.store import open_db
from monitor.store.files import explain
from monitor.web import WebServer
from monitor.web import serve as web_serve
from monitor.web.view import Overview, read_overview

log = logging.getLogger(__name__)

DELIVER_INTERVAL_SECONDS = 5
#: Items per drain; a full drain is followed at once by another (a notice to every kommune
#: owes ~1000 items, which should not wait DELIVER_INTERVAL_SECONDS per hundred).
DRAIN_LIMIT = 100
#: How long one target's lane may wait for its next turn in a drain (its rate; see deliver.pace).
LANE_SECONDS = 2 * DELIVER_INTERVAL_SECONDS
MAX_DRAINS_PER_ROUND = 100
SHUTDOWN_GRACE_SECONDS = 30.0
POOL_THREADS = 4
#: Settings a reload cannot change in a running process (the outbox lives in the database).
RESTART_SETTINGS = ("database", "metrics_listen", "log_format", "web_listen")
#: The main thread wakes at once for a signal; this only bounds a missed wake-up.
MAIN_LOOP_SECONDS = 5.0


class Daemon:
    """Owns the scheduler and the current rules. `run()` blocks until SIGTERM/SIGINT."""

    def __init__(
        self, rules_path: Path, *, rules: Rules | None = None, now_fn: Callable[[], datetime] = utcnow
    ) -> None:
        self.rules_path = rules_path
        self.rules: Rules = rules if rules is not None else load_rules(rules_path)
        self.vocabulary: Vocabulary = load_vocabulary(self.rules.vocabulary)
        self.database = self.rules.settings.database
        self.now_fn = now_fn
        self.stop_event = threading.Event()  # set at shutdown; jobs check it between items
        # Set by the signal handlers, which only assign (a handler that takes a lock can
        # deadlock against the main thread it interrupts); the wake-up socket ends the wait.
        self._local = threading.local()
        self._rules_lock = threading.Lock()
        self.scheduler = BackgroundScheduler(
            # The watchdog has its own thread: busy polls cannot starve it, a stuck scheduler can.
            executors={"default": ThreadPoolExecutor(POOL_THREADS), "watchdog": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 600},
            timezone=UTC,
        )
        self.extra_jobs: list[Callable[[Daemon], None]] = [
            add_probe_job,
            add_source_check_job,
            add_housekeeping_job,
        ]
        self.metrics_server: metrics.MetricsServer | None = None
        self.web_server: WebServer | None = None
        self.started = now_fn()
        self._polled: set[str] = set()  # sources polled since start (for the heartbeat)
        self.limiter = RateLimiter()  # one across drains, so two close drains cannot burst a channel
        self.secret_problems: list[SecretProblem] = []  # checked at start and reload

    # -- connections -------------------------------------------------------------------
    def db(self) -> Any:
        """This thread's connection to the database (sqlite3 connections are per thread)."""
        cached = getattr(self._local, "db", None)
        if cached is None:
            # The database of the rules at start, for the life of the process (see reload).
            cached = self._local.db = open_db(self.database)
        return cached

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
        except sqlite3.DatabaseError as error:  # a full disk or a damaged file: say which and what to do
            log.error("poll %s failed: %s", source_name, explain(error, self.database))
            return
        except Exception:  # a bug in one poll must not stop the daemon; it is logged with its trace
            log.exception("poll %s crashed", source_name)
            return
        service.record_poll(report, self.now_fn())
        self._polled.add(source_name)
        self.heartbeat()
        if report.alerts:
            self.wake_delivery()

    def deliver(self) -> None:
        try:
            queue_reminders(self.db(), self.rules, self.now_fn())  # "[Fortsatt]" replies owed now
            for _ in range(MAX_DRAINS_PER_ROUND):
                stats = drain(
                    self.db(),
                    self.rules,
                    now_fn=self.now_fn,
                    stop=self.stop_event,
                    limiter=self.limiter,
                    limit=DRAIN_LIMIT,
                    send=service.counting_sender(
                        self.rules, secretwatch.guarded_sender(real_sender(self.rules), self.secret_problems)
                    ),
                    lane_seconds=LANE_SECONDS,
                )
                handled = stats.sent + stats.retried + stats.dead + stats.deferred
                if handled < DRAIN_LIMIT or self.stop_event.is_set():
                    break
            service.refresh_outbox_gauge(self.db())
        except sqlite3.DatabaseError as error:
            log.error("delivery round failed: %s", explain(error, self.database))
        except Exception:
            log.exception("delivery round crashed")

    def heartbeat(self) -> None:
        """Queue today's heartbeat if due; not before every enabled source was polled once."""
        rules = self.rules
        enabled = {source.name for source in rules.sources if source.enabled}
        if rules.settings.heartbeat_hour is None or not enabled <= self._polled:
            return
        try:
            if service.maybe_send_heartbeat(self.db(), rules, self.now_fn()):
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
        if interval and self.scheduler.get_job("watchdog") is None:
            self.scheduler.add_job(
                sdnotify.watchdog,
                IntervalTrigger(seconds=interval / 2),  # systemd's convention: half the timeout
                id="watchdog",
                executor="watchdog",
                next_run_time=self.now_fn(),
            )
        for add in self.extra_jobs:
            add(self)

    def _schedule_poll(self, job_id: str, source: SourceConfig) -> None:
        jitter = source.jitter_seconds or None
        existing = self.scheduler.get_job(job_id)
        if existing is not None:
            # Rescheduling restarts the interval: only when it changed, or frequent reloads
            # would keep postponing a slow source's next poll.
            current = existing.trigger
            if (current.interval_length, current.jitter) != (source.interval_seconds, jitter):
                existing.reschedule(IntervalTrigger(seconds=source.interval_seconds, jitter=jitter))
            return
        trigger = IntervalTrigger(seconds=source.interval_seconds, jitter=jitter)
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
        except UserError as error:  # ConfigError, or a bad `vocabulary:` section
            log.error("reload of %s refused, old rules kept:\n%s", self.rules_path, error)
            self._report_bad_reload(str(error))
            sdnotify.ready(f"reload refused, old rules kept: {self._status_line()}")
            return False
        except Exception as error:  # a bug in the loader must not take the running daemon down
            log.exception("reload of %s crashed, old rules kept", self.rules_path)
            self._report_bad_reload(f"uventet feil ved innlesing ({type(error).__name__}: {error})")
            sdnotify.ready(f"reload failed, old rules kept: {self._status_line()}")
            return False
        for name in RESTART_SETTINGS:
            if getattr(rules.settings, name) != getattr(self.rules.settings, name):
                log.warning("settings.%s changed: takes effect at the next restart", name)
        with self._rules_lock:
            self.rules, self.vocabulary = rules, vocabulary
        self.check_secrets()
        close_clients()  # rebuilt on next use, with the new rules' settings
        self.schedule()
        log.info(
            "reloaded %s: %d kommuner, %d sources", self.rules_path, len(rules.kommuner), len(rules.sources)
        )
        sdnotify.ready(self._status_line())
        return True

    def check_secrets(self) -> None:
        """Resolve every secret reference now; a missing one is reported and its channel bypassed."""
        try:
            self.secret_problems = secretwatch.check_secrets(self.db(), self.rules, self.now_fn())
        except Exception:  # the check must never stop the daemon; deliveries still try the secrets
            log.exception("the secret check crashed")
            return
        if self.secret_problems:
            self.wake_delivery()

    def _report_bad_reload(self, problems: str) -> None:
        try:
            service.report_refused_reload(self.db(), self.rules, self.rules_path, problems, self.now_fn())
        except Exception:  # the refusal is in the log already; the daemon keeps running
            log.exception("could not queue the reload refusal for the admin route")
            return
        self.wake_delivery()

    def _status_line(self) -> str:
        return f"watching {len(self.rules.sources)} sources for {len(self.rules.kommuner)} kommuner"

    def run(self) -> int:
        """Start, serve until told to stop, stop gracefully. Returns the exit code."""
        with SignalFlags() as flags:
            self.db()  # create and migrate before saying READY
            # Claims left by a dead process (killed between a send and its mark) are due again now,
            # not when their lease runs out; a live holder (a `poll --once`) keeps its claims.
            release_stale_claims(self.db(), self.now_fn())
            self.started = self.now_fn()
            self.check_secrets()
            self._start_metrics()
            self._start_web()
            self.schedule()
            self.scheduler.start()
            sdnotify.ready(self._status_line())
            log.info("driftsvarsel started: %s", self._status_line())
            while not flags.stop:
                flags.wait(MAIN_LOOP_SECONDS)
                if flags.take_reload():
                    self.reload()
            return self.shutdown()

    def _start_metrics(self) -> None:
        listen = self.rules.settings.metrics_listen
        if not listen:
            return
        self.metrics_server = metrics.serve(
            listen,
            lambda: secretwatch.health(
                service.health(self.db(), self.rules, self.now_fn(), self.started), self.secret_problems
            ),
        )

    def _start_web(self) -> None:
        listen = self.rules.settings.web_listen
        if listen:
            self.web_server = web_serve(listen, self.overview)

    def overview(self) -> Overview:
        """What the status page shows now (the database of the rules at start, as for jobs)."""
        return read_overview(self.database, self.rules, self.now_fn())

    def shutdown(self) -> int:
        sdnotify.stopping("stopping: finishing the work in progress")
        log.info("stopping: no new polls; waiting up to %.0f s for in-flight work", SHUTDOWN_GRACE_SECONDS)
        self.stop_event.set()
        for job in self.scheduler.get_jobs():
            job.pause()
        closer = threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": True}, daemon=True)
        closer.start()
        closer.join(SHUTDOWN_GRACE_SECONDS)
        stuck = closer.is_alive()
        if stuck:
            log.warning("in-flight work did not finish in time; the outbox keeps it for the next start")
        if self.metrics_server is not None:
            self.metrics_server.stop()
        if self.web_server is not None:
            self.web_server.stop()
        if not stuck:
            close_clients()
        log.info("stopped")
        if stuck:
            # The pool's worker threads are not daemon threads: a normal exit would wait for the
            # stuck job past TimeoutStopSec, and systemd would SIGKILL us. The item it holds is
            # claimed in the outbox and is sent again after the next start (at least once).
            logging.shutdown()
            os._exit(0)
        return 0


def close_clients() -> None:
    """Close the long-lived clients of sources and channels and pooled SMTP connections.

    They are built again on next use.
    """
    fetching.close_clients()
    deliver_clients.close()
