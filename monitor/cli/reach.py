"""Recipient recall and precision: does each alert reach the kommuner and channels its label says?

For every labelled notice, the (kommune, channel) pairs that routing its *label* gives are the
expected recipients; the pairs that routing the *classifier's* answer gives are the actual ones
(including what unsure classifications widen). Counted over all notices:

    recall    = expected pairs reached / expected pairs       (target ≥ 0.999: nobody misses an alert)
    precision = expected pairs reached / pairs reached         (target ≥ 0.98: few needless alerts)

`generated_rules()` is the large rules set: all 357 kommuner, each with a different mix of the
rettighetspakker (every pakke used by many kommuner) and three channels with the filters kommuner
use (none; categories [downtime, error, resolved]; environments [prod]).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from monitor.catalogue.apis import RETTIGHETSPAKKE_SCOPES, apis_for
from monitor.catalogue.kommuner import load_kommuner
from monitor.config.load import default_rules_path, load_rules
from monitor.config.types import ChannelConfig, KommuneConfig, Rules, Settings
from monitor.model import Category, Change, Classification, Notice
from monitor.route.recipients import ADMIN_NUMBER, route

INCIDENT_CATEGORIES: frozenset[Category] = frozenset({"downtime", "error", "resolved"})


@dataclass(frozen=True)
class Reach:
    """Recipient pairs counted over a set of notices."""

    expected: int
    reached: int
    sent: int

    @property
    def recall(self) -> float:
        return self.reached / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.reached / self.sent if self.sent else 1.0


def recipients(notice: Notice, classification: Classification, rules: Rules) -> set[tuple[str, str]]:
    """(kommune, channel) pairs routing sends `notice` to (the admin route left out)."""
    change = Change("new", notice, 1)
    return {
        (alert.kommune_number, alert.channel)
        for alert in route(change, classification, rules)
        if alert.kommune_number != ADMIN_NUMBER
    }


def measure(routed: Sequence[tuple[Notice, Classification, Classification]], rules: Rules) -> Reach:
    """Reach over (notice, labelled classification, classifier's classification) triples."""
    expected = reached = sent = 0
    for notice, label, got in routed:
        want, have = recipients(notice, label, rules), recipients(notice, got, rules)
        expected, reached, sent = expected + len(want), reached + len(want & have), sent + len(have)
    return Reach(expected, reached, sent)


def generated_rules() -> Rules:
    """All 357 kommuner across all rettighetspakker, three channels each (nothing is sent)."""
    pakker = sorted(RETTIGHETSPAKKE_SCOPES)
    kommuner = []
    for index, kommune in enumerate(sorted(load_kommuner().values(), key=lambda k: k.number)):
        chosen = tuple(sorted({pakker[index % len(pakker)], pakker[(index * 3 + 1) % len(pakker)]}))
        channels = (
            ChannelConfig("slack", "slack_webhook", secret="env:UNUSED"),
            ChannelConfig("epost", "email", to=("drift@example.no",), categories=INCIDENT_CATEGORIES),
            ChannelConfig("teams", "teams", secret="env:UNUSED", environments=frozenset({"prod"})),
        )
        apis = tuple(sorted(apis_for(chosen)))
        kommuner.append(KommuneConfig(kommune.number, kommune.name, chosen, apis, channels))
    return Rules(Path("generert"), Settings(), (), tuple(kommuner), ())


def reach_lines(
    routed: Sequence[tuple[Notice, Classification, Classification]], rule_sets: Sequence[tuple[str, Rules]]
) -> list[str]:
    """The report lines: recall and precision per rules set."""
    lines = ["", "recipients (kommune × channel; targets recall ≥ 0.999, precision ≥ 0.98):"]
    for name, rules in rule_sets:
        reach = measure(routed, rules)
        lines.append(
            f"  {name}: recall {reach.recall:.4f} ({reach.reached}/{reach.expected}), "
            f"precision {reach.precision:.4f} ({reach.reached}/{reach.sent})"
        )
    return lines


def reach_report(
    routed: Sequence[tuple[Notice, Classification, Classification]], rules: Path | None
) -> list[str]:
    """Recipient lines for the example rules (`rules`, else the default rules file when it exists)
    and the generated 357-kommune rules. Raises UserError for a rules file that does not load."""
    path = rules if rules is not None else default_rules_path()
    rule_sets: list[tuple[str, Rules]] = []
    if rules is not None or path.exists():
        rule_sets.append((f"rules {path}", load_rules(path)))
    rule_sets.append(("generated rules, 357 kommuner × 3 channels", generated_rules()))
    return reach_lines(routed, rule_sets)
