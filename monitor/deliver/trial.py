"""`driftsvarsel notify test`: a clearly marked Norwegian test message through real channels.

`trial_targets` picks the channels (one kommune's, one of them, or the admin route's),
`trial_message` writes the message ("[Test] ..."), and `send_trials` sends it through each
channel now (secrets resolved, the real sender), returning every receiver's answer. Nothing is
queued in the outbox: a failed test is reported, not retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitor.config.types import ChannelConfig, Rules
from monitor.deliver.render import message_id_for
from monitor.deliver.send import send_message
from monitor.errors import UserError
from monitor.localtime import local_iso, local_time
from monitor.model import DeliveryResult, Message

ADMIN = "admin"


@dataclass(frozen=True)
class TrialTarget:
    """One channel to test: of kommune `kommune` ("admin" for the admin route)."""

    kommune: str
    name: str
    channel: ChannelConfig


def trial_targets(
    rules: Rules, *, kommune: str | None, channel: str | None, admin: bool
) -> list[TrialTarget]:
    """The channels to test. Raises UserError for an unknown kommune or channel, or a bad choice."""
    if admin == (kommune is not None):
        raise UserError("give --kommune NR or --admin (one of them); e.g. notify test --kommune 0301")
    if admin:
        number, name, channels = ADMIN, "Administrator", rules.admin
    else:
        found = next((k for k in rules.kommuner if k.number == kommune), None)
        if found is None:
            numbers = ", ".join(k.number for k in rules.kommuner) or "none"
            raise UserError(f"kommune {kommune} is not in {rules.path} (kommuner there: {numbers})")
        number, name, channels = found.number, found.name, found.channels
    chosen = [item for item in channels if channel is None or item.name == channel]
    if not chosen:
        names = ", ".join(item.name for item in channels) or "none"
        raise UserError(
            f"{number} {name} has no channel named {channel!r} in {rules.path} (channels: {names})"
        )
    return [TrialTarget(number, name, item) for item in chosen]


def trial_message(target: TrialTarget, now: datetime) -> Message:
    """The test message for `target`, in Norwegian, marked "[Test]" in the subject and the text."""
    who = "administratorkanalen" if target.kommune == ADMIN else f"{target.kommune} {target.name}"
    subject = f"[Test] Driftsvarsel-monitoren: testmelding til {who} / {target.channel.name}"
    return Message(
        subject=subject,
        headline=subject,
        fields=(
            ("Mottaker", who),
            ("Kanal", f"{target.channel.name} ({target.channel.kind})"),
            ("Sendt", local_time(now)),
        ),
        body=(
            "Dette er en testmelding, ikke et driftsvarsel. Den ble sendt med "
            "«driftsvarsel notify test» for å sjekke at denne kanalen når fram. "
            "Ingen handling er nødvendig."
        ),
        link=None,
        footer="Testmelding fra driftsvarsel-monitoren.",
        message_id=message_id_for(f"trial|{target.kommune}|{target.channel.name}|{local_iso(now)}"),
    )


def send_trials(
    rules: Rules, targets: list[TrialTarget], now: datetime
) -> list[tuple[TrialTarget, DeliveryResult]]:
    """Send the test message through each target now; one failing channel never stops the others."""
    return [(target, send_message(rules, trial_message(target, now), target.channel)) for target in targets]
