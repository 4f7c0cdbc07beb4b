"""The daemon's `housekeeping` job: every HOUSEKEEPING_HOURS, keep the database small.

    daemon.extra_jobs.append(add_housekeeping_job)     # before daemon.schedule()

It runs `monitor.store.housekeeping.tidy` (prune past `probes.keep_days`, downsample day-old
probe results, incremental vacuum); the first run after start converts an older database file.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.triggers.interval import IntervalTrigger

from monitor.service.probejob import Scheduling
from monitor.store.housekeeping import tidy

log = logging.getLogger(__name__)

JOB_ID = "housekeeping"
HOUSEKEEPING_HOURS = 6
#: The first run waits a little, so start-up (baseline polls, owed deliveries) goes first.
FIRST_RUN_DELAY = timedelta(minutes=10)


def add_housekeeping_job(daemon: Scheduling) -> None:
    """Schedule the housekeeping job once (a reload leaves it as it is)."""
    if daemon.scheduler.get_job(JOB_ID) is not None:
        return

    def run() -> None:
        try:
            tidied = tidy(daemon.db(), daemon.now_fn(), daemon.rules.probes.keep_days)
        except Exception:  # housekeeping must never take the daemon down; it runs again later
            log.exception("housekeeping crashed")
            return
        log.info(
            "housekeeping: %d fetch-log lines and %d probe lines removed%s",
            tidied.fetch_lines,
            tidied.probe_lines,
            ", database converted to incremental vacuum" if tidied.converted else "",
        )

    daemon.scheduler.add_job(
        run,
        IntervalTrigger(hours=HOUSEKEEPING_HOURS),
        id=JOB_ID,
        next_run_time=daemon.now_fn() + FIRST_RUN_DELAY,
    )
