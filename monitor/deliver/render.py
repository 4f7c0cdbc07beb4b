"""Alert → channel-neutral Norwegian `Message` (pure; no I/O, no clock).

The message carries untrusted text (notice title and body) as-is; each channel in
`monitor/deliver/` escapes it for its own markup. Everything here is plain text.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

from monitor.deliver.escape import visible
from monitor.deliver.why import footer_text
from monitor.model import ALL_APIS, Alert, Classification, Message, Notice, Window
from monitor.redact import redact

OSLO = ZoneInfo("Europe/Oslo")
BODY_MAX_CHARS = 1500
SUBJECT_MAX_CHARS = 200
#: A notice title longer than this is cut (it is the headline in every channel, and the subject).
TITLE_MAX_CHARS = 300
#: What a cut text ends with, so the reader knows there is more at the source.
SHORTENED = "… (forkortet)"
MESSAGE_ID_DOMAIN = "driftsvarsel.monitor"

#: Norwegian display names of the kommune APIs (model.KOMMUNE_APIS), and "*".
API_NAMES: dict[str, str] = {
    "summertskattegrunnlag": "Summert skattegrunnlag API",
    "beregnetskatt": "Beregnet skatt API",
    "inntekt": "Inntekt API",
    "formuesgrunnlageiendomsskatt": "Formuesgrunnlag for eiendomsskatt API",
    "spesifisertsummertskattegrunnlag": "Spesifisert summert skattegrunnlag API",
    ALL_APIS: "Alle delingstjenester",
}
CATEGORY_SHORT: dict[str, str] = {
    "downtime": "Nedetid",
    "error": "Feil",
    "resolved": "Løst",
    "api_change": "API-endring",
    "info": "Informasjon",
}
ENVIRONMENT_NAMES: dict[str, str] = {
    "prod": "Produksjon",
    "test": "Test",
    "both": "Produksjon og test",
    "unspecified": "Ikke oppgitt",
}
WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
NOT_STATED = "ikke oppgitt"


def render_alert(alert: Alert, *, probe_note: str | None = None, in_reply_to: str | None = None) -> Message:
    """Write `alert` as a Norwegian message for a kommune's operations team.

    `probe_note` (what the health probes see right now) becomes a field when given;
    `in_reply_to` is the `message_id`/thread reference this message follows up.
    The `message_id` is derived from `alert.key` only, so rendering twice gives the same id.
    """
    notice = alert.change.notice
    classification = alert.classification
    category = category_name(classification)
    title = _cap(one_line(visible(notice.title)), TITLE_MAX_CHARS) or "(uten tittel)"
    subject, headline = _subject_and_headline(alert, title)
    fields: list[tuple[str, str]] = [("Kategori", category)]
    if alert.change.kind == "edited":
        fields.append(("Endring", _edit_summary(alert.change.previous, notice)))
    fields.append(("Berørte API-er", api_list(classification.apis)))
    fields.append(("Miljø", ENVIRONMENT_NAMES.get(classification.environment, classification.environment)))
    if classification.window is not None or classification.category == "downtime":
        fields.append(("Tidsrom", window_text(classification.window)))
    fields.append(("Publisert", _datetime_text(notice.published)))
    if alert.kommune_number != "admin":
        fields.append(("Kommune", f"{alert.kommune_name} ({alert.kommune_number})"))
    if probe_note:
        fields.append(("Helseprober", one_line(probe_note)))
    return Message(
        subject=_cap(subject, SUBJECT_MAX_CHARS),
        headline=headline,
        fields=tuple(fields),
        body=truncate(visible(notice.text).strip(), BODY_MAX_CHARS),
        link=notice.link.strip() or None,
        footer=_footer(alert, category),
        message_id=message_id_for(alert.key),
        in_reply_to=in_reply_to,
    )


def render_admin(subject: str, text: str, key: str) -> Message:
    """A notice to the operators (source broken/recovered, dead letters, webhook gone).

    Registered secrets are masked (`monitor.redact`): the text may quote a receiver or an exception.
    """
    subject, text = redact(subject), redact(text)
    headline = _cap(one_line(visible(subject)), TITLE_MAX_CHARS)
    return Message(
        subject=_cap(f"[Driftsvarsel admin] {headline}", SUBJECT_MAX_CHARS),
        headline=headline,
        fields=(),
        body=truncate(visible(text).strip(), BODY_MAX_CHARS),
        link=None,
        footer="Driftsmelding fra driftsvarsel-monitor til administratorene.",
        message_id=message_id_for(key),
    )


def message_id_for(key: str) -> str:
    """A stable RFC 5322 Message-ID for an idempotency key."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{MESSAGE_ID_DOMAIN}>"


