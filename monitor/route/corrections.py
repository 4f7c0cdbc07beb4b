"""An admin's correction re-routes a notice: who newly gets it, who got it wrongly (pure).

`reroute(change, corrected, rules, sent, number)` compares the (kommune, channel) pairs that already
got an alert about the notice (`sent`: pair → the idem_key of the first alert, to thread under)
with the pairs the corrected classification routes to:

- `added`: alerts for pairs newly in scope; keys "<notice key>#v<version>k<number>|<kommune>|<channel>"
  so each correction's alerts are new outbox rows, never a replay of the first ones;
- `withdrawn`: pairs that got the notice but are out of scope now, each with the key of the alert
  to reply under (one short correction in the same thread). The admin route is never withdrawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from monitor.config.types import Rules
from monitor.model import Alert, Change, Classification
from monitor.route.recipients import ADMIN_NUMBER, route

Pair = tuple[str, str]


@dataclass(frozen=True)
class Withdrawal:
    """One channel that got the notice wrongly; `parent_key` is the alert to reply under."""

    kommune_number: str
    kommune_name: str
    channel: str
    parent_key: str
    key: str


@dataclass(frozen=True)
class Rerouting:
    added: tuple[Alert, ...]
    withdrawn: tuple[Withdrawal, ...]


def reroute(
    change: Change, corrected: Classification, rules: Rules, sent: Mapping[Pair, str], number: int
) -> Rerouting:
    """The alerts and withdrawals correction number `number` owes (see the module docstring)."""
    routed = route(change, corrected, rules)
    in_scope = {(alert.kommune_number, alert.channel) for alert in routed}
    prefix = f"{change.notice.source}:{change.notice.notice_id}#v{change.version}k{number}"
    added = tuple(
        replace(alert, key=f"{prefix}|{alert.kommune_number}|{alert.channel}")
        for alert in routed
        if (alert.kommune_number, alert.channel) not in sent
    )
    names = {kommune.number: kommune.name for kommune in rules.kommuner}
    withdrawn = tuple(
        Withdrawal(kommune, names.get(kommune, kommune), channel, parent, f"{prefix}|{kommune}|{channel}")
        for (kommune, channel), parent in sorted(sent.items())
        if (kommune, channel) not in in_scope and kommune != ADMIN_NUMBER
    )
    return Rerouting(added, withdrawn)
