"""`driftsvarsel probe --once [--dry-run]`: one round of health probes, as text or `--json`.

A real round records results and states and queues the alerts they owe, as the daemon does
(`run_probe_round`); a dry run only probes and reports (no database is opened).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from monitor.config.types import Rules
from monitor.localtime import local_time
from monitor.model import ProbeResult
from monitor.probes.round import probe_without_recording, run_probe_round
from monitor.probes.state import Transition
from monitor.probes.status import result_json, results_table
from monitor.store.notices import downtime_windows


@dataclass(frozen=True)
class ProbeOnce:
    """What one `probe --once` round saw; `queued` counts the outbox messages it queued."""

    now: datetime
    dry_run: bool
    results: tuple[ProbeResult, ...]
    transitions: tuple[Transition, ...] = ()
    queued: int = 0

    @property
    def api_down(self) -> bool:
        """True when a probe found an API down or misconfigured."""
        return any(result.state != "up" for result in self.results)


def probe_once(db: sqlite_utils.Database | None, rules: Rules, now: datetime, *, dry_run: bool) -> ProbeOnce:
    """Run one round. `db` is needed (and written) only without `dry_run`."""
    if dry_run or db is None:
        return ProbeOnce(now, True, probe_without_recording(rules, now))
    report = run_probe_round(db, rules, now=now, announced=downtime_windows(db, now))
    return ProbeOnce(now, False, report.results, report.transitions, len(report.alerts) + len(report.admin))


def probe_once_text(run: ProbeOnce) -> str:
    mode = "dry run: nothing recorded, no alerts queued" if run.dry_run else f"{run.queued} message(s) queued"
    lines = [f"Probes at {local_time(run.now)} ({mode})", results_table(run.results)]
    lines += [
        f"{t.api} ({t.environment}): {t.kind}, {'alert queued' if t.alert else 'announced'}"
        for t in run.transitions
    ]
    return "\n".join(lines)


def probe_once_json(run: ProbeOnce) -> dict[str, object]:
    """The `probe --once --json` shape (README, "JSON output"); the CLI adds `exit_code`."""
    return {
        "dry_run": run.dry_run,
        "results": [result_json(result) for result in run.results],
        "transitions": [
            {
                "api": t.api,
                "environment": t.environment,
                "kind": t.kind,
                "state": t.state,
                "alerted": t.alert,
                "announced_by": t.announced_by,
                "detail": t.detail,
            }
            for t in run.transitions
        ],
        "queued": run.queued,
    }
