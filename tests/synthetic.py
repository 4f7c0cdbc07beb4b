"""Hand-made source bodies for end-to-end tests: an Atom feed and Statuspage v2 JSON from a few
(title, text, time) items, in the shapes the real sources serve (Docusaurus feed, Statuspage API)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

POST_BASE = "https://skatteetaten.github.io/api-dokumentasjon/nyheter-og-driftsvarsler/"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Post:
    slug: str
    title: str
    text: str
    at: datetime

    @property
    def url(self) -> str:
        return POST_BASE + self.slug


def atom_feed(posts: list[Post]) -> bytes:
    """A Docusaurus-style Atom feed of `posts`, newest first."""
    ordered = sorted(posts, key=lambda post: post.at, reverse=True)
    entries = "".join(
        f'<entry><title type="html">{escape(post.title)}</title><id>{escape(post.url)}</id>'
        f'<link href="{escape(post.url)}"/><updated>{post.at.isoformat()}</updated>'
        f'<content type="html">{escape("<p>" + escape(post.text) + "</p>")}</content></entry>'
        for post in ordered
    )
    newest = ordered[0].at.isoformat() if ordered else "2024-01-01T00:00:00+00:00"
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{POST_BASE}</id><title>Nyheter og driftsvarsler</title><updated>{newest}</updated>"
        f"{entries}</feed>"
    ).encode()


@dataclass(frozen=True)
class Incident:
    incident_id: str
    name: str
    status: str
    at: datetime
    updates: tuple[tuple[str, str, datetime], ...] = ()
    components: tuple[str, ...] = ()
    scheduled: tuple[datetime, datetime] | None = None
    extra: dict[str, object] = field(default_factory=dict)


def statuspage(incidents: list[Incident]) -> bytes:
    """Statuspage v2 incidents.json with `incidents` (maintenances when `scheduled` is set)."""
    items = []
    for incident in incidents:
        item: dict[str, object] = {
            "id": incident.incident_id,
            "name": incident.name,
            "status": incident.status,
            "created_at": incident.at.isoformat(),
            "updated_at": max([incident.at, *(when for _, _, when in incident.updates)]).isoformat(),
            "shortlink": f"https://stspg.io/{incident.incident_id}",
            "components": [{"name": name} for name in incident.components],
            "incident_updates": [
                {"id": f"{incident.incident_id}-{index}", "status": status, "body": body,
                 "created_at": when.isoformat(), "display_at": when.isoformat()}
                for index, (status, body, when) in enumerate(incident.updates)
            ],
            **incident.extra,
        }  # fmt: skip
        if incident.scheduled is not None:
            item["scheduled_for"], item["scheduled_until"] = (
                moment.isoformat() for moment in incident.scheduled
            )
        items.append(item)
    page = {"id": "skatteetaten", "name": "Skatteetaten", "url": "https://status.skatteetaten.no"}
    return json.dumps({"page": page, "incidents": items}, ensure_ascii=False).encode("utf-8")
