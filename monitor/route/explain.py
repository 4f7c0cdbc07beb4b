"""What `driftsvarsel rules explain` shows: which APIs each kommune follows, why, and its channels (pure).

`explain_lines` is one kommune in detail, `explain_table` every kommune in one table, and
`explain_json` the `--json` shape for one or all (documented in README, "JSON output").
"""

from __future__ import annotations

from collections.abc import Sequence

from monitor.catalogue import apis as catalogue
from monitor.config.types import ChannelConfig, KommuneConfig, Rules
from monitor.errors import UserError
from monitor.model import ALL_APIS, Category, Environment
from monitor.route.recipients import kommune_api_reasons


def find_kommune(rules: Rules, number: str) -> KommuneConfig:
    """The kommune with `number`; raises UserError listing the numbers in the rules otherwise."""
    kommune = next((k for k in rules.kommuner if k.number == number), None)
    if kommune is None:
        numbers = ", ".join(k.number for k in rules.kommuner) or "none"
        raise UserError(f"kommune {number} is not in {rules.path} (kommuner there: {numbers})")
    return kommune


def api_scopes(kommune: KommuneConfig, api: str) -> list[str]:
    """The Maskinporten scopes through which `kommune`'s rettighetspakker give it `api`."""
    if api == ALL_APIS:
        return []
    holders = catalogue.apis_for(kommune.rettighetspakker).get(api, [])
    return sorted({s for p in holders for s in catalogue.scopes_for(p) if api in catalogue.SCOPE_APIS[s]})


def explain_lines(kommune: KommuneConfig) -> list[str]:
    """The APIs `kommune` follows, why, and its channels with their filters."""
    lines = [f"{kommune.number} {kommune.name}"]
    lines.append(f"  rettighetspakker: {', '.join(kommune.rettighetspakker) or '(ingen)'}")
    lines.append("  API-er:")
    for api, why in kommune_api_reasons(kommune).items():
        scopes = api_scopes(kommune, api)
        lines.append(f"    {api}: {why}" + (f" [scopes: {', '.join(scopes)}]" if scopes else ""))
    lines.append("  Alle delingstjenester (apis '*' i et varsel): ja")
    lines.append(f"  filter: {describe_filters(kommune.categories, kommune.environments)}")
    lines.append("  kanaler:")
    lines.extend(f"    {_channel(channel)}" for channel in kommune.channels)
    return lines


def explain_table(rules: Rules) -> list[str]:
    """Every kommune in one table: number, name, APIs, channels, filter."""
    headings = ("KOMMUNE", "NAVN", "API-ER", "KANALER", "FILTER")
    rows = [headings] + [
        (
            kommune.number,
            kommune.name,
            ", ".join(kommune_api_reasons(kommune)) or "-",
            ", ".join(channel.name for channel in kommune.channels) or "-",
            describe_filters(kommune.categories, kommune.environments),
        )
        for kommune in rules.kommuner
    ]
    widths = [max(len(row[index]) for row in rows) for index in range(len(headings))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    admin = ", ".join(channel.name for channel in rules.admin) or "-"
    return [*lines, f"({len(rules.kommuner)} kommuner; administratorkanaler: {admin})"]


def explain_json(rules: Rules, kommuner: Sequence[KommuneConfig]) -> dict[str, object]:
    """The `rules explain --json` shape: the rules file, the kommuner asked for, the admin channels."""
    return {
        "rules": str(rules.path),
        "kommuner": [
            {
                "kommunenummer": kommune.number,
                "navn": kommune.name,
                "rettighetspakker": list(kommune.rettighetspakker),
                "apis": [
                    {"api": api, "why": why, "scopes": api_scopes(kommune, api)}
                    for api, why in kommune_api_reasons(kommune).items()
                ],
                "filter": _filter_json(kommune.categories, kommune.environments),
                "channels": [_channel_json(channel) for channel in kommune.channels],
            }
            for kommune in kommuner
        ],
        "admin": [_channel_json(channel) for channel in rules.admin],
    }


def describe_filters(
    categories: frozenset[Category] | None, environments: frozenset[Environment] | None
) -> str:
    parts = []
    if categories is not None:
        parts.append("kategorier " + ", ".join(sorted(categories)))
    if environments is not None:
        parts.append("miljø " + ", ".join(sorted(environments)) + " (+ both/unspecified)")
    return "; ".join(parts) or "alt"


def _filter_json(
    categories: frozenset[Category] | None, environments: frozenset[Environment] | None
) -> dict[str, list[str] | None]:
    return {
        "categories": None if categories is None else sorted(categories),
        "environments": None if environments is None else sorted(environments),
    }


def _target(channel: ChannelConfig) -> str:
    return ", ".join(channel.to) if channel.to else (channel.target or channel.secret or "")


def _channel(channel: ChannelConfig) -> str:
    fallback = f", fallback {channel.fallback}" if channel.fallback else ""
    filters = describe_filters(channel.categories, channel.environments)
    return f"{channel.name} ({channel.kind} {_target(channel)}{fallback}): {filters}"


def _channel_json(channel: ChannelConfig) -> dict[str, object]:
    return {
        "name": channel.name,
        "kind": channel.kind,
        "target": _target(channel),
        "fallback": channel.fallback,
        "filter": _filter_json(channel.categories, channel.environments),
    }
