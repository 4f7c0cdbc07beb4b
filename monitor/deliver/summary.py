"""Summary messages (pure, Norwegian): one message standing in for many.

`storm_summary` lists the new notices a kommune channel would have got one by one when a source
brought too many at once (monitor.route.storm); the notice text itself is in each notice's link
and in `driftsvarsel history`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlite_utils

from monitor.config.types import Rules
from monitor.deliver.render import (
    SUBJECT_MAX_CHARS,
    category_name,
    message_id_for,
    one_line,
    render_admin,
)
from monitor.model import Alert, Message
from monitor.store import outbox

log = logging.getLogger(__name__)

#: Lines listed in a summary before "… og N til".
MAX_LISTED = 40
#: A summary's list may be longer than one notice's body (BODY_MAX_CHARS), well within every
#: channel's limit (Slack splits long text into 3,000-character sections; Teams cards hold ~28 KB).
SUMMARY_MAX_CHARS = 6000


def storm_summary(source: str, alerts: Sequence[Alert], kommune: str, kommune_name: str, key: str) -> Message:
    """One message listing the new notices in `alerts` (all of one kommune channel)."""
    count = len(alerts)
    lines = []
    for alert in alerts[:MAX_LISTED]:
        notice = alert.change.notice
        title = one_line(notice.title) or "(uten tittel)"
        lines.append(f"• {category_name(alert.classification)}: {title} – {notice.link.strip()}")
    if count > MAX_LISTED:
        lines.append(f"… og {count - MAX_LISTED} til.")
    body = "\n".join(lines)
    if len(body) > SUMMARY_MAX_CHARS:
        body = body[: SUMMARY_MAX_CHARS - 60].rsplit("\n", 1)[0] + f"\n… (listen er forkortet, {count} i alt)"
    headline = f"{count} nye varsler fra «{source}» på én gang"
    fields: list[tuple[str, str]] = [("Antall", str(count)), ("Kilde", source)]
    if kommune != "admin":
        fields.append(("Kommune", f"{kommune_name} ({kommune})"))
    return Message(
        subject=f"[Driftsvarsel] {headline}"[:SUBJECT_MAX_CHARS],
        headline=headline,
        fields=tuple(fields),
        body=body,
        link=None,
        footer=(
            "Kilden publiserte uvanlig mange nye varsler samtidig, så de kommer samlet i én melding "
            "i stedet for én melding per varsel. Alle er lagret hos driftsvarsel-monitoren."
        ),
        message_id=message_id_for(key),
    )


def queue_storm(
    db: sqlite_utils.Database,
    rules: Rules,
    source: str,
    new_count: int,
    held: Mapping[tuple[str, str], Sequence[Alert]],
    now: datetime,
) -> None:
    """Queue one storm summary per (kommune, channel) in `held`, and a note to every admin channel."""
    stamp = f"{source}:storm:{now:%Y%m%dT%H%M%S}"
    entries = []
    for (kommune, channel), alerts in held.items():
        key = f"{stamp}|{kommune}|{channel}"
        name = alerts[0].kommune_name if alerts else kommune
        entries.append(
            outbox.OutboxEntry(
                key, stamp, None, kommune, channel, storm_summary(source, alerts, kommune, name, key)
            )
        )
    outbox.enqueue(db, entries, now=now)
    log.warning("poll %s: %d new notices at once; %d summaries instead", source, new_count, len(entries))
    subject = f"Kilden «{source}» ga {new_count} nye varsler på én gang"
    text = (
        f"Grensen er {rules.settings.max_new_per_poll} nye varsler per henting "
        f"(settings.max_new_per_poll). Kommunene fikk én samlemelding per kanal ({len(entries)} "
        "meldinger) i stedet for én per varsel. Alle varslene er lagret; se dem med "
        "`driftsvarsel history`. Sjekk om kilden har endret adresser eller publisert et arkiv på nytt."
    )
    admin = []
    for admin_channel in rules.admin:
        key = f"admin:{stamp}|admin|{admin_channel.name}"
        admin.append(("admin", admin_channel.name, key, render_admin(subject, text, key)))
    outbox.enqueue_admin(db, admin, now)
