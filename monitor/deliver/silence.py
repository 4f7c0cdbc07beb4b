"""Silences as the operator uses them: add, list, expire (with replay), and the check the worker makes.

`hold_if_silenced` is called by the outbox worker for every due item before it is sent: an
item an active silence matches is recorded as silenced and not sent. The silence's matchers are
checked against the rules when it is added, so a typo cannot silence nothing by accident.
"""

from __future__ import annotations

import getpass
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from monitor.catalogue.kommuner import kommune_name
from monitor.config.types import Rules
from monitor.errors import UserError
from monitor.localtime import OSLO, local_iso, local_time
from monitor.model import KOMMUNE_APIS
from monitor.store import silences as silence_store
from monitor.store.outbox import OutboxItem
from monitor.store.silences import Silence

_DURATION = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
#: The probe's synthetic notices: "probe:<api>:<environment>:<id>" (monitor.probes.alerts.notice_id).
_PROBE_KEY = re.compile(r"^probe:probe:([^:]+):")


@dataclass(frozen=True)
class Matchers:
    """What a new silence matches; at least one is set."""

    kommune: str | None = None
    api: str | None = None
    channel: str | None = None


def parse_until(text: str, now: datetime) -> datetime:
    """ "2h", "3d", "30m", "1w" from `now`, or an ISO time ("2026-12-24T08:00", Europe/Oslo when it
    has no offset; a date alone is its midnight). Raises UserError when it is neither or not later."""
    match = _DURATION.match(text)
    if match:
        until = now + timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    else:
        try:
            parsed = datetime.fromisoformat(text.strip())
        except ValueError:
            raise UserError(
                f"--until {text!r} is neither a duration (30m, 2h, 3d, 1w) nor a time "
                "(2026-12-24T08:00, Europe/Oslo unless it has an offset)"
            ) from None
        until = parsed.replace(tzinfo=OSLO) if parsed.tzinfo is None else parsed
    if until <= now:
        raise UserError(f"--until {text!r} is not in the future ({local_time(until)}); give a later time")
    return until


def add_silence(
    db: sqlite_utils.Database,
    rules: Rules,
    matchers: Matchers,
    *,
    until: datetime,
    reason: str,
    now: datetime,
    created_by: str | None = None,
) -> Silence:
    """Check `matchers` against `rules` and store the silence. Raises UserError naming what is wrong."""
    problems = _check(rules, matchers)
    if not reason.strip():
        problems.append("--reason is empty: say why (it is kept with the silence and shown in reports)")
    if problems:
        raise UserError("; ".join(problems))
    return silence_store.add(
        db,
        kommune=matchers.kommune,
        api=matchers.api,
        channel=matchers.channel,
        until=until,
        reason=reason.strip(),
        created_by=created_by or _who(),
        now=now,
    )


def _check(rules: Rules, matchers: Matchers) -> list[str]:
    if matchers == Matchers():
        return ["give at least one of --kommune, --api, --channel (a silence of everything is not allowed)"]
    problems = []
    numbers = [kommune.number for kommune in rules.kommuner] + ["admin"]
    if matchers.kommune is not None and matchers.kommune not in numbers:
        problems.append(
            f"--kommune {matchers.kommune}: no such kommune in {rules.path} (kommuner: {', '.join(numbers)})"
        )
    if matchers.api is not None and matchers.api not in KOMMUNE_APIS:
        problems.append(f"--api {matchers.api}: unknown API (one of {', '.join(KOMMUNE_APIS)})")
    if matchers.channel is not None:
        channels = _channel_names(rules, matchers.kommune)
        if matchers.channel not in channels:
            where = f"kommune {matchers.kommune}" if matchers.kommune else rules.path
            problems.append(
                f"--channel {matchers.channel}: no such channel in {where} (channels: {', '.join(channels)})"
            )
    return problems


def _channel_names(rules: Rules, kommune: str | None) -> list[str]:
    names: list[str] = []
    if kommune in (None, "admin"):
        names += [channel.name for channel in rules.admin]
    for entry in rules.kommuner:
        if kommune is None or entry.number == kommune:
            names += [channel.name for channel in entry.channels]
    return sorted(set(names))


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (a container, DynamicUser)
        return "ukjent"


