"""Alert → channel-neutral Norwegian `Message` (pure; no I/O, no clock).

The message carries untrusted text (notice title and body) as-is; each channel in
`monitor/deliver/` escapes it for its own markup. Everything here is plain text.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

from monitor.deliver.editsummary import edit_summary
from monitor.deliver.escape import visible
from monitor.deliver.why import footer_text
from monitor.model import ALL_APIS, Alert, Classification, Message, Notice, Window
from monitor.redact import redact
from monitor.texts import nb, say, weekday

OSLO = ZoneInfo("Europe/Oslo")
BODY_MAX_CHARS = 1500
SUBJECT_MAX_CHARS = 200
#: A notice title longer than this is cut (it is the headline in every channel, and the subject).
TITLE_MAX_CHARS = 300
#: What a cut text ends with, so the reader knows there is more at the source.
SHORTENED = "… (forkortet)"
MESSAGE_ID_DOMAIN = "driftsvarsel.monitor"

#: Display names of the kommune APIs (model.KOMMUNE_APIS); "*" is said per language (texts "all_apis").
API_NAMES: dict[str, str] = {
    "summertskattegrunnlag": "Summert skattegrunnlag API",
    "beregnetskatt": "Beregnet skatt API",
    "inntekt": "Inntekt API",
    "formuesgrunnlageiendomsskatt": "Formuesgrunnlag for eiendomsskatt API",
    "spesifisertsummertskattegrunnlag": "Spesifisert summert skattegrunnlag API",
    ALL_APIS: nb.TEXTS["all_apis"],
}
# Bokmål names, for the status page; alerts take them from monitor/texts in the kommune's målform.
CATEGORY_SHORT: dict[str, str] = {
    category: nb.TEXTS[f"category.{category}"]
    for category in ("downtime", "error", "resolved", "api_change", "info")
}
ENVIRONMENT_NAMES: dict[str, str] = {
    environment: nb.TEXTS[f"environment.{environment}"]
    for environment in ("prod", "test", "both", "unspecified")
}
NOT_STATED = nb.TEXTS["not_stated"]


def render_alert(
    alert: Alert,
    *,
    probe_note: str | None = None,
    in_reply_to: str | None = None,
    previous: Classification | None = None,
) -> Message:
    """Write `alert` as a message for a kommune's operations team, in `alert.language` (nb or nn).

    `previous` is the classification of the version an edit replaces (its window and APIs go
    into the "Endring" field); `probe_note` (what the health probes see right now) becomes a field when given;
    `in_reply_to` is the `message_id`/thread reference this message follows up.
    The `message_id` is derived from `alert.key` only, so rendering twice gives the same id.
    """
    notice = alert.change.notice
    classification = alert.classification
    language = alert.language
    category = category_name(classification, language)
    title = _cap(one_line(visible(notice.title)), TITLE_MAX_CHARS, language) or say(language, "untitled")
    subject, headline = _subject_and_headline(alert, title)
    fields: list[tuple[str, str]] = [(say(language, "field.category"), category)]
    if alert.change.kind == "edited":
        fields.append(
            (
                say(language, "field.change"),
                _edit_summary(alert.change.previous, notice, previous, classification, language),
            )
        )
    fields.append((say(language, "field.apis"), api_list(classification.apis, language)))
    fields.append(
        (say(language, "field.environment"), environment_name(classification.environment, language))
    )
    if classification.window is not None or classification.category == "downtime":
        fields.append((say(language, "field.window"), window_text(classification.window, language)))
    fields.append((say(language, "field.published"), _datetime_text(notice.published, language)))
    if alert.kommune_number != "admin":
        fields.append((say(language, "field.kommune"), f"{alert.kommune_name} ({alert.kommune_number})"))
    if probe_note:
        fields.append((say(language, "field.probes"), one_line(probe_note)))
    return Message(
        subject=_cap(subject, SUBJECT_MAX_CHARS, language),
        headline=headline,
        fields=tuple(fields),
        body=truncate(visible(notice.text).strip(), BODY_MAX_CHARS, language),
        link=notice.link.strip() or None,
        footer=_footer(alert, category),
        message_id=message_id_for(alert.key),
        in_reply_to=in_reply_to,
        language=language,
    )


def render_admin(subject: str, text: str, key: str, language: str = "nb") -> Message:
    """A notice to the operators (source broken/recovered, dead letters, webhook gone), in the
    admin route's målform (`admin: {målform: nn}`).

    Registered secrets are masked (`monitor.redact`): the text may quote a receiver or an exception.
    """
    subject, text = redact(subject), redact(text)
    headline = _cap(one_line(visible(subject)), TITLE_MAX_CHARS, language)
    return Message(
        subject=_cap(say(language, "admin.subject", headline=headline), SUBJECT_MAX_CHARS, language),
        headline=headline,
        fields=(),
        body=truncate(visible(text).strip(), BODY_MAX_CHARS, language),
        link=None,
        footer=say(language, "admin.footer"),
        message_id=message_id_for(key),
        language=language,
    )


def message_id_for(key: str) -> str:
    """A stable RFC 5322 Message-ID for an idempotency key."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{MESSAGE_ID_DOMAIN}>"


