"""The compliance report: per kommune, the APIs it uses and why, whether its routes receive every
kind of notice the agreement obliges it to follow, and the ledger of every notice for its APIs.

The agreement obliges a kommune to follow changes, errors and downtime, in production and in the
test environment. A requirement is met when at least one of the kommune's channels receives it;
a kommune filter, or channel filters that together drop it, are a gap. Ledger rows come from the
outbox (delivered, silenced, dead, pending) or, when a version caused no item for a channel, say
why (filtered, or not sent: the source's quiet first poll, or no such route at the time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlite_utils

from monitor.config.types import ChannelConfig, KommuneConfig, Rules
from monitor.deliver.silence import describe
from monitor.model import Category, Classification, Environment
from monitor.route.recipients import blocked_by, kommune_api_reasons, kommune_why
from monitor.store import ledger as ledger_store
from monitor.store import silences as silence_store
from monitor.store.ledger import StoredVersion
from monitor.store.outbox import OutboxItem
from monitor.store.silences import Silence

Status = Literal["delivered", "silenced", "dead", "pending", "filtered", "not_sent"]
STATUSES: tuple[Status, ...] = ("delivered", "silenced", "dead", "pending", "filtered", "not_sent")
#: What the agreement obliges a kommune to follow: three categories, and test-environment notices.
REQUIREMENTS: tuple[str, ...] = ("api_change", "error", "downtime", "test")
#: A notice standing for each requirement, to run through the filters.
PROBES: dict[str, Classification] = {
    "api_change": Classification("api_change", None, ("*",), "prod", None),
    "error": Classification("error", None, ("*",), "prod", None),
    "downtime": Classification("downtime", None, ("*",), "prod", None),
    "test": Classification("error", None, ("*",), "test", None),
}
REQUIREMENT_NAMES = {
    "api_change": "endringer i API-ene",
    "error": "feil",
    "downtime": "nedetid",
    "test": "varsler om testmiljøet",
}


@dataclass(frozen=True)
class Coverage:
    """Which channels receive one requirement; `filtered` names the filters that drop it."""

    requirement: str
    channels: tuple[str, ...]
    filtered: tuple[tuple[str, str], ...]  # (channel or "kommune", why in Norwegian)

    @property
    def gap(self) -> bool:
        return not self.channels


@dataclass(frozen=True)
class LedgerRow:
    """One notice version and one channel: what became of it (`at`: delivered or held, if so)."""

    version: StoredVersion
    channel: str
    status: Status
    at: datetime | None
    detail: str


@dataclass(frozen=True)
class KommuneReport:
    kommune: KommuneConfig
    apis: dict[str, str]
    coverage: tuple[Coverage, ...]
    ledger: tuple[LedgerRow, ...]
    silences: tuple[Silence, ...] = ()  # those that could hold its alerts during the period

    @property
    def gaps(self) -> tuple[Coverage, ...]:
        return tuple(item for item in self.coverage if item.gap)


@dataclass(frozen=True)
class ComplianceReport:
    rules: Rules
    generated_at: datetime
    since: datetime | None
    kommuner: tuple[KommuneReport, ...]


def build_report(
    db: sqlite_utils.Database,
    rules: Rules,
    *,
    kommuner: list[KommuneConfig],
    since: datetime | None,
    now: datetime,
) -> ComplianceReport:
    """The report for `kommuner` over the history stored since `since` (None: all of it)."""
    versions = ledger_store.versions_since(db, since)
    items = ledger_store.items_by_version(db, since)
    holds = silence_store.holds_by_item(db)
    every_silence = sorted(silence_store.all_silences(db), key=lambda silence: silence.id)
    return ComplianceReport(
        rules=rules,
        generated_at=now,
        since=since,
        kommuner=tuple(
            KommuneReport(
                kommune=kommune,
                apis=kommune_api_reasons(kommune),
                coverage=coverage(kommune),
                ledger=tuple(_ledger(kommune, versions, items, holds)),
                silences=tuple(s for s in every_silence if _concerns(s, kommune, since)),
            )
            for kommune in kommuner
        ),
    )


def _concerns(silence: Silence, kommune: KommuneConfig, since: datetime | None) -> bool:
    """Whether `silence` could hold `kommune`'s alerts at some time since `since`."""
    if since is not None and silence.ends_at <= since:
        return False
    channels = {channel.name for channel in kommune.channels}
    return silence.kommune in (None, kommune.number) and silence.channel in (None, *channels)