def category_name(classification: Classification) -> str:
    """The Kategori field: "Nedetid (planlagt)", "API-endring", "Løst", ..."""
    name = CATEGORY_SHORT.get(classification.category, classification.category)
    if classification.category == "downtime" and classification.planned is not None:
        return f"{name} ({'planlagt' if classification.planned else 'uplanlagt'})"
    return name


def api_list(apis: tuple[str, ...]) -> str:
    if not apis:
        return "Ingen av kommunenes API-er er nevnt"
    return ", ".join(API_NAMES.get(api, api) for api in apis)


def window_text(window: Window | None) -> str:
    """Tidsrom: "lørdag 23.04.2022 kl. 16:00 – mandag 02.05.2022 kl. 07:00"; missing parts "ikke oppgitt"."""
    if window is None:
        return NOT_STATED
    return f"{_local_text(window.start)} – {_local_text(window.end)}"


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a word boundary when one is near, ending in
    SHORTENED ("… (forkortet)")."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - len(SHORTENED))]
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    return cut.rstrip() + SHORTENED


def one_line(text: str) -> str:
    """Whitespace (newlines included) folded to single spaces: safe for subjects and headers."""
    return " ".join(text.split())


def _subject_and_headline(alert: Alert, title: str) -> tuple[str, str]:
    category = alert.classification.category
    short = CATEGORY_SHORT.get(category, category)
    kind = alert.change.kind
    if kind == "edited" and category == "resolved":
        # An incident updated to "resolved" is news of the resolution, not of an edit.
        return f"[Løst] {title}", f"Løst (oppdatert varsel): {title}"
    if kind == "edited":
        return f"[Endret] {short}: {title}", f"Varselet er endret – {short}: {title}"
    if kind == "removed":
        return f"[Fjernet] {short}: {title}", f"Varselet er fjernet fra kilden – {short}: {title}"
    if category == "resolved":
        return f"[Løst] {title}", f"Løst: {title}"
    return f"[Driftsvarsel] {short}: {title}", f"{short}: {title}"


def _edit_summary(previous: Notice | None, current: Notice) -> str:
    if previous is None:
        return "Varselet er endret"
    old, new = one_line(visible(previous.title)), one_line(visible(current.title))
    if old != new:
        return _cap(f"Tittel: «{old}» → «{new}»", 500)
    return "Teksten er endret (tittelen er den samme)"


def _footer(alert: Alert, category: str) -> str:
    """Norwegian from top to bottom: see `monitor.deliver.why`."""
    return footer_text(alert)


def _local_text(value: str | None) -> str:
    if not value:
        return NOT_STATED
    try:
        moment = datetime.strptime(value, "%Y-%m-%dT%H:%M")
    except ValueError:
        return value
    return f"{WEEKDAYS[moment.weekday()]} {moment:%d.%m.%Y} kl. {moment:%H:%M}"


def _datetime_text(moment: datetime | None) -> str:
    if moment is None:
        return NOT_STATED
    local = moment.astimezone(OSLO) if moment.tzinfo is not None else moment
    return _local_text(f"{local:%Y-%m-%dT%H:%M}")


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - len(SHORTENED))].rstrip() + SHORTENED