def item_apis(db: sqlite_utils.Database, item: OutboxItem) -> tuple[str, ...]:
    """The APIs an outbox item is about: its notice's stored classification, or a probe's API."""
    apis = silence_store.notice_apis(db, item.notice_key, item.version)
    if apis or item.notice_key is None:
        return apis
    match = _PROBE_KEY.match(item.notice_key)
    return (match.group(1),) if match else ()


def hold_if_silenced(
    db: sqlite_utils.Database, item: OutboxItem, now: datetime, active: list[Silence] | None = None
) -> Silence | None:
    """Record `item` as silenced when an active silence matches it; returns that silence or None.

    `active`: the silences active at `now`, when the caller read them already (once per round).
    """
    if active is None:
        active = silence_store.active(db, now)
    if not active:
        return None
    apis = item_apis(db, item)
    for silence in active:
        if silence.matches(item.kommune, item.channel, apis):
            return silence if silence_store.hold(db, item.id, silence.id, now) else None
    return None


def expire_silence(
    db: sqlite_utils.Database, silence_id: int, *, replay: bool, now: datetime
) -> tuple[bool, int]:
    """End silence `silence_id` now; with `replay`, re-queue what it held. Returns (ended now, replayed).

    Raises UserError when there is no such silence. Replaying an already ended silence is allowed.
    """
    silence = silence_store.get(db, silence_id)
    if silence is None:
        raise UserError(f"no silence {silence_id} (`driftsvarsel silence list` shows the ids)")
    ended = silence_store.expire(db, silence_id, by=_who(), now=now)
    replayed = silence_store.release(db, silence_id, now) if replay else 0
    return ended, replayed


def silence_json(silence: Silence, held: int, now: datetime) -> dict[str, object]:
    return {
        "id": silence.id,
        "kommune": silence.kommune,
        "api": silence.api,
        "channel": silence.channel,
        "starts_at": local_iso(silence.starts_at),
        "until": local_iso(silence.until),
        "expired_at": local_iso(silence.expired_at),
        "active": silence.active(now),
        "created_by": silence.created_by,
        "created_at": local_iso(silence.created_at),
        "reason": silence.reason,
        "held": held,
    }


def list_json(db: sqlite_utils.Database, now: datetime) -> dict[str, object]:
    """The `silence list --json` shape: every silence, newest first."""
    held = silence_store.held_counts(db)
    return {"silences": [silence_json(s, held.get(s.id, 0), now) for s in silence_store.all_silences(db)]}


def list_lines(db: sqlite_utils.Database, now: datetime) -> list[str]:
    """The `silence list` table: id, state, matchers, end, held count, who, why."""
    held = silence_store.held_counts(db)
    row = "{:>4}  {:<8}  {:<36}  {:<22}  {:>5}  {:<10}  {}"
    lines = [row.format("ID", "STATE", "MATCHERS", "ENDS", "HELD", "BY", "REASON")]
    for silence in silence_store.all_silences(db):
        state = "active" if silence.active(now) else ("expired" if silence.expired_at else "ended")
        lines.append(
            row.format(
                silence.id,
                state,
                silence.matchers(),
                local_time(silence.ends_at),
                held.get(silence.id, 0),
                silence.created_by,
                silence.reason,
            ).rstrip()
        )
    if len(lines) == 1:
        return ["no silences (`driftsvarsel silence add` makes one)"]
    return lines


def describe(silence: Silence) -> str:
    """For the compliance report (Norwegian): "dempet av #3 (kommune=0301) til ...: grunn"."""
    who = kommune_name(silence.kommune) if silence.kommune and silence.kommune != "admin" else None
    matchers = silence.matchers() + (f" ({who})" if who else "")
    return (
        f"dempet av demping {silence.id} [{matchers}] til {local_time(silence.ends_at)}, "
        f"satt av {silence.created_by}: {silence.reason}"
    )
