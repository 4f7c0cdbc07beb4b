"""Delivery: the outbox worker, rendering, dead letters, and one module per channel.

`worker` claims due outbox rows and sends them, in one lane per target (`pace`: each target at
its own rate, lanes side by side) over long-lived clients (`clients`); `render` turns an alert
into a message; `deadletter` and `backoff` decide what happens after a failure; `digest` bounds
admin noise (one message per fault topic and hour, and one more gathered); `summary` writes the
storm guard's summaries; `editsummary` the "Endring" of an edit. The channel modules (`slack`,
`teams`, `mail`) each expose `send(message, channel, context)`; `mime` writes the email's bytes;
`send` resolves a channel's secrets and calls its sender (for the worker and `notify test`, whose
message is in `trial`); `listing` is what `driftsvarsel outbox` prints and does.

A sender never raises; every outcome is a `DeliveryResult`. Permanent failures (the webhook
is gone, the bot is not in the channel, a 5xx SMTP reply) are not retried by the outbox;
retryable ones (429 with `retry_after`, 5xx, timeouts, refused connections) are.
"""

from __future__ import annotations

from monitor.config.types import ChannelKind
from monitor.deliver import mail, slack, teams
from monitor.deliver.base import TIMEOUT_SECONDS, DeliveryContext, Sender, check_webhook_url

SENDERS: dict[ChannelKind, Sender] = {
    "slack_webhook": slack.send_webhook,
    "slack_bot": slack.send_bot,
    "teams": teams.send,
    "email": mail.send,
}

__all__ = ["SENDERS", "TIMEOUT_SECONDS", "DeliveryContext", "Sender", "check_webhook_url"]
