"""What `driftsvarsel rules test NOTICE` shows (pure): who would get a classified notice, who would
not and why, and how that compares with `--expect KOMMUNE:CHANNEL,...`.

`dry_run` builds a `DryRun`; `dry_run_lines` is the text and `dry_run_json` the `--json` shape
(documented in README, "JSON output").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from monitor.config.types import Rules
from monitor.errors import UserError
from monitor.localtime import window_time
from monitor.model import Alert, Category, Change, Classification, Environment, Notice
from monitor.route.recipients import ADMIN_NAME, ADMIN_NUMBER, blocked_by, kommune_why, route

SkipReason = Literal["no_matching_api", "category", "environment", "kommune_reached"]
_RECEIVER = re.compile(r"^[^:,\s]+:[^:,\s]+$")


@dataclass(frozen=True)
class Skipped:
    """A kommune (`channel` None) or one of its channels that does not get the notice, and why."""

    kommune: str
    name: str
    channel: str | None
    reason: SkipReason
    detail: str


@dataclass(frozen=True)
class Expectation:
    """`--expect` against the routed receivers ("KOMMUNE:CHANNEL", e.g. "0301:slack", "admin:epost")."""

    expected: frozenset[str]
    missing: tuple[str, ...]
    unexpected: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unexpected


@dataclass(frozen=True)
class DryRun:
    file: str
    notice: Notice
    classification: Classification
    alerts: tuple[Alert, ...]
    skipped: tuple[Skipped, ...]
    expectation: Expectation | None


def parse_expect(text: str) -> frozenset[str]:
    """ "0301:slack,4601:epost" → {"0301:slack", "4601:epost"}; "" means nobody. Raises UserError."""
    items = [part.strip() for part in text.split(",") if part.strip()]
    wrong = [item for item in items if not _RECEIVER.match(item)]
    if wrong:
        raise UserError(
            f"--expect: {', '.join(repr(item) for item in wrong)} is not KOMMUNE:CHANNEL; "
            "write e.g. --expect 0301:slack,4601:epost,admin:epost (an empty string means nobody)"
        )
    return frozenset(items)


def dry_run(
    file: str, notice: Notice, classification: Classification, rules: Rules, expected: frozenset[str] | None
) -> DryRun:
    """Route `notice` (as new) without sending; list the receivers, the skipped ones and `--expect`."""
    alerts = tuple(route(Change(kind="new", notice=notice, version=1), classification, rules))
    expectation = None
    if expected is not None:
        got = {f"{alert.kommune_number}:{alert.channel}" for alert in alerts}
        expectation = Expectation(expected, tuple(sorted(expected - got)), tuple(sorted(got - expected)))
    return DryRun(
        file, notice, classification, alerts, tuple(skipped(classification, rules, alerts)), expectation
    )


def skipped(classification: Classification, rules: Rules, alerts: tuple[Alert, ...]) -> list[Skipped]:
    """Every kommune, kommune channel and admin channel that `route` leaves out, with the reason."""
    found: list[Skipped] = []
    for kommune in rules.kommuner:
        routed = classification.routed_apis
        if not kommune_why(kommune, routed):
            detail = (
                "varselet gjelder ingen kommune-API"
                if not routed
                else f"kommunen bruker ingen av API-ene {', '.join(routed)}"
            )
            found.append(Skipped(kommune.number, kommune.name, None, "no_matching_api", detail))
            continue
        reason = blocked_by(kommune.categories, kommune.environments, classification)
        if reason is not None:
            detail = _detail(reason, kommune.categories, kommune.environments, classification)
            found.append(Skipped(kommune.number, kommune.name, None, reason, f"kommunens filter: {detail}"))
            continue
        for channel in kommune.channels:
            reason = blocked_by(channel.categories, channel.environments, classification)
            if reason is not None:
                detail = _detail(reason, channel.categories, channel.environments, classification)
                found.append(
                    Skipped(kommune.number, kommune.name, channel.name, reason, f"kanalfilter: {detail}")
                )
    reached = any(alert.kommune_number != ADMIN_NUMBER for alert in alerts)
    for channel in rules.admin:
        reason = blocked_by(channel.categories, channel.environments, classification)
        if channel.categories is None and reached:
            why = "administratorkanalen uten kategorifilter får bare varsler ingen kommune fikk"
            found.append(Skipped(ADMIN_NUMBER, ADMIN_NAME, channel.name, "kommune_reached", why))
        elif reason is not None:
            detail = _detail(reason, channel.categories, channel.environments, classification)
            found.append(Skipped(ADMIN_NUMBER, ADMIN_NAME, channel.name, reason, f"kanalfilter: {detail}"))
    return found


def _detail(
    reason: SkipReason,
    categories: frozenset[Category] | None,
    environments: frozenset[Environment] | None,
    classification: Classification,
) -> str:
    if reason == "category":
        return f"kategorien {classification.category} er ikke blant {', '.join(sorted(categories or ()))}"
    return f"miljøet {classification.environment} er ikke blant {', '.join(sorted(environments or ()))}"


def dry_run_lines(run: DryRun) -> list[str]:
    classification = run.classification
    apis = ", ".join(classification.apis) or "(ingen kommune-API)"
    lines = [
        f"{run.file}: {run.notice.title}",
        f"  kategori: {classification.category}, miljø: {classification.environment}, API-er: {apis}",
    ]
    if classification.window is not None:
        start, end = classification.window.start, classification.window.end
        lines.append(f"  tidsrom: {window_time(start)} – {window_time(end)}")
    lines.extend(f"  grunn: {reason}" for reason in classification.reasons)
    lines.append("  får varselet:" if run.alerts else "  ingen mottakere")
    lines.extend(
        f"    -> {alert.kommune_number} {alert.kommune_name} / {alert.channel}: {'; '.join(alert.why)}"
        for alert in run.alerts
    )
    if run.skipped:
        lines.append("  får det ikke:")
    for skip in run.skipped:
        where = f" / {skip.channel}" if skip.channel else ""
        lines.append(f"    -- {skip.kommune} {skip.name}{where}: {skip.detail}")
    if run.expectation is not None:
        lines.extend(_expectation_lines(run.expectation))
    return lines


def _expectation_lines(expectation: Expectation) -> list[str]:
    if expectation.ok:
        return [f"  --expect: OK ({len(expectation.expected)} mottakere som ventet)"]
    lines = ["  --expect: AVVIK"]
    lines.extend(f"    mangler:  {receiver}" for receiver in expectation.missing)
    lines.extend(f"    uventet:  {receiver}" for receiver in expectation.unexpected)
    return lines


def dry_run_json(run: DryRun) -> dict[str, object]:
    """The `rules test --json` shape."""
    expectation = run.expectation
    return {
        "file": run.file,
        "title": run.notice.title,
        "classification": {
            **run.classification.as_label(run.file),
            "reasons": list(run.classification.reasons),
        },
        "recipients": [
            {"kommune": a.kommune_number, "name": a.kommune_name, "channel": a.channel, "why": list(a.why)}
            for a in run.alerts
        ],
        "not_recipients": [
            {
                "kommune": s.kommune,
                "name": s.name,
                "channel": s.channel,
                "reason": s.reason,
                "detail": s.detail,
            }
            for s in run.skipped
        ],
        "expect": None
        if expectation is None
        else {
            "ok": expectation.ok,
            "expected": sorted(expectation.expected),
            "missing": list(expectation.missing),
            "unexpected": list(expectation.unexpected),
        },
    }
