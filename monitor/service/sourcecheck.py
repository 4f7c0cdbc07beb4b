"""`sources check` for the CLI and the daemon's daily `sources-check` job.

`check_sources(rules, now)` fetches every enabled source once (unconditionally, one after the
other, through one HTTP client with the rules' timeout) and checks each with
`monitor.sources.health.check_result`. The daemon runs it once a day and, when a source has a
problem or a warning, tells the admin route (idempotent per day and source set).

    daemon.extra_jobs.append(add_source_check_job)     # before daemon.schedule()
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

import httpx
from apscheduler.triggers.interval import IntervalTrigger

from monitor.config.types import Rules, SourceConfig
from monitor.fetch import MAX_REDIRECTS, fetch
from monitor.model import FetchResult
from monitor.pipeline import report_to_admin
from monitor.sources import health
from monitor.sources.health import SourceCheck, render
from monitor.texts import say

log = logging.getLogger(__name__)

JOB_ID = "sources-check"
INTERVAL = timedelta(days=1)
#: The first check runs this long after start, so a restart loop does not re-fetch everything.
FIRST_DELAY = timedelta(minutes=10)


def check_sources(rules: Rules, now: datetime) -> list[SourceCheck]:
    """One check per enabled source, fetched one after the other through one HTTP client."""
    settings = rules.settings
    with httpx.Client(max_redirects=MAX_REDIRECTS) as client:

        def get(source: SourceConfig) -> FetchResult:
            timeout, cap = settings.request_timeout_seconds, settings.max_body_bytes
            return fetch(source.url, timeout=timeout, max_bytes=cap, client=client)

        return health.check_sources(rules, now, get)


def render_checks(checks: list[SourceCheck]) -> str:
    return render(checks)


def admin_report(checks: list[SourceCheck], language: str = "nb") -> tuple[str, str] | None:
    """(subject, text) for the admin route in `language`, or None when every source is fine."""
    bad = [check for check in checks if check.problems or check.warnings]
    if not bad:
        return None
    names = ", ".join(check.name for check in bad)
    subject = say(language, "admin.sources_check.subject", bad=len(bad), total=len(checks), names=names)
    return subject, say(language, "admin.sources_check.intro") + "\n\n" + render(checks)


class Scheduling(Protocol):
    """What the job needs from `monitor.service.daemon.Daemon`."""

    rules: Rules
    scheduler: Any
    now_fn: Callable[[], datetime]

    def db(self) -> Any: ...

    def wake_delivery(self) -> None: ...


def run_daily_check(daemon: Scheduling) -> None:
    """The job: check, log, and queue an admin message when something needs attention."""
    try:
        rules, now = daemon.rules, daemon.now_fn()
        checks = check_sources(rules, now)
        log.info("sources check: %s", render(checks).splitlines()[-1])
        report = admin_report(checks, rules.admin_malform)
        if report is None:
            return
        key = f"admin:sources-check:{now.date().isoformat()}"
        report_to_admin(daemon.db(), rules, now, key=key, subject=report[0], text=report[1])
        daemon.wake_delivery()
    except Exception:  # one failed check must not stop the daemon; logged with its trace
        log.exception("sources check crashed")


def add_source_check_job(daemon: Scheduling) -> None:
    """Schedule the daily check once (a reload keeps its time); the first run FIRST_DELAY after start."""
    if daemon.scheduler.get_job(JOB_ID) is not None:
        return
    daemon.scheduler.add_job(
        run_daily_check,
        IntervalTrigger(seconds=INTERVAL.total_seconds()),
        args=[daemon],
        id=JOB_ID,
        next_run_time=daemon.now_fn() + FIRST_DELAY,
    )
