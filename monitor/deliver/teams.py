"""Microsoft Teams through a Workflows (Power Automate) webhook: one Adaptive Card 1.5.

The card is built as Python objects and serialised with `json.dumps` only, so quotes or
brackets in a notice cannot change its structure; markdown in untrusted text is escaped.
Workflows answer 202 and post asynchronously, so any 2xx counts as accepted.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import httpx

from monitor import USER_AGENT
from monitor.config.types import ChannelConfig
from monitor.deliver import clients, escape
from monitor.deliver.base import DeliveryContext, check_webhook_url, failure, http_failure, parse_retry_after
from monitor.deliver.render import SHORTENED
from monitor.model import DeliveryResult, Message
from monitor.redact import redact
from monitor.texts import nb, say

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
#: Teams rejects messages over about 28 KB; one library found ~21 KB the practical limit.
MAX_PAYLOAD_BYTES = 20_000
#: Per-text caps (characters) tried in turn until the card fits; and at most this many facts.
TEXT_CAPS = (2000, 500, 100, 20)
MAX_FIELDS = 30
#: A body cut shorter than this says nothing; then it is left out.
MIN_BODY_CHARS = 100
OPEN_LABEL = nb.TEXTS["open_button"]  # bokmål; a message's own målform picks its label
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
        response = clients.teams_client().post(
            clients.webhook_url(url), content=body, headers=headers, timeout=context.timeout
        )
    except httpx.TimeoutException:
        return failure(f"Teams webhook timed out after {context.timeout:g} s", permanent=False)
    except httpx.HTTPError as error:
        # The message of an httpx error may contain the URL, whose `sig` is a secret.
        return failure(f"Teams webhook not reached ({type(error).__name__})", permanent=False)
    status = response.status_code
    if 200 <= status < 300:
        return DeliveryResult(ok=True, status=status, detail=f"Teams accepted the card (HTTP {status})")
    text = " ".join(redact(response.text).split())[:200]  # masked before the cut, or a half secret shows
    hint = HINTS.get(status)
    detail = (
        f"Teams webhook answered HTTP {status}"
        + (f": {hint}" if hint else "")
        + (f" ({text})" if text else "")
    )
    return http_failure(status, detail, parse_retry_after(response.headers.get("retry-after")))


def payload_bytes(message: Message, limit: int = MAX_PAYLOAD_BYTES) -> bytes:
    """The serialised envelope, within `limit` bytes: the body is shortened first; should the rest
    still not fit (a huge headline, many fields), every text is capped harder, step by step.
    Whatever was cut ends in "… (forkortet)"."""
    for cap in TEXT_CAPS:
        encoded = _fit_body(_capped(message, cap), limit)
        if len(encoded) <= limit:
            return encoded
    return encoded


def _fit_body(message: Message, limit: int) -> bytes:
    """The envelope with as much of the body as fits in `limit` bytes (a binary search on its length)."""

    def encode(text: str) -> bytes:
        return json.dumps(build_payload(message, body=text), ensure_ascii=False).encode("utf-8")

    whole = encode(message.body)
    if len(whole) <= limit or not message.body:
        return whole
    low, high = 0, len(message.body)  # invariant: a cut to `low` characters fits (or low == 0)
    while low < high:
        middle = (low + high + 1) // 2
        if len(encode(_shorten(message.body, middle, message.language))) <= limit:
            low = middle
        else:
            high = middle - 1
    return encode(_shorten(message.body, low, message.language) if low >= MIN_BODY_CHARS else "")


def _shorten(text: str, keep: int, language: str = "nb") -> str:
    return text[:keep].rstrip() + say(language, "shortened")


def _capped(message: Message, cap: int) -> Message:
    """`message` with its headline, footer and each field cut to `cap` characters, at most
    MAX_FIELDS fields."""
    fields = tuple((_cut(label, cap), _cut(value, cap)) for label, value in message.fields[:MAX_FIELDS])
    return replace(
        message, headline=_cut(message.headline, cap), footer=_cut(message.footer, cap), fields=fields
    )


def _cut(text: str, cap: int) -> str:
    return text if len(text) <= cap else text[: max(0, cap - len(SHORTENED))] + SHORTENED


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
        and not escape.has_whitespace(message.link)
    ):
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": say(message.language, "open_button"), "url": message.link}
        ]
    return card
