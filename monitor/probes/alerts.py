"""Probe transitions → alerts for the kommuner using that API, in Norwegian (pure).

An outage or recovery becomes a synthetic notice (source "probe", notice_id
"probe:<api>:<env>:<transition id>", category downtime/resolved, planned False) so the normal
renderer and outbox carry it like any other alert. Certificate warnings go to the admin route.
`probe_note` is the line the lead adds to a notice alert announcing an outage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from monitor.config.types import Rules
from monitor.deliver.render import message_id_for, render_admin, render_alert
from monitor.model import (
    ALL_APIS,
    Alert,
    Change,
    Classification,
    Environment,
    Message,
    Notice,
    TargetState,
    Window,
)
from monitor.probes.plan import MASKINPORTEN, display_name
from monitor.probes.state import Transition
from monitor.route.recipients import route
from monitor.texts import LANGUAGES, say

OSLO = ZoneInfo("Europe/Oslo")
SOURCE = "probe"
STATUS_LINK = "https://status.skatteetaten.no/"
NOT_ANNOUNCED = say("nb", "probe.not_announced")
#: Pseudo-api for our own Maskinporten client certificate (expiry warnings only).
CLIENT_CERTIFICATE = "maskinporten-klient"


@dataclass(frozen=True)
class AdminMessage:
    """A message for one admin channel; `idem_key` makes queueing it idempotent."""

    channel: str
    idem_key: str
    message: Message


def label(api: str, environment: str) -> str:
    """The display label, e.g. "Inntekt API (prod)"."""
    return f"{display_name(api)} ({environment})"


def notice_id(transition: Transition) -> str:
    return f"probe:{transition.api}:{transition.environment}:{transition.id}"


def transition_alerts(transitions: Sequence[Transition], rules: Rules) -> list[tuple[Alert, Message]]:
    """One (Alert, Message) per channel `monitor.route.recipients.route` picks, for every transition with
    `alert` set: the kommuner using the API (all of them for Maskinporten), admin as fallback.
    A recovery is threaded under the outage alert sent to the same channel."""
    alerts: list[tuple[Alert, Message]] = []
    for transition in transitions:
        if not transition.alert:
            continue
        # The notice is ours, so each målform gets it in its own words; the same key in both.
        for language in LANGUAGES:
            change, classification = synthetic_change(transition, language)
            for alert in route(change, classification, rules):
                if alert.language == language:
                    alerts.append(_with_message(transition, alert))
    return alerts


def synthetic_change(transition: Transition, language: str = "nb") -> tuple[Change, Classification]:
    """The synthetic notice and its classification describing `transition`, in `language`."""
    name = label(transition.api, transition.environment)
    since = _clock(transition.since, transition.at, language)
    apis = (ALL_APIS,) if transition.api == MASKINPORTEN else (transition.api,)
    if transition.kind == "recovery":
        title = say(language, "probe.recovered_title", name=name)
        text = say(
            language,
            "probe.recovered_text",
            name=name,
            since=since,
            until=_clock(transition.at, transition.at, language),
            duration=duration_text(transition.since, transition.at, language),
        )
        window = Window(_local(transition.since), _local(transition.at))
        classification = Classification("resolved", None, apis, _env(transition), window, ("helseprobe",))
    else:
        not_announced = say(language, "probe.not_announced")
        what = say(
            language, "probe.misconfigured" if transition.state == "misconfigured" else "probe.not_answering"
        )
        title = say(language, "probe.down_title", name=name, what=what, not_announced=not_announced)
        text = say(language, "probe.down_text", since=since, detail=transition.detail)
        if transition.kind == "overrun":
            title = say(language, "probe.overrun_title", name=name, not_announced=not_announced)
            text += say(language, "probe.overrun_text")
        else:
            text += say(language, "probe.unannounced_text")
        if transition.api == MASKINPORTEN:
            text += say(language, "probe.maskinporten_text")
        window = Window(_local(transition.since), None)
        reasons = (f"helseprobe: {transition.detail}", not_announced)
        classification = Classification("downtime", False, apis, _env(transition), window, reasons)
    notice = Notice(SOURCE, notice_id(transition), title, text, STATUS_LINK, published=transition.at)
    return Change("new", notice, 1), classification


def _env(transition: Transition) -> Environment:
    return "test" if transition.environment == "test" else "prod"


def _with_message(transition: Transition, alert: Alert) -> tuple[Alert, Message]:
    if transition.kind == "recovery" and transition.opening_id is not None:
        opening = f"probe:{transition.api}:{transition.environment}:{transition.opening_id}"
        alert = replace(alert, thread_key=f"{SOURCE}:{opening}#v1|{alert.kommune_number}|{alert.channel}")
    in_reply_to = message_id_for(alert.thread_key) if alert.thread_key else None
    return alert, render_alert(alert, in_reply_to=in_reply_to)


def cert_warning_messages(
    rules: Rules, api: str, environment: str, host: str, expires: datetime, days: int, now: datetime
) -> list[AdminMessage]:
    """A warning to every admin channel that `host`'s TLS certificate expires within `days` days.

    For api CLIENT_CERTIFICATE, `host` names our own Maskinporten certificate instead.
    """
    left = max((expires - now).days, 0)
    language = rules.admin_malform
    kind = "cert_client" if api == CLIENT_CERTIFICATE else "cert"
    subject = say(language, f"admin.{kind}_subject", days=left, host=host)
    text = say(
        language,
        "admin.cert_text",
        label=label(api, environment),
        what=say(language, f"admin.{kind}_what", host=host),
        when=_clock(expires, now, language),
        warn_days=days,
        consequence=say(language, f"admin.{kind}_consequence"),
    )
    key = f"probe:cert:{api}:{environment}:{expires:%Y%m%dT%H%M}:{days}"
    messages = []
    for channel in rules.admin:
        idem_key = f"{key}|admin|{channel.name}"
        messages.append(AdminMessage(channel.name, idem_key, render_admin(subject, text, idem_key, language)))
    return messages


def probe_note(
    api_list: Sequence[str],
    states: Sequence[TargetState],
    *,
    now: datetime | None = None,
    environment: str = "unspecified",
    language: str = "nb",
) -> str | None:
    """What the probes see now for the notice's APIs ("*": all, Maskinporten included) in the
    notice's environment ("both"/"unspecified": every environment), or None when no probe covers
    them. Times are Oslo clock times, with the date unless it is `now`'s day.

    "Helseprobene ser nå: Inntekt API (prod) nede siden 10:02; Inntekt API (test) svarer normalt."
    """
    environments = {"prod", "test"} if environment in ("both", "unspecified") else {environment}
    wanted = [
        state
        for state in states
        if (ALL_APIS in api_list or state.api in api_list)
        and state.state != "unknown"
        and state.environment in environments
    ]
    if not wanted:
        return None
    parts = [f"{label(state.api, state.environment)} {_state_text(state, now, language)}" for state in wanted]
    return say(language, "probe.note", parts="; ".join(parts))


def _state_text(state: TargetState, now: datetime | None, language: str) -> str:
    since = say(language, "probe.since", time=_clock(state.since, now, language)) if state.since else ""
    if state.state == "up":
        return say(language, "probe.up")
    if state.state == "misconfigured":
        return say(language, "probe.state_misconfigured", since=since)
    return say(language, "probe.state_down", since=since)


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(OSLO):%Y-%m-%dT%H:%M}"


def _clock(moment: datetime | None, now: datetime | None = None, language: str = "nb") -> str:
    """Oslo clock time: "10:02" on `now`'s day, else "26.11. 10:02"."""
    if moment is None:
        return say(language, "probe.unknown_time")
    local = moment.astimezone(OSLO)
    if now is not None and now.astimezone(OSLO).date() == local.date():
        return f"{local:%H:%M}"
    return f"{local:%d.%m. %H:%M}"


def duration_text(start: datetime, end: datetime, language: str = "nb") -> str:
    """ "3 t 20 min", "45 min"."""
    minutes = max(int((end - start).total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return say(language, "duration.hours", hours=hours, minutes=minutes)
    return say(language, "duration.minutes", minutes=minutes)
