"""The messages a correction sends (pure, Norwegian): the alert again marked "[Korrigert]" for those
newly in scope, and one short correction for those who got it wrongly, in the same thread."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from monitor.deliver.render import (
    CATEGORY_SHORT,
    ENVIRONMENT_NAMES,
    api_list,
    message_id_for,
    one_line,
    render_alert,
)
from monitor.model import Alert, Classification, Message, Notice
from monitor.store.overrides import Override

OSLO = ZoneInfo("Europe/Oslo")
MARK = "[Korrigert]"


def _signature(override: Override) -> str:
    when = override.at.astimezone(OSLO)
    return f"Korrigert av {override.who} {when:%d.%m.%Y kl. %H:%M}: {one_line(override.reason)}"


def render_corrected(alert: Alert, override: Override) -> Message:
    """The alert for a kommune newly in scope, marked as a correction."""
    message = render_alert(alert)
    return replace(
        message,
        subject=f"{MARK} {message.subject}",
        headline=f"{MARK} {message.headline}",
        footer=f"{_signature(override)}. {message.footer}",
    )


def render_withdrawal(
    notice: Notice, corrected: Classification, override: Override, *, kommune_name: str, key: str
) -> Message:
    """One short correction to a channel that got the notice but is not concerned after all."""
    title = one_line(notice.title) or "(uten tittel)"
    category = CATEGORY_SHORT.get(corrected.category, corrected.category)
    return Message(
        subject=f"{MARK} Gjelder ikke dere likevel: {title}",
        headline=f"{MARK} Varselet «{title}» gjelder ikke {kommune_name} likevel",
        fields=(
            ("Kategori", category),
            ("Berørte API-er", api_list(corrected.apis)),
            ("Miljø", ENVIRONMENT_NAMES.get(corrected.environment, corrected.environment)),
        ),
        body=(
            "Dere fikk dette varselet fordi det ble klassifisert feil. Etter korrigeringen gjelder det ingen "
            "av API-ene dere bruker, så dere trenger ikke gjøre noe."
        ),
        link=notice.link.strip() or None,
        footer=f"{_signature(override)}.",
        message_id=message_id_for(key),
    )
