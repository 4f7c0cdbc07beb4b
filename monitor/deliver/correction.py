"""The messages a correction sends (pure; bokmål or nynorsk, monitor/texts): the alert again marked
"[Korrigert]" ("[Retta]" in nynorsk) for those
newly in scope, and one short correction for those who got it wrongly, in the same thread."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from monitor.deliver.render import (
    api_list,
    environment_name,
    message_id_for,
    one_line,
    render_alert,
    short_category,
)
from monitor.model import Alert, Classification, Message, Notice
from monitor.store.overrides import Override
from monitor.texts import nb, say

OSLO = ZoneInfo("Europe/Oslo")
#: The bokmål mark; nynorsk "[Retta]" (texts "correction.mark").
MARK = nb.TEXTS["correction.mark"]


def _signature(override: Override, language: str) -> str:
    when = override.at.astimezone(OSLO)
    return say(
        language,
        "correction.signature",
        who=override.who,
        when=f"{when:%d.%m.%Y kl. %H:%M}",
        reason=one_line(override.reason),
    )


def render_corrected(alert: Alert, override: Override) -> Message:
    """The alert for a kommune newly in scope, marked as a correction (in `alert.language`)."""
    language = alert.language
    message = render_alert(alert)
    mark = say(language, "correction.mark")
    return replace(
        message,
        subject=f"{mark} {message.subject}",
        headline=f"{mark} {message.headline}",
        footer=f"{_signature(override, language)}. {message.footer}",
    )


def render_withdrawal(
    notice: Notice,
    corrected: Classification,
    override: Override,
    *,
    kommune_name: str,
    key: str,
    language: str = "nb",
) -> Message:
    """One short correction to a channel that got the notice but is not concerned after all."""
    title = one_line(notice.title) or say(language, "untitled")
    mark = say(language, "correction.mark")
    return Message(
        subject=say(language, "correction.subject", mark=mark, title=title),
        headline=say(language, "correction.headline", mark=mark, title=title, kommune=kommune_name),
        fields=(
            (say(language, "field.category"), short_category(corrected.category, language)),
            (say(language, "field.apis"), api_list(corrected.apis, language)),
            (say(language, "field.environment"), environment_name(corrected.environment, language)),
        ),
        body=say(language, "correction.body"),
        link=notice.link.strip() or None,
        footer=f"{_signature(override, language)}.",
        message_id=message_id_for(key),
        language=language,
    )
