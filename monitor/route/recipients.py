"""Which kommuner and channels get a classified change, and why (pure; no I/O).

Routing rules:
- `classification.apis == ("*",)` (all delingstjenester, or a shared dependency such as
  Maskinporten): every kommune.
- `()` (only other APIs, or none): no kommune; the admin route gets it.
- otherwise: every kommune whose APIs (from its rettighetspakker plus explicit `apis`) intersect.
  A kommune with `apis: ["*"]` gets every notice that concerns at least one kommune API.
- Unsure classifications fail towards the reader: alerts go to the union of the candidate APIs
  (`Classification.routed_apis`), an info notice that may be an incident passes category filters
  as that incident, and the alert says so ("Usikker på hvilke API-er: ...").
- Filters, first on the kommune, then on each channel: `categories` keeps only those categories;
  `environments` lists prod and/or test and drops only notices for the *other* environment, so
  a `[prod]` channel still gets notices for "both" and for an unspecified environment (most
  notices do not say, and missing an outage is worse than one extra message).
- Admin route: an admin channel without a `categories` filter gets every notice that reached no
  kommune channel at all (so nothing falls on the floor). An admin channel with a `categories`
  filter gets every notice in those categories, whether kommuner got it or not.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from monitor.catalogue import apis as catalogue
from monitor.config.types import ChannelConfig, KommuneConfig, Rules
from monitor.model import ALL_APIS, Alert, Category, Change, Classification, Environment
from monitor.texts import say

ADMIN_NUMBER = "admin"
ADMIN_NAME = "Administrator"
ALL_SERVICES_WHY = "Alle delingstjenester"
CATEGORY_WORDS: dict[Category, str] = {
    "downtime": "nedetid",
    "error": "feil",
    "resolved": "løst",
    "api_change": "API-endring",
    "info": "informasjon",
}


def route(change: Change, classification: Classification, rules: Rules) -> list[Alert]:
    """One Alert per (kommune, channel) that should get this change, then the admin route's alerts.

    Keys are unique: "<source>:<notice_id>#v<version>|<kommune number or 'admin'>|<channel>".
    """
    alerts: list[Alert] = []
    for kommune in rules.kommuner:
        why = kommune_why(kommune, classification.routed_apis)
        if why:
            why = (*why, *doubt_lines(classification, kommune.malform))
        if not why or not passes(kommune.categories, kommune.environments, classification):
            continue
        for channel in kommune.channels:
            if passes(channel.categories, channel.environments, classification):
                alert = _alert(change, classification, kommune.number, kommune.name, channel, why)
                alerts.append(replace(alert, language=kommune.malform))
    reached_kommuner = bool(alerts)  # before the admin alerts: a second admin channel is no kommune
    for channel in rules.admin:
        if channel.categories is None and reached_kommuner:
            continue
        if passes(channel.categories, channel.environments, classification):
            why = _admin_why(channel, classification, language=rules.admin_malform)
            alert = _alert(change, classification, ADMIN_NUMBER, ADMIN_NAME, channel, why)
            alerts.append(replace(alert, language=rules.admin_malform))
    return alerts


def passes(
    categories: frozenset[Category] | None,
    environments: frozenset[Environment] | None,
    classification: Classification,
) -> bool:
    """True when a filter lets the classification through (None means no filter)."""
    return blocked_by(categories, environments, classification) is None


def blocked_by(
    categories: frozenset[Category] | None,
    environments: frozenset[Environment] | None,
    classification: Classification,
) -> Literal["category", "environment"] | None:
    """Which filter stops the classification ("category" or "environment"), or None if it passes.

    A category filter lets through the classifier's alternative too (an info notice that may be an
    incident), and an environment told by one short word passes: both fail towards the reader.
    """
    if categories is not None and not {classification.category, classification.alternative} & categories:
        return "category"
    if "environment" in classification.unsure:
        return None
    if environments is not None and classification.environment in ("prod", "test"):
        return None if classification.environment in environments else "environment"
    return None


def doubt_lines(classification: Classification, language: str = "nb") -> tuple[str, ...]:
    """What an alert says when the classifier is unsure (Norwegian, for kommune staff)."""
    lines = []
    if classification.api_candidates:
        routed = classification.routed_apis
        names = (
            say(language, "doubt.all_apis")
            if ALL_APIS in routed
            else say(language, "doubt.or").join(map(catalogue.api_display_name, routed))
        )
        lines.append(say(language, "doubt.apis", names=names))
    if classification.alternative is not None:
        word = say(language, f"word.{classification.alternative}")
        lines.append(say(language, "doubt.category", word=word))
    return tuple(lines)


def kommune_api_reasons(kommune: KommuneConfig) -> dict[str, str]:
    """API id (or "*") → why this kommune has it, in Norwegian, for alerts and `rules explain`."""
    reasons: dict[str, str] = {}
    language = kommune.malform
    if ALL_APIS in kommune.apis:
        return {ALL_APIS: say(language, "route.all_apis")}
    for api, pakker in catalogue.apis_for(kommune.rettighetspakker).items():
        key = "route.pakke" if len(pakker) == 1 else "route.pakker"
        reasons[api] = say(language, key, api=catalogue.api_display_name(api), pakker=", ".join(pakker))
    for api in kommune.apis:
        reasons.setdefault(api, say(language, "route.listed", api=catalogue.api_display_name(api)))
    return dict(sorted(reasons.items()))


def kommune_why(kommune: KommuneConfig, apis: tuple[str, ...]) -> tuple[str, ...]:
    """Why `kommune` gets a notice about `apis`, one line per matching API; () when it does not."""
    if not apis:
        return ()
    if apis == (ALL_APIS,):
        return (say(kommune.malform, "route.all_services"),)
    reasons = kommune_api_reasons(kommune)
    if ALL_APIS in reasons:
        return tuple(f"{catalogue.api_display_name(api)} ({reasons[ALL_APIS]})" for api in apis)
    return tuple(reasons[api] for api in apis if api in reasons)


def _admin_why(
    channel: ChannelConfig, classification: Classification, *, language: str = "nb"
) -> tuple[str, ...]:
    """Why the admin channel gets it; a channel without categories only gets what no kommune got."""
    if channel.categories is not None:
        return (say(language, "admin.why_category", category=classification.category),)
    if not classification.apis:
        return (say(language, "admin.why_no_api"),)
    return (say(language, "admin.why_unreached"),)


def _alert(
    change: Change,
    classification: Classification,
    number: str,
    name: str,
    channel: ChannelConfig,
    why: tuple[str, ...],
) -> Alert:
    notice = change.notice
    key = f"{notice.source}:{notice.notice_id}#v{change.version}|{number}|{channel.name}"
    return Alert(
        key=key,
        kommune_number=number,
        kommune_name=name,
        channel=channel.name,
        change=change,
        classification=classification,
        why=why,
    )
