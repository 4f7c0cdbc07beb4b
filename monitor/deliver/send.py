"""Send one message through one configured channel now: resolve its secrets, call its sender.

Used by the outbox worker (`worker.real_sender`) and by `driftsvarsel notify test`. Never
raises: an unreadable secret is a failed `DeliveryResult` that names the reference, not a value.
"""

from __future__ import annotations

from monitor.config.secrets import resolve_secret
from monitor.config.types import ChannelConfig, Rules
from monitor.errors import SecretError
from monitor.model import DeliveryResult, Message


def send_message(
    rules: Rules, message: Message, channel: ChannelConfig, thread_ref: str | None = None
) -> DeliveryResult:
    """Resolve `channel`'s secret (and the SMTP password for email) and send `message` with it."""
    from monitor.deliver import SENDERS, DeliveryContext

    try:
        secret = resolve_secret(channel.secret) if channel.secret else None
        smtp = rules.settings.smtp
        password = resolve_secret(smtp.password) if channel.kind == "email" and smtp.password else None
    except SecretError as error:
        return DeliveryResult(False, None, f"hemmeligheten kan ikke leses: {error}")
    context = DeliveryContext(
        secret=secret, settings=rules.settings, smtp_password=password, thread_ref=thread_ref
    )
    return SENDERS[channel.kind](message, channel, context)
