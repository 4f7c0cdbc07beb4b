"""Replay of real sources for `driftsvarsel demo`: the saved feed and status page, revealed step by step.

The data ships in `monitor/data/replay/`: the real Skatteetaten `atom.xml` (43 entries, saved
2024-01-26), the real listing page, and Statuspage v2 JSON built from real 2024 notices
(`tests/fixtures/status/`). At poll step k the feed shows its oldest entries up to a count that
grows with k (real entry XML kept verbatim), and the status page shows the incident updates up to
the k-th, so an incident first appears as "investigating" and is later edited to "resolved".
Equal steps give byte-identical bodies, so the LocalServer's ETag changes only with the content.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from monitor.demo.localserver import LocalServer, Route

FEED_PATH = "/api-dokumentasjon/nyheter-og-driftsvarsler/atom.xml"
LISTING_PATH = "/api-dokumentasjon/nyheter-og-driftsvarsler"
STATUSPAGE_PATH = "/api/v2/incidents.json"

_ENTRY = re.compile(r"[ \t]*<entry>.*?</entry>\s*", re.DOTALL)
_UPDATED = re.compile(r"<updated>([^<]*)</updated>")
_FINISHED = {"resolved", "postmortem", "completed"}


@dataclass(frozen=True)
class ReplaySchedule:
    """How much each poll step reveals: feed entries and status-page updates (incident_updates)."""

    first_entries: int = 40
    entries_per_step: int = 1
    first_status_events: int = 0
    status_events_per_step: int = 1

    def entries_at(self, step: int) -> int:
        return min(feed_entry_count(), self.first_entries + self.entries_per_step * max(0, step))

    def status_events_at(self, step: int) -> int:
        return min(
            status_event_count(), self.first_status_events + self.status_events_per_step * max(0, step)
        )


def _data(name: str) -> bytes:
    return resources.files("monitor").joinpath("data", "replay", name).read_bytes()


@cache
def _feed_parts() -> tuple[str, tuple[str, ...], str]:
    """(header, entries newest first, footer) of the saved feed, as text."""
    text = _data("atom.xml").decode("utf-8")
    matches = list(_ENTRY.finditer(text))
    header, footer = text[: matches[0].start()], text[matches[-1].end() :]
    return header, tuple(match.group(0) for match in matches), footer


def feed_entry_count() -> int:
    return len(_feed_parts()[1])


def build_feed(entries_visible: int) -> bytes:
    """The real Atom feed with only its oldest `entries_visible` entries (newest first, verbatim).

    The feed's <updated> is the newest visible entry's; with no entries it is left as saved.
    Raises ValueError for a negative count; counts above the total give the whole feed.
    """
    if entries_visible < 0:
        raise ValueError(f"entries_visible must be 0 or more, not {entries_visible}")
    header, entries, footer = _feed_parts()
    visible = entries[len(entries) - min(entries_visible, len(entries)) :]
    if visible:
        newest = max(_UPDATED.search(entry).group(1) for entry in visible)  # type: ignore[union-attr]
        header = _UPDATED.sub(f"<updated>{newest}</updated>", header, count=1)
    return (header + "".join(visible) + footer).encode("utf-8")


@cache
def _status_items() -> tuple[dict[str, Any], tuple[dict[str, Any], ...]]:
    """(page, incidents and maintenances oldest first) from the shipped Statuspage JSON."""
    incidents = json.loads(_data("incidents.json"))
    maintenances = json.loads(_data("scheduled-maintenances.json"))
    items = [*incidents["incidents"], *maintenances["scheduled_maintenances"]]
    items.sort(key=lambda item: _moment(item["created_at"]))
    return incidents["page"], tuple(items)


@cache
def _status_events() -> tuple[tuple[str, str], ...]:
    """(item id, update id) of every update of every item, oldest first."""
    events = [
        (_moment(update["created_at"]), item["id"], update["id"])
        for item in _status_items()[1]
        for update in item["incident_updates"]
    ]
    return tuple((item_id, update_id) for _, item_id, update_id in sorted(events))


def status_event_count() -> int:
    return len(_status_events())


def build_statuspage(incidents_visible: int) -> bytes:
    """Statuspage v2 JSON (`incidents` + `scheduled_maintenances`) with the oldest N items, complete."""
    if incidents_visible < 0:
        raise ValueError(f"incidents_visible must be 0 or more, not {incidents_visible}")
    page, items = _status_items()
    return _statuspage_body(page, [copy.deepcopy(item) for item in items[:incidents_visible]])


def build_statuspage_events(events_visible: int) -> bytes:
    """Statuspage v2 JSON as it stood after the first `events_visible` updates of all items.

    Each item shows only its updates so far; its status, updated_at and resolved_at follow its
    newest visible update, as on a live page.
    """
    if events_visible < 0:
        raise ValueError(f"events_visible must be 0 or more, not {events_visible}")
    shown = set(_status_events()[:events_visible])
    page, items = _status_items()
    states = []
    for item in items:
        updates = [update for update in item["incident_updates"] if (item["id"], update["id"]) in shown]
        if not updates:
            continue
        updates.sort(key=lambda update: _moment(update["created_at"]), reverse=True)
        state = copy.deepcopy(item)
        state["incident_updates"] = copy.deepcopy(updates)
        state["status"] = updates[0]["status"]
        state["updated_at"] = updates[0]["created_at"]
        state["resolved_at"] = updates[0]["created_at"] if updates[0]["status"] in _FINISHED else None
        states.append(state)
    return _statuspage_body(page, states)


def _statuspage_body(page: dict[str, Any], items: list[dict[str, Any]]) -> bytes:
    items.sort(key=lambda item: _moment(item["created_at"]), reverse=True)
    body = {
        "page": dict(page, updated_at=_newest(items, page)),
        "incidents": [item for item in items if not item.get("scheduled_for")],
        "scheduled_maintenances": [item for item in items if item.get("scheduled_for")],
    }
    return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def install_routes(server: LocalServer, step: int, schedule: ReplaySchedule | None = None) -> dict[str, str]:
    """Serve poll step `step` of the replay on `server`; return source kind → URL.

    Kinds: "atom" (the growing real feed), "statuspage_api" (the status page, update by update),
    "listing" (the real listing page, static: it is a 2025 build and does not follow the steps).
    """
    plan = schedule or ReplaySchedule()
    feed = build_feed(plan.entries_at(step))
    status = build_statuspage_events(plan.status_events_at(step))
    server.route(
        FEED_PATH, Route(feed, "application/atom+xml; charset=utf-8", last_modified=_feed_time(feed))
    )
    server.route(
        STATUSPAGE_PATH, Route(status, "application/json; charset=utf-8", last_modified=_json_time(status))
    )
    server.route(LISTING_PATH, Route(_data("listing.html"), "text/html; charset=utf-8"))
    return {
        "atom": server.url(FEED_PATH),
        "statuspage_api": server.url(STATUSPAGE_PATH),
        "listing": server.url(LISTING_PATH),
    }


def _newest(items: list[dict[str, Any]], page: dict[str, Any]) -> str:
    return max((str(item["updated_at"]) for item in items), key=_moment, default=str(page["updated_at"]))


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _feed_time(feed: bytes) -> float:
    match = _UPDATED.search(feed.decode("utf-8"))
    return _moment(match.group(1)).timestamp() if match else 1_700_000_000.0


def _json_time(body: bytes) -> float:
    return _moment(json.loads(body)["page"]["updated_at"]).timestamp()