def coverage(kommune: KommuneConfig) -> tuple[Coverage, ...]:
    """For each requirement, the channels that receive it and the filters that drop it."""
    result = []
    for requirement in REQUIREMENTS:
        probe = _probe(requirement)
        channels: list[str] = []
        filtered: list[tuple[str, str]] = []
        kommune_block = blocked_by(kommune.categories, kommune.environments, probe)
        if kommune_block is not None:
            filtered.append(
                ("kommune", _filter_text(kommune_block, kommune.categories, kommune.environments))
            )
        else:
            for channel in kommune.channels:
                block = blocked_by(channel.categories, channel.environments, probe)
                if block is None:
                    channels.append(channel.name)
                else:
                    filtered.append(
                        (channel.name, _filter_text(block, channel.categories, channel.environments))
                    )
        result.append(Coverage(requirement, tuple(channels), tuple(filtered)))
    return tuple(result)


def _probe(requirement: str) -> Classification:
    """A classification standing for the requirement: a category in prod, or a test-only error."""
    return PROBES[requirement]


def _filter_text(
    block: str, categories: frozenset[Category] | None, environments: frozenset[Environment] | None
) -> str:
    if block == "category":
        return f"filteret slipper bare gjennom {', '.join(sorted(categories or ()))}"
    return f"filteret slipper bare gjennom miljøet {', '.join(sorted(environments or ()))}"


def _ledger(
    kommune: KommuneConfig,
    versions: list[StoredVersion],
    items: dict[tuple[str, int], list[OutboxItem]],
    holds: dict[int, Silence],
) -> list[LedgerRow]:
    rows: list[LedgerRow] = []
    for version in versions:
        mine = [
            item for item in items.get((version.key, version.version), []) if item.kommune == kommune.number
        ]
        relevant = version.classification is not None and kommune_why(kommune, version.classification.apis)
        if not mine and (not relevant or version.duplicate):
            continue
        by_channel = {item.channel: item for item in mine}
        names = [channel.name for channel in kommune.channels]
        names += [name for name in by_channel if name not in names]  # fallbacks, channels since removed
        for name in names:
            item = by_channel.get(name)
            if item is not None:
                rows.append(_from_item(version, item, holds))
            else:
                channel = next((c for c in kommune.channels if c.name == name), None)
                rows.append(_without_item(version, kommune, channel))
    return rows


def _from_item(version: StoredVersion, item: OutboxItem, holds: dict[int, Silence]) -> LedgerRow:
    if item.state == "done":
        return LedgerRow(
            version, item.channel, "delivered", item.delivered_at, f"levert (svar {item.last_status})"
        )
    if item.state == "silenced":
        silence = holds.get(item.id)
        detail = describe(silence) if silence is not None else "dempet"
        return LedgerRow(version, item.channel, "silenced", None, detail)
    if item.state == "dead":
        return LedgerRow(version, item.channel, "dead", None, f"ga opp: {item.last_error or 'ukjent feil'}")
    tries = f"{item.attempts} forsøk" + (f", siste feil: {item.last_error}" if item.last_error else "")
    return LedgerRow(version, item.channel, "pending", None, f"venter på levering ({tries})")


def _without_item(version: StoredVersion, kommune: KommuneConfig, channel: ChannelConfig | None) -> LedgerRow:
    name = channel.name if channel else "-"
    if version.baseline:
        return LedgerRow(version, name, "not_sent", None, "kilden ble lest første gang (stille start)")
    classification = version.classification
    if classification is not None:
        block = blocked_by(kommune.categories, kommune.environments, classification)
        if block is not None:
            why = _filter_text(block, kommune.categories, kommune.environments)
            return LedgerRow(version, name, "filtered", None, f"kommunens {why}")
        if channel is not None:
            block = blocked_by(channel.categories, channel.environments, classification)
            if block is not None:
                why = _filter_text(block, channel.categories, channel.environments)
                return LedgerRow(version, channel.name, "filtered", None, f"kanalens {why}")
    if classification is not None and classification.category == "resolved":
        detail = "meldingen om løsningen går bare dit varselet om hendelsen gikk"
        return LedgerRow(version, name, "not_sent", None, detail)
    return LedgerRow(version, name, "not_sent", None, "ingen melding lagt i kø (kanalen fantes ikke da?)")
