"""Kind "betterstack": a Better Stack status page's `/index.json` (JSON:API form).

The answer has `data` (`type: status_page`) and `included`: `status_page_resource` (a component:
`public_name`, `status`), `status_report` (an incident or, with `report_type: maintenance`, a
maintenance: `title`, `starts_at`, `ends_at`, `aggregate_state`, `affected_resources`) and
`status_update` (`status_report_id`, `message`, `published_at`). One Notice per status report:
id "report:<id>", or "maintenance:<id>" for a maintenance, whose `starts_at`/`ends_at` is its
window. The text has the same shape as `statuspage_api`'s, so the classifier reads both alike:

    Status: Løst
    Planlagt: fra 11.06.2024 kl. 22:00 til 12.06.2024 kl. 00:00     (maintenances)
    Berørte tjenester: Inntekt API

    Nedetid (22.05.2024 kl. 10:10): Årsaken er funnet ...

A Better Stack page answers 200 with its HTML page for any unknown path, so a body that is not
this JSON shape is a SourceFormatError naming what came instead.
"""

from __future__ import annotations

import json
from typing import Any

from monitor.config.types import SourceConfig
from monitor.model import Notice, Window
from monitor.sources import SourceFormatError, decode_text, describe_body, parse_timestamp, require_body
from monitor.sources.atom import unique
from monitor.sources.htmltext import normalise_text
from monitor.sources.statuspage import oslo_time, scheduled_window

_EXPECTED = "a Better Stack status page index.json (JSON:API with data.type 'status_page')"

#: Better Stack's aggregate states in Norwegian, as the classifier's vocabulary reads them.
STATE_WORDS: dict[str, str] = {
    "resolved": "Løst",
    "operational": "Løst",
    "downtime": "Nedetid",
    "degraded": "Redusert ytelse",
    "maintenance": "Planlagt vedlikehold",
}


def parse(body: bytes, source: SourceConfig, *, content_type: str | None = None) -> list[Notice]:
    """Notices from an index.json answer, in the order of `included`.

    Raises SourceFormatError for a body that is not JSON (the HTML page Better Stack serves for
    any path), JSON of another shape, or a status report without an id or title.
    """
    data = read_index(body, content_type)
    included = [item for item in data.get("included") or [] if isinstance(item, dict)]
    names = component_names(included)
    updates = _updates_by_report(included)
    page_url = str(_attributes(data["data"]).get("company_url") or source.url)
    reports = [item for item in included if item.get("type") == "status_report"]
    return unique([report_to_notice(r, names, updates, source, page_url) for r in reports])


def read_index(body: bytes, content_type: str | None) -> dict[str, Any]:
    """The decoded index.json object. Raises SourceFormatError when it is not that shape."""
    require_body(body, _EXPECTED)
    try:
        data = json.loads(decode_text(body, content_type))
    except ValueError as error:
        raise SourceFormatError(
            f"expected {_EXPECTED} but got {describe_body(body, content_type)} ({error})"
        ) from error
    page = data.get("data") if isinstance(data, dict) else None
    if not isinstance(page, dict) or page.get("type") != "status_page":
        shape = f"an object with keys {sorted(data)[:8]}" if isinstance(data, dict) else type(data).__name__
        raise SourceFormatError(f"expected {_EXPECTED} but got JSON {shape}")
    result: dict[str, Any] = data
    return result


def component_names(included: list[dict[str, Any]]) -> dict[str, str]:
    """Resource id → public name, for every `status_page_resource`."""
    names: dict[str, str] = {}
    for item in included:
        if item.get("type") == "status_page_resource":
            name = _attributes(item).get("public_name")
            if isinstance(name, str) and name.strip():
                names[str(item.get("id"))] = name.strip()
    return names


def report_to_notice(
    report: dict[str, Any],
    names: dict[str, str],
    updates: dict[str, list[dict[str, Any]]],
    source: SourceConfig,
    page_url: str,
) -> Notice:
    """One Notice from one status report and its updates."""
    attributes = _attributes(report)
    if not report.get("id") or not attributes.get("title"):
        raise SourceFormatError(f"a status report has no id or title: {json.dumps(report)[:200]}")
    maintenance = attributes.get("report_type") == "maintenance"
    own_updates = sorted(updates.get(str(report["id"]), []), key=_published, reverse=True)
    times = [parse_timestamp(u.get("published_at")) for u in own_updates]
    known = [moment for moment in times if moment is not None]
    return Notice(
        source=source.name,
        notice_id=f"{'maintenance' if maintenance else 'report'}:{report['id']}",
        title=normalise_text(str(attributes["title"])),
        text=report_text(attributes, names, own_updates),
        link=f"{page_url.rstrip('/')}/",
        published=min(known, default=None) or parse_timestamp(attributes.get("starts_at")),
        updated=max(known, default=None),
        tags=("statusside", "vedlikehold" if maintenance else "hendelse"),
        window=_window(attributes) if maintenance else None,
    )


def report_text(attributes: dict[str, Any], names: dict[str, str], updates: list[dict[str, Any]]) -> str:
    """Status line, maintenance window, affected components, then the updates newest first."""
    state = str(attributes.get("aggregate_state") or "ukjent")
    head = [f"Status: {STATE_WORDS.get(state, state)}"]
    if attributes.get("report_type") == "maintenance":
        start, end = oslo_time(attributes.get("starts_at")), oslo_time(attributes.get("ends_at"))
        head.append(f"Planlagt: fra {start} til {end}")
    affected = [
        names.get(str(entry.get("status_page_resource_id")), "")
        for entry in attributes.get("affected_resources") or []
        if isinstance(entry, dict)
    ]
    if components := [name for name in dict.fromkeys(affected) if name]:
        head.append("Berørte tjenester: " + ", ".join(components))
    parts = ["\n".join(head)]
    for update in updates:
        message = normalise_text(str(update.get("message") or ""))
        parts.append(
            f"{update_word(update)} ({oslo_time(update.get('published_at'))}): {message}".rstrip(": ")
        )
    return "\n\n".join(parts)


def update_word(update: dict[str, Any]) -> str:
    """The Norwegian word for an update: the state it gives its resources, worst first.

    An update whose resources are all operational again is "Løst"; one without states is "Oppdatering".
    """
    states = {
        str(entry.get("status"))
        for entry in update.get("affected_resources") or []
        if isinstance(entry, dict) and entry.get("status")
    }
    for state in ("downtime", "degraded", "maintenance", "resolved", "operational"):
        if state in states:
            return STATE_WORDS[state]
    return "Oppdatering"


def _updates_by_report(included: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    updates: dict[str, list[dict[str, Any]]] = {}
    for item in included:
        if item.get("type") == "status_update":
            attributes = _attributes(item)
            updates.setdefault(str(attributes.get("status_report_id")), []).append(attributes)
    return updates


def _window(attributes: dict[str, Any]) -> Window | None:
    return scheduled_window(
        {"scheduled_for": attributes.get("starts_at"), "scheduled_until": attributes.get("ends_at")}
    )


def _published(update: dict[str, Any]) -> str:
    return str(update.get("published_at") or "")


def _attributes(item: Any) -> dict[str, Any]:
    attributes = item.get("attributes") if isinstance(item, dict) else None
    return attributes if isinstance(attributes, dict) else {}
