"""Text for `driftsvarsel status` and `driftsvarsel probe --once` (pure formatting over the store)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils

from monitor.config.types import Rules
from monitor.model import ProbeResult, TargetState
from monitor.probes.plan import ProbeTarget, display_name, plan_probes
from monitor.store import probes as probe_store

OSLO = ZoneInfo("Europe/Oslo")
HEADINGS = ("API", "ENV", "STATE", "SINCE", "LATENCY", "UP 24H", "UP 7D", "CERT EXPIRES")


def status_rows(
    db: sqlite_utils.Database, now: datetime, planned: Sequence[ProbeTarget] = ()
) -> list[tuple[str, ...]]:
    """One row per probed (api, environment): stored states, plus planned targets not yet probed."""
    states = {(state.api, state.environment): state for state in probe_store.load_states(db)}
    for target in planned:
        states.setdefault((target.api, target.environment), TargetState(target.api, target.environment))
    rows: list[tuple[str, ...]] = []
    for (api, environment), state in sorted(states.items()):
        rows.append(
            (
                display_name(api),
                environment,
                state.display,
                _when(state.since),
                "-" if state.last_latency_ms is None else f"{state.last_latency_ms:.0f} ms",
                _share(probe_store.uptime(db, api, environment, since=now - timedelta(hours=24))),
                _share(probe_store.uptime(db, api, environment, since=now - timedelta(days=7))),
                _cert(state.cert_expires, now),
            )
        )
    return rows


def status_table(db: sqlite_utils.Database, now: datetime, planned: Sequence[ProbeTarget] = ()) -> str:
    """The `driftsvarsel status` table, or a sentence when nothing was ever probed."""
    rows = status_rows(db, now, planned)
    if not rows:
        return "No health probes recorded yet (no kommune uses a probed API, or the daemon has not run)."
    return format_table([HEADINGS, *rows])


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


def format_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[index]) for row in rows) for index in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return "\n".join(lines)


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment.astimezone(OSLO):%Y-%m-%d %H:%M}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f} %"


def _cert(expires: datetime | None, now: datetime) -> str:
    if expires is None:
        return "-"
    return f"{expires.astimezone(OSLO):%Y-%m-%d} ({(expires - now).days} d)"


def status_report(db: sqlite_utils.Database, rules: Rules | None, now: datetime) -> str:
    """`driftsvarsel status`: the stored probe states, plus targets the rules plan but never probed."""
    return status_table(db, now, plan_probes(rules) if rules is not None else ())
