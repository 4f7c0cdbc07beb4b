"""What `driftsvarsel status` and `probe --once` print, as text or `--json` (pure over the store).

Times are Europe/Oslo with the offset (`monitor.localtime`). A target whose last probe is older
than STALE_INTERVALS probe intervals is marked stale: the daemon is not probing it any more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from monitor.config.types import ProbeSettings, Rules
from monitor.localtime import local_date, local_iso, local_time
from monitor.model import ProbeResult, TargetState
from monitor.probes.plan import ProbeTarget, display_name, plan_probes
from monitor.store import probes as probe_store

HEADINGS = ("API", "ENV", "STATE", "SINCE", "LAST CHECKED", "LATENCY", "UP 24H", "UP 7D", "CERT EXPIRES")
#: Data older than this many probe intervals is stale.
STALE_INTERVALS = 3


@dataclass(frozen=True)
class StatusRow:
    """One probed (api, environment) as `status` shows it. Uptimes are shares (0..1) or None."""

    state: TargetState
    stale: bool
    uptime_24h: float | None
    uptime_7d: float | None


def status_data(
    db: sqlite_utils.Database, now: datetime, planned: Sequence[ProbeTarget] = (), *, interval_seconds: int
) -> list[StatusRow]:
    """Stored states, plus planned targets not yet probed, sorted by (api, environment)."""
    states = {(state.api, state.environment): state for state in probe_store.load_states(db)}
    for target in planned:
        states.setdefault((target.api, target.environment), TargetState(target.api, target.environment))
    limit = now - timedelta(seconds=STALE_INTERVALS * interval_seconds)
    return [
        StatusRow(
            state,
            stale=state.last_checked_at is not None and state.last_checked_at < limit,
            uptime_24h=probe_store.uptime(db, api, environment, since=now - timedelta(hours=24)),
            uptime_7d=probe_store.uptime(db, api, environment, since=now - timedelta(days=7)),
        )
        for (api, environment), state in sorted(states.items())
    ]


def status_rows(
    db: sqlite_utils.Database,
    now: datetime,
    planned: Sequence[ProbeTarget] = (),
    *,
    interval_seconds: int = ProbeSettings.interval_seconds,
) -> list[tuple[str, ...]]:
    """One text row per probed (api, environment), in HEADINGS order."""
    return [_row(row, now) for row in status_data(db, now, planned, interval_seconds=interval_seconds)]


def _row(row: StatusRow, now: datetime) -> tuple[str, ...]:
    state = row.state
    checked = local_time(state.last_checked_at, missing="aldri") + (" STALE" if row.stale else "")
    return (
        display_name(state.api),
        state.environment,
        state.display,
        local_time(state.since),
        checked,
        "-" if state.last_latency_ms is None else f"{state.last_latency_ms:.0f} ms",
        _share(row.uptime_24h),
        _share(row.uptime_7d),
        _cert(state.cert_expires, now),
    )


def status_report(db: sqlite_utils.Database, rules: Rules | None, now: datetime) -> str:
    """`driftsvarsel status`: the stored probe states, plus targets the rules plan but never probed."""
    planned, interval = _plan(rules)
    data = status_data(db, now, planned, interval_seconds=interval)
    if not data:
        return "No health probes recorded yet (no kommune uses a probed API, or the daemon has not run)."
    lines = [f"Status at {local_time(now)}", format_table([HEADINGS, *(_row(row, now) for row in data)])]
    if any(row.stale for row in data):
        minutes = STALE_INTERVALS * interval // 60
        lines.append(
            f"STALE: not probed for over {minutes} min ({STALE_INTERVALS} probe intervals); "
            "is the daemon running? (systemctl status driftsvarsel)"
        )
    return "\n".join(lines)


def status_json(db: sqlite_utils.Database, rules: Rules | None, now: datetime) -> dict[str, object]:
    """The `status --json` shape (README, "JSON output")."""
    planned, interval = _plan(rules)
    return {
        "now": local_iso(now),
        "stale_after_seconds": STALE_INTERVALS * interval,
        "apis": [
            {
                "api": row.state.api,
                "name": display_name(row.state.api),
                "environment": row.state.environment,
                "state": row.state.state,
                "display": row.state.display,
                "announced_by": row.state.announced_by,
                "since": local_iso(row.state.since),
                "last_checked": local_iso(row.state.last_checked_at),
                "stale": row.stale,
                "latency_ms": row.state.last_latency_ms,
                "uptime_24h": row.uptime_24h,
                "uptime_7d": row.uptime_7d,
                "cert_expires": local_iso(row.state.cert_expires),
            }
            for row in status_data(db, now, planned, interval_seconds=interval)
        ],
    }


def _plan(rules: Rules | None) -> tuple[Sequence[ProbeTarget], int]:
    """The planned targets and the probe interval (the default interval with only --db)."""
    if rules is None:
        return (), ProbeSettings.interval_seconds
    return plan_probes(rules), rules.probes.interval_seconds


def results_table(results: Sequence[ProbeResult]) -> str:
    """One line per result of a `probe --once` round."""
    if not results:
        return "Nothing to probe: no kommune uses an API with a gateway host."
    rows = [("API", "ENV", "RESULT", "HTTP", "LATENCY", "DETAIL")]
    for result in results:
        rows.append(
            (
                display_name(result.api),
                result.environment,
                result.state,
                "-" if result.status is None else str(result.status),
                "-" if result.latency_ms is None else f"{result.latency_ms:.0f} ms",
                result.detail + "".join(f"; {reason}" for reason in result.reasons),
            )
        )
    return format_table(rows)


def result_json(result: ProbeResult) -> dict[str, object]:
    """One probe result in the `probe --once --json` shape."""
    return {
        "api": result.api,
        "name": display_name(result.api),
        "environment": result.environment,
        "url": result.url,
        "state": result.state,
        "status": result.status,
        "latency_ms": result.latency_ms,
        "detail": result.detail,
        "reasons": list(result.reasons),
        "checked_at": local_iso(result.checked_at),
        "cert_expires": local_iso(result.cert_expires),
    }


def format_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[index]) for row in rows) for index in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return "\n".join(lines)


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f} %"


def _cert(expires: datetime | None, now: datetime) -> str:
    if expires is None:
        return "-"
    return f"{local_date(expires)} ({(expires - now).days} d)"