def category_name(classification: Classification, language: str = "nb") -> str:
    """The Kategori field: "Nedetid (planlagt)", "API-endring", "Løst" ("Løyst" in nynorsk), ..."""
    name = short_category(classification.category, language)
    if classification.category == "downtime" and classification.planned is not None:
        planned = say(language, "planned" if classification.planned else "unplanned")
        return say(language, "category_planned", name=name, planned=planned)
    return name


def short_category(category: str, language: str = "nb") -> str:
    """ "Nedetid", "Feil", "Løst"/"Løyst", "API-endring", "Informasjon"."""
    return say(language, f"category.{category}") if category in CATEGORY_SHORT else category


def environment_name(environment: str, language: str = "nb") -> str:
    return say(language, f"environment.{environment}") if environment in ENVIRONMENT_NAMES else environment


def api_names(language: str = "nb") -> dict[str, str]:
    """API_NAMES with "*" said in `language`."""
    return {**API_NAMES, ALL_APIS: say(language, "all_apis")}


def api_list(apis: tuple[str, ...], language: str = "nb") -> str:
    if not apis:
        return say(language, "no_apis")
    return ", ".join(
        say(language, "all_apis") if api == ALL_APIS else API_NAMES.get(api, api) for api in apis
    )


def window_text(window: Window | None, language: str = "nb") -> str:
    """Tidsrom: "lørdag 23.04.2022 kl. 16:00 – mandag 02.05.2022 kl. 07:00"; missing parts "ikke oppgitt"."""
    if window is None:
        return say(language, "not_stated")
    return f"{_local_text(window.start, language)} – {_local_text(window.end, language)}"


def truncate(text: str, limit: int, language: str = "nb") -> str:
    """`text` cut to at most `limit` characters, at a word boundary when one is near, ending in
    SHORTENED ("… (forkortet)"; "… (forkorta)" in nynorsk)."""
    if len(text) <= limit:
        return text
    shortened = say(language, "shortened")
    cut = text[: max(0, limit - len(shortened))]
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    return cut.rstrip() + shortened


def one_line(text: str) -> str:
    """Whitespace (newlines included) folded to single spaces: safe for subjects and headers."""
    return " ".join(text.split())


def _subject_and_headline(alert: Alert, title: str) -> tuple[str, str]:
    category = alert.classification.category
    language = alert.language
    short = short_category(category, language)
    kind = alert.change.kind
    if kind == "edited" and category == "resolved":
        # An incident updated to "resolved" is news of the resolution, not of an edit.
        return say(language, "subject.resolved", title=title), say(
            language, "headline.resolved_update", title=title
        )
    if kind == "edited":
        return say(language, "subject.edited", category=short, title=title), say(
            language, "headline.edited", category=short, title=title
        )
    if kind == "removed" and alert.thread_key is not None:  # a withdrawal, sent to those who got it
        return say(language, "subject.withdrawn", category=short, title=title), say(
            language, "headline.withdrawn", category=short, title=title
        )
    if kind == "removed":
        return say(language, "subject.removed", category=short, title=title), say(
            language, "headline.removed", category=short, title=title
        )
    if category == "resolved":
        return say(language, "subject.resolved", title=title), say(language, "headline.resolved", title=title)
    return say(language, "subject.alert", category=short, title=title), say(
        language, "headline.alert", category=short, title=title
    )


def _edit_summary(
    previous: Notice | None,
    current: Notice,
    before: Classification | None,
    after: Classification,
    language: str = "nb",
) -> str:
    return edit_summary(
        previous,
        current,
        before,
        after,
        api_list=api_names(language),
        window_text=window_text(after.window, language),
        previous_window_text=None if before is None else window_text(before.window, language),
        language=language,
    )


def _footer(alert: Alert, category: str) -> str:
    """Norwegian from top to bottom: see `monitor.deliver.why`."""
    return footer_text(alert)


def _local_text(value: str | None, language: str = "nb") -> str:
    if not value:
        return say(language, "not_stated")
    try:
        moment = datetime.strptime(value, "%Y-%m-%dT%H:%M")
    except ValueError:
        return value
    day = weekday(language, moment.weekday())
    return say(language, "moment", weekday=day, date=f"{moment:%d.%m.%Y}", time=f"{moment:%H:%M}")


def _datetime_text(moment: datetime | None, language: str = "nb") -> str:
    if moment is None:
        return say(language, "not_stated")
    local = moment.astimezone(OSLO) if moment.tzinfo is not None else moment
    return _local_text(f"{local:%Y-%m-%dT%H:%M}", language)


def _cap(text: str, limit: int, language: str = "nb") -> str:
    if len(text) <= limit:
        return text
    shortened = say(language, "shortened")
    return text[: max(0, limit - len(shortened))].rstrip() + shortened
