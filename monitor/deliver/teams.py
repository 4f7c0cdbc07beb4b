"""Microsoft Teams through a Workflows (Power Automate) webhook: one Adaptive Card 1.5.

The card is built as Python objects and serialised with `json.dumps` only, so quotes or
brackets in a notice cannot change its structure; markdown in untrusted text is escaped.
Workflows answer 202 and post asynchronously, so any 2xx counts as accepted.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from monitor import USER_AGENT
from monitor.config.types import ChannelConfig
from monitor.deliver import clients, escape
from monitor.deliver.base import DeliveryContext, check_webhook_url, failure, http_failure, parse_retry_after
from monitor.model import DeliveryResult, Message

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
#: Teams rejects messages over about 28 KB; one library found ~21 KB the practical limit.
MAX_PAYLOAD_BYTES = 20_000
OPEN_LABEL = "Åpne varselet"
HINTS = {
    404: "the Workflows webhook is gone; create a new one in the Teams channel",
    410: "the Workflows webhook is gone; create a new one in the Teams channel",
    401: "the webhook signature was refused; copy the whole URL again",
    403: "the flow refused the request; check the workflow owner and its permissions",
    413: "the card is too large",
}


def send(message: Message, channel: ChannelConfig, context: DeliveryContext) -> DeliveryResult:
    """POST the card to the Workflows URL in `context.secret`; 2xx = accepted."""
    url = context.secret
    if not url:
        return failure(f"channel {channel.name}: no Workflows URL (secret not resolved)", permanent=True)
    problem = check_webhook_url(url)
    if problem:
        return failure(f"channel {channel.name}: {problem}", permanent=True)
    body = payload_bytes(message)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
    try:
        response = clients.teams_client().post(url, content=body, headers=headers, timeout=context.timeout)
    except httpx.TimeoutException:
        return failure(f"Teams webhook timed out after {context.timeout:g} s", permanent=False)
    except httpx.HTTPError as error:
        # The message of an httpx error may contain the URL, whose `sig` is a secret.
        return failure(f"Teams webhook not reached ({type(error).__name__})", permanent=False)
    status = response.status_code
    if 200 <= status < 300:
        return DeliveryResult(ok=True, status=status, detail=f"Teams accepted the card (HTTP {status})")
    text = " ".join(response.text.split())[:200]
    hint = HINTS.get(status)
    detail = (
        f"Teams webhook answered HTTP {status}"
        + (f": {hint}" if hint else "")
        + (f" ({text})" if text else "")
    )
    return http_failure(status, detail, parse_retry_after(response.headers.get("retry-after")))


def payload_bytes(message: Message, limit: int = MAX_PAYLOAD_BYTES) -> bytes:
    """The serialised envelope, with the body shortened until it fits in `limit` bytes."""
    text = message.body
    while True:
        encoded = json.dumps(build_payload(message, body=text), ensure_ascii=False).encode("utf-8")
        if len(encoded) <= limit or not text:
            return encoded
        overflow = len(encoded) - limit
        # Each character removed saves at least one byte.
        text = text[: max(0, len(text) - overflow - 10)].rstrip() + "…" if len(text) > 200 else ""


def build_payload(message: Message, *, body: str | None = None) -> dict[str, Any]:
    """The Workflows envelope around `build_card(message)`."""
    return {
        "type": "message",
        "attachments": [
            {"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": build_card(message, body=body)}
        ],
    }


def build_card(message: Message, *, body: str | None = None) -> dict[str, Any]:
    """An Adaptive Card 1.5: headline, facts, notice text, footer, and an "Åpne varselet" button."""
    text = message.body if body is None else body
    elements: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": escape.teams(message.headline),
            "weight": "Bolder",
            "size": "Large",
            "wrap": True,
        }
    ]
    if message.fields:
        facts = [
            {"title": escape.teams(label), "value": escape.teams(value)} for label, value in message.fields
        ]
        elements.append({"type": "FactSet", "facts": facts})
    if text:
        elements.append({"type": "TextBlock", "text": escape.teams(text), "wrap": True})
    if message.footer:
        elements.append(
            {
                "type": "TextBlock",
                "text": escape.teams(message.footer),
                "wrap": True,
                "size": "Small",
                "isSubtle": True,
            }
        )
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": elements,
    }
    if (
        message.link
        and message.link.lower().startswith("https://")
        and not any(c.isspace() for c in message.link)
    ):
        card["actions"] = [{"type": "Action.OpenUrl", "title": OPEN_LABEL, "url": message.link}]
    return card
