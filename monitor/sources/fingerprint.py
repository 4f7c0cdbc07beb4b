"""What status-page products look like: their known endpoints and how to tell a real answer.

A 200 proves nothing (Better Stack answers 200 with its HTML page for every path), so every
endpoint has a validator that reads the body's shape and says what it found, in one line.
Shapes follow each product's documented format (`shared/reference/status-pages.md`):

- Atlassian Statuspage: `/api/v2/summary.json` (`page` with `id`, `components` list),
  `/api/v2/incidents.json`, `/api/v2/scheduled-maintenances.json`, `/history.atom`, `/history.rss`;
- Better Stack: `/index.json` (JSON:API, `data.type == "status_page"`), `/feed.rss`;
- Instatus: `/summary.json` (`page` with `status`, and `activeIncidents`/`activeMaintenances`),
  `/feed.rss`;
- Cachet: `/api/v1/ping` (`{"data": "Pong!"}`), `/api/v1/incidents` (`meta.pagination`, `data`),
  `/atom`, `/rss`;
- Status.io: no fixed path on the page's host; recognised by page hints and its announced feed.

Pure: bodies in, verdicts out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from monitor.config.types import SourceConfig, SourceKind
from monitor.sources import SourceFormatError, betterstack, decode_text, describe_body, statuspage
from monitor.sources.atom import read_feed

STATUSPAGE = "Atlassian Statuspage"
BETTERSTACK = "Better Stack"
INSTATUS = "Instatus"
CACHET = "Cachet"
STATUSIO = "Status.io"
FEED = "RSS/Atom feed"


@dataclass(frozen=True)
class Verdict:
    """What one body is: `valid` with a one-line `finding`, or not, with what came instead."""

    valid: bool
    finding: str
    signature: str = ""  # for feeds: title and entry count, so an RSS and Atom twin are seen as one


Validator = Callable[[bytes, str | None], Verdict]


@dataclass(frozen=True)
class Endpoint:
    """A known path of a product; `kind` is the source kind that reads it, if we have one."""

    product: str
    path: str
    validator: Validator
    kind: SourceKind | None = None


def _json(body: bytes, content_type: str | None) -> Any:
    try:
        return json.loads(decode_text(body, content_type))
    except (ValueError, SourceFormatError):
        return None


def statuspage_summary(body: bytes, content_type: str | None) -> Verdict:
    data = _json(body, content_type)
    page = data.get("page") if isinstance(data, dict) else None
    if isinstance(page, dict) and page.get("id") and isinstance(data.get("components"), list):
        return Verdict(
            True, f"Statuspage v2 summary of {page.get('name')!r}, {len(data['components'])} components"
        )
    return Verdict(False, f"not a Statuspage summary: {describe_body(body, content_type)}")


def statuspage_list(body: bytes, content_type: str | None) -> Verdict:
    probe = SourceConfig(name="discover", kind="statuspage_api", url="https://discover.invalid/")
    try:
        notices = statuspage.parse(body, probe, content_type=content_type)
    except (SourceFormatError, ValueError, KeyError, TypeError, AttributeError) as error:
        return Verdict(False, f"not Statuspage v2 JSON: {str(error)[:160]}")
    return Verdict(True, f"Statuspage v2 JSON with {len(notices)} incidents/maintenances")


def betterstack_index(body: bytes, content_type: str | None) -> Verdict:
    try:
        data = betterstack.read_index(body, content_type)
    except SourceFormatError as error:
        return Verdict(False, f"not a Better Stack index.json: {str(error)[:160]}")
    included = [item for item in data.get("included") or [] if isinstance(item, dict)]
    reports = sum(1 for item in included if item.get("type") == "status_report")
    return Verdict(True, f"Better Stack index.json (JSON:API status_page), {reports} status reports")


def instatus_summary(body: bytes, content_type: str | None) -> Verdict:
    data = _json(body, content_type)
    page = data.get("page") if isinstance(data, dict) else None
    if (
        isinstance(page, dict)
        and "status" in page
        and ("activeIncidents" in data or "activeMaintenances" in data)
    ):
        return Verdict(True, f"Instatus summary.json of {page.get('name')!r} (status {page.get('status')})")
    return Verdict(False, f"not an Instatus summary: {describe_body(body, content_type)}")


def cachet_ping(body: bytes, content_type: str | None) -> Verdict:
    data = _json(body, content_type)
    if isinstance(data, dict) and data.get("data") == "Pong!":
        return Verdict(True, 'Cachet API ping answered {"data": "Pong!"}')
    return Verdict(False, f"not a Cachet ping: {describe_body(body, content_type)}")


def cachet_incidents(body: bytes, content_type: str | None) -> Verdict:
    data = _json(body, content_type)
    meta = data.get("meta") if isinstance(data, dict) else None
    if isinstance(meta, dict) and "pagination" in meta and isinstance(data.get("data"), list):
        return Verdict(True, f"Cachet API incidents, {len(data['data'])} on the first page")
    return Verdict(False, f"not Cachet incidents: {describe_body(body, content_type)}")


def feed(body: bytes, content_type: str | None) -> Verdict:
    try:
        parsed = read_feed(body, content_type, "an RSS or Atom feed")
    except SourceFormatError as error:
        return Verdict(False, f"not a feed: {str(error)[:160]}")
    title = " ".join(str(parsed.feed.get("title") or "").split())[:80]
    count = len(parsed.entries)
    return Verdict(True, f"{parsed.version} feed {title!r} with {count} entries", f"{title}|{count}")


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(STATUSPAGE, "api/v2/summary.json", statuspage_summary),
    Endpoint(STATUSPAGE, "api/v2/incidents.json", statuspage_list, "statuspage_api"),
    Endpoint(STATUSPAGE, "api/v2/scheduled-maintenances.json", statuspage_list, "statuspage_api"),
    Endpoint(STATUSPAGE, "history.atom", feed, "status_feed"),
    Endpoint(STATUSPAGE, "history.rss", feed, "status_feed"),
    Endpoint(BETTERSTACK, "index.json", betterstack_index, "betterstack"),
    Endpoint(BETTERSTACK, "feed.rss", feed, "status_feed"),
    Endpoint(INSTATUS, "summary.json", instatus_summary),
    Endpoint(CACHET, "api/v1/ping", cachet_ping),
    Endpoint(CACHET, "api/v1/incidents", cachet_incidents),
    Endpoint(CACHET, "atom", feed, "status_feed"),
    Endpoint(CACHET, "rss", feed, "status_feed"),
)

#: Words in a page (generator tag, scripts, links) that hint at a product. Hints are shown as
#: evidence but never decide: only a validated endpoint does.
PAGE_HINTS: dict[str, tuple[str, ...]] = {
    STATUSPAGE: ("statuspage.io", "stspg.io", "atlassian statuspage"),
    BETTERSTACK: ("betterstack", "betteruptime", "better stack", "better uptime"),
    INSTATUS: ("instatus",),
    CACHET: ("cachet",),
    STATUSIO: ("status.io",),
}

#: Endpoints that prove the product itself (a feed alone could be any product's).
PROVING_VALIDATORS = (statuspage_summary, statuspage_list, betterstack_index, instatus_summary, cachet_ping,
                      cachet_incidents)  # fmt: skip
