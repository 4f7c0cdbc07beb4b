"""What every channel module shares: the delivery context, URL checks, status → result mapping."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from monitor.config.types import ChannelConfig, Settings
from monitor.model import DeliveryResult, Message

#: Seconds for one delivery attempt (connect + send + answer); the outbox retries later.
TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class DeliveryContext:
    """What a sender needs besides the message and the channel.

    `secret` is the resolved webhook URL (slack_webhook, teams) or bot token (slack_bot).
    `thread_ref` is the reference of the message this one replies to (Slack ts), or None.
    """

    secret: str | None
    settings: Settings
    smtp_password: str | None = None
    thread_ref: str | None = None
    timeout: float = TIMEOUT_SECONDS


Sender = Callable[[Message, ChannelConfig, DeliveryContext], DeliveryResult]


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_webhook_url(url: str, what: str = "the webhook URL") -> str | None:
    """The problem with a webhook URL, or None. https is required; http only to loopback (tests, demo).

    The text never contains the URL itself: webhook URLs are secrets. `what` names the URL.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return f"{what} cannot be parsed; copy it again from the service"
    if not host:
        return f"{what} has no host; copy the whole URL from the service"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and is_loopback(host):
        return None
    return f"{what} must start with https:// (it uses {parts.scheme or 'no scheme'}://)"


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date), or None when absent/unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def http_failure(status: int, detail: str, retry_after: float | None = None) -> DeliveryResult:
    """A failed HTTP answer: 429/408/425/5xx are retryable, every other status is permanent."""
    retryable = status in (408, 425, 429) or status >= 500
    return DeliveryResult(
        ok=False,
        status=status,
        detail=detail,
        permanent=not retryable,
        retry_after=retry_after if status == 429 or status == 503 else None,
    )


def failure(detail: str, *, permanent: bool, status: int | None = None) -> DeliveryResult:
    return DeliveryResult(ok=False, status=status, detail=detail, permanent=permanent)
