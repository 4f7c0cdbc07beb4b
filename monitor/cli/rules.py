"""What `driftsvarsel rules check|explain|test` print: text lines built from validated Rules.

`explain_kommune` shows which APIs a kommune follows and why; `dry_run_post` shows which kommuner
and channels would get a notice file (it composes postfile → classify → route, so it imports
those lazily: the CLI can still check rules without them).
"""

from __future__ import annotations

from pathlib import Path

from monitor.catalogue import apis as catalogue
from monitor.config.load import load_rules, summarize
from monitor.config.types import ChannelConfig, Rules
from monitor.errors import ConfigError, UserError
from monitor.model import ALL_APIS, Change
from monitor.route.recipients import kommune_api_reasons, route


def check_report(path: Path) -> tuple[bool, list[str]]:
    """(ok, lines): "FILE: OK (counts)" or every problem followed by a count line."""
    try:
        rules = load_rules(path)
    except ConfigError as error:
        count = len(error.problems)
        return False, [*error.problems, f"{path}: {count} problem{'s' if count != 1 else ''}"]
    return True, [f"{path}: OK ({summarize(rules)})"]


def explain_kommune(rules: Rules, number: str) -> list[str]:
    """The APIs kommune `number` follows, why, and its channels with their filters."""
    kommune = next((k for k in rules.kommuner if k.number == number), None)
    if kommune is None:
        numbers = ", ".join(k.number for k in rules.kommuner) or "none"
        raise UserError(f"kommune {number} is not in {rules.path} (kommuner there: {numbers})")
    lines = [f"{kommune.number} {kommune.name}"]
    pakker = ", ".join(kommune.rettighetspakker) or "(ingen)"
    lines.append(f"  rettighetspakker: {pakker}")
    lines.append("  API-er:")
    for api, why in kommune_api_reasons(kommune).items():
        scopes = ""
        if api != ALL_APIS:
            holders = catalogue.apis_for(kommune.rettighetspakker).get(api, [])
            scope_set = sorted(
                {s for p in holders for s in catalogue.scopes_for(p) if api in catalogue.SCOPE_APIS[s]}
            )
            scopes = f" [scopes: {', '.join(scope_set)}]" if scope_set else ""
        lines.append(f"    {api}: {why}{scopes}")
    lines.append("  Alle delingstjenester (apis '*' i et varsel): ja")
    lines.append(f"  filter: {_filters(kommune.categories, kommune.environments)}")
    lines.append("  kanaler:")
    lines.extend(f"    {_channel(channel)}" for channel in kommune.channels)
    return lines


def dry_run_post(rules: Rules, post: Path) -> list[str]:
    """Classify the notice file `post` and list the alerts `route` would make, without sending."""
    try:
        from monitor.catalogue.components import component_lookup
        from monitor.classify import classify, load_vocabulary
        from monitor.sources.postfile import read_post
    except ImportError as error:
        raise UserError(
            f"'rules test' needs monitor.classify and monitor.sources.postfile ({error})"
        ) from None
    notice = read_post(post)
    classification = classify(
        notice, load_vocabulary(rules.vocabulary or None), component_lookup(rules.components)
    )
    alerts = route(Change(kind="new", notice=notice, version=1), classification, rules)
    apis = ", ".join(classification.apis) or "(ingen kommune-API)"
    lines = [
        f"{post.name}: {notice.title}",
        f"  kategori: {classification.category}, miljø: {classification.environment}, API-er: {apis}",
    ]
    lines.extend(f"  grunn: {reason}" for reason in classification.reasons)
    if not alerts:
        lines.append("  ingen mottakere")
    for alert in alerts:
        lines.append(
            f"  -> {alert.kommune_number} {alert.kommune_name} / {alert.channel}: {'; '.join(alert.why)}"
        )
    return lines


def _filters(categories: frozenset[str] | None, environments: frozenset[str] | None) -> str:
    parts = []
    if categories is not None:
        parts.append("kategorier " + ", ".join(sorted(categories)))
    if environments is not None:
        parts.append("miljø " + ", ".join(sorted(environments)) + " (+ both/unspecified)")
    return "; ".join(parts) or "alt"


def _channel(channel: ChannelConfig) -> str:
    target = ", ".join(channel.to) if channel.to else (channel.target or channel.secret or "")
    fallback = f", fallback {channel.fallback}" if channel.fallback else ""
    filters = _filters(channel.categories, channel.environments)
    return f"{channel.name} ({channel.kind} {target}{fallback}): {filters}"
