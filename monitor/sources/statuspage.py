"""Kind "statuspage_api": the Statuspage v2 JSON API (`shared/reference/status-pages.md`).

Accepts `incidents.json` (`{"page", "incidents"}`), `scheduled-maintenances.json`
(`{"page", "scheduled_maintenances"}`) and `summary.json` (both lists). One Notice per incident:
id "incident:<id>", or "maintenance:<id>" for anything with `scheduled_for` (Statuspage also lists
maintenances in incidents.json; the id stays the same whichever endpoint is polled). A new entry
in `incident_updates` changes the text, so it is an edit of the same notice, not a new one.

The text is written so the Norwegian classifier can read it:

    Status: Løst
    Planlagt: fra 11.06.2024 kl. 22:00 til 12.06.2024 kl. 00:00     (maintenances)
    Berørte tjenester: Inntekt API, Summert skattegrunnlag API

    Løst (22.05.2024 kl. 12:30): Feilen er rettet og systemene er oppe igjen

    Under undersøkelse (22.05.2024 kl. 08:56): Vi har for tiden driftsproblemer. ...

Times are Europe/Oslo local time.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from monitor.config.types import SourceConfig
from monitor.model import Notice, Window
from monitor.sources import SourceFormatError, decode_text, describe_body, parse_timestamp, require_body
from monitor.sources.atom import unique
from monitor.sources.htmltext import normalise_text

OSLO = ZoneInfo("Europe/Oslo")

#: Statuspage status names in Norwegian, as the classifier's vocabulary reads them.
STATUS_WORDS: dict[str, str] = {
    "investigating": "Under undersøkelse",
    "identified": "Årsak funnet",
    "monitoring": "Overvåkes",
    "resolved": "Løst",
    "postmortem": "Etterarbeid",
    "scheduled": "Planlagt",
    "in_progress": "Pågår",
    "verifying": "Verifiseres",
    "completed": "Fullført",
    "update": "Oppdatering",
}

_EXPECTED = "Statuspage v2 JSON (incidents.json, scheduled-maintenances.json or summary.json)"


def parse(body: bytes, source: SourceConfig, *, content_type: str | None = None) -> list[Notice]:
    """Notices from a Statuspage v2 JSON answer, incidents first, each list in the API's order.

    Raises SourceFormatError for a body that is not JSON (an HTML page), JSON of another shape,
    or an incident without an id or name.
    """
    require_body(body, _EXPECTED)
    try:
        data = json.loads(decode_text(body, content_type))
    except ValueError as error:
        raise SourceFormatError(
            f"expected {_EXPECTED} but got {describe_body(body, content_type)} ({error})"
        ) from error
    if not isinstance(data, dict) or not (
        isinstance(data.get("incidents"), list) or isinstance(data.get("scheduled_maintenances"), list)
    ):
        shape = f"an object with keys {sorted(data)[:8]}" if isinstance(data, dict) else type(data).__name__
        raise SourceFormatError(f"expected {_EXPECTED} but got JSON {shape} without incidents lists")
    page: dict[str, Any] = data["page"] if isinstance(data.get("page"), dict) else {}
    items = [*(data.get("incidents") or []), *(data.get("scheduled_maintenances") or [])]
    return unique([incident_to_notice(item, page, source) for item in items])


def incident_to_notice(incident: Any, page: dict[str, Any], source: SourceConfig) -> Notice:
    """One Notice from one incident or scheduled maintenance object."""
    if not isinstance(incident, dict) or not incident.get("id") or not incident.get("name"):
        raise SourceFormatError(f"an incident has no id or name: {json.dumps(incident)[:200]}")
    maintenance = bool(incident.get("scheduled_for"))
    prefix = "maintenance" if maintenance else "incident"
    link = incident.get("shortlink") or f"{str(page.get('url') or '').rstrip('/')}/incidents/{incident['id']}"
    return Notice(
        source=source.name,
        notice_id=f"{prefix}:{incident['id']}",
        title=normalise_text(str(incident["name"])),
        text=incident_text(incident),
        link=str(link),
        published=parse_timestamp(incident.get("created_at")),
        updated=parse_timestamp(incident.get("updated_at")),
        tags=("statusside", "vedlikehold" if maintenance else "hendelse"),
        window=scheduled_window(incident) if maintenance else None,
    )


def scheduled_window(incident: dict[str, Any]) -> Window | None:
    """A maintenance's `scheduled_for` / `scheduled_until` as an Oslo-time Window (None if unreadable)."""
    start, end = (
        parse_timestamp(incident.get("scheduled_for")),
        parse_timestamp(incident.get("scheduled_until")),
    )
    if start is None and end is None:
        return None
    return Window(_local(start), _local(end))


def _local(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(OSLO).strftime("%Y-%m-%dT%H:%M")


def incident_text(incident: dict[str, Any]) -> str:
    """Status line, maintenance window, affected components, then the updates newest first."""
    head = [f"Status: {status_word(incident.get('status'))}"]
    if incident.get("scheduled_for"):
        head.append(
            f"Planlagt: fra {oslo_time(incident.get('scheduled_for'))} "
            f"til {oslo_time(incident.get('scheduled_until'))}"
        )
    components = _component_names(incident)
    if components:
        head.append("Berørte tjenester: " + ", ".join(components))
    updates = [update for update in incident.get("incident_updates") or [] if isinstance(update, dict)]
    updates.sort(key=_update_time, reverse=True)
    parts = ["\n".join(head)]
    for update in updates:
        when = oslo_time(update.get("display_at") or update.get("created_at"))
        body = normalise_text(str(update.get("body") or ""))
        parts.append(f"{status_word(update.get('status'))} ({when}): {body}".rstrip(": "))
    return "\n\n".join(parts)


def status_word(status: object) -> str:
    """The Norwegian word for a Statuspage status; an unknown status is shown as it came."""
    text = str(status or "ukjent")
    return STATUS_WORDS.get(text.lower(), text)


def oslo_time(value: object) -> str:
    """ "23.04.2024 kl. 16:00" in Europe/Oslo time; "ukjent tid" when missing or unreadable."""
    moment = parse_timestamp(value)
    if moment is None:
        return "ukjent tid"
    return moment.astimezone(OSLO).strftime("%d.%m.%Y kl. %H:%M")


def _update_time(update: dict[str, Any]) -> datetime:
    moment = parse_timestamp(update.get("display_at") or update.get("created_at"))
    return moment or datetime.min.replace(tzinfo=UTC)


def _component_names(incident: dict[str, Any]) -> list[str]:
    names: list[str] = []
    sources = [incident.get("components") or []]
    updates = incident.get("incident_updates") or []
    sources += [update.get("affected_components") or [] for update in updates if isinstance(update, dict)]
    for components in sources:
        for component in components if isinstance(components, list) else []:
            name = component.get("name") if isinstance(component, dict) else None
            if isinstance(name, str) and name.strip() and name.strip() not in names:
                names.append(name.strip())
    return names
