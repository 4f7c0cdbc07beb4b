"""Slack: incoming webhooks and the chat.postMessage Web API (bot token, threads).

Every untrusted string is escaped (& < > only, as Slack asks), `link_names` and `parse` are
never sent, so "<!channel>" or "@here" in a notice stays plain text. Webhooks are posted with
the shared httpx client; the Web API goes through slack-sdk, whose own retry handlers are
switched off: the outbox owns retries and must not be blocked by sleeps.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator, Mapping
from typing import Any, cast

import httpx
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import WebClient

from monitor import USER_AGENT
from monitor.config.types import ChannelConfig
from monitor.deliver import clients, escape
from monitor.deliver.base import DeliveryContext, check_webhook_url, failure, http_failure, parse_retry_after
from monitor.deliver.render import SHORTENED
from monitor.model import DeliveryResult, Message
from monitor.redact import redact
from monitor.texts import say

MAX_BLOCKS = 50
SECTION_MAX = 3000
HEADER_MAX = 150
FIELD_MAX = 2000
FIELDS_PER_SECTION = 10
FALLBACK_MAX = 3000
#: The notice text gets at most this many sections (12,000 characters): Slack refuses a message
#: whose blocks are too long in total (msg_blocks_too_long) well below 50 full sections.
MAX_BODY_SECTIONS = 4
#: At most this many field sections (10 fields each; an alert has at most nine).
MAX_FIELD_SECTIONS = 1

#: chat.postMessage errors that retrying cannot fix (someone must change Slack or the config).
PERMANENT_API_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "no_permission",
        "restricted_action",
        "team_access_not_granted",
        "ekm_access_denied",
        "msg_too_long",
        "msg_blocks_too_long",
        "invalid_blocks",
        "no_text",
        "invalid_arguments",
    }
)
HINTS = {
    "channel_is_archived": "the channel is archived; unarchive it or create a new webhook",
    "is_archived": "the channel is archived; unarchive it or choose another channel",
    "no_service": "the webhook was removed or disabled; create a new one",
    "channel_not_found": "check the channel id in rules.yaml",
    "not_in_channel": "invite the bot to the channel (/invite @bot)",
    "invalid_auth": "the bot token is wrong; check the secret reference",
    "token_revoked": "the bot token was revoked; install the app again",
    "account_inactive": "the bot token belongs to a deactivated user or app",
    "invalid_payload": "Slack rejected the message format",
}


def send_webhook(message: Message, channel: ChannelConfig, context: DeliveryContext) -> DeliveryResult:
    """Post to an incoming webhook (`context.secret` is the URL). Success is HTTP 200 with body "ok".

    Through the shared pooled client (`clients.slack_client`), not slack-sdk's WebhookClient, which
    builds a urllib opener (and reads the whole environment for proxies) on every message.
    """
    url = context.secret
    if not url:
        return failure(f"channel {channel.name}: no webhook URL (secret not resolved)", permanent=True)
    problem = check_webhook_url(url)
    if problem:
        return failure(f"channel {channel.name}: {problem}", permanent=True)
    body = json.dumps(build_payload(message), ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
    try:
        response = clients.slack_client().post(
            clients.webhook_url(url), content=body, headers=headers, timeout=context.timeout
        )
    except httpx.TimeoutException:
        return failure("Slack webhook not reached: timed out", permanent=False)
    except httpx.HTTPError as error:
        # The URL is a secret: only the cause, never the error's text if it quotes the URL.
        text = redact(str(error))
        cause = text if text and url not in text else type(error).__name__
        return failure(f"Slack webhook not reached: {cause[:200]}", permanent=False)
    text = redact(response.text).strip()  # masked before any cut, or a half secret shows
    if response.status_code == 200 and text == "ok":
        return DeliveryResult(ok=True, status=200, detail="Slack webhook accepted the message")
    detail = f"Slack webhook answered HTTP {response.status_code}: {_explain(text[:200] or 'no body')}"
    if response.status_code == 200:
        return failure(detail, permanent=False, status=200)
    return http_failure(response.status_code, detail, parse_retry_after(response.headers.get("retry-after")))


def send_bot(message: Message, channel: ChannelConfig, context: DeliveryContext) -> DeliveryResult:
    """chat.postMessage to `channel.target` with a bot token; a reply when `context.thread_ref` is set.

    `thread_ref` of the result is the thread's parent ts: the posted message's own ts, or the
    parent's ts for a reply.
    """
    if not context.secret:
        return failure(f"channel {channel.name}: no bot token (secret not resolved)", permanent=True)
    if not channel.target:
        return failure(
            f"channel {channel.name}: no Slack channel id (set target in rules.yaml)", permanent=True
        )
    base_url = context.settings.slack_api_url.rstrip("/") + "/"
    problem = check_webhook_url(base_url, "settings.slack_api_url")
    if problem:
        return failure(problem, permanent=True)
    client = WebClient(
        token=context.secret,
        base_url=base_url,
        timeout=cast(int, context.timeout),
        ssl=clients.tls_context(),
        user_agent_prefix=USER_AGENT,
        retry_handlers=[],
    )
    payload = build_payload(message)
    try:
        response = client.chat_postMessage(
            channel=channel.target,
            text=payload["text"],
            blocks=payload["blocks"],
            thread_ts=context.thread_ref,
            unfurl_links=False,
            unfurl_media=False,
        )
    except SlackApiError as error:
        return _api_failure(error)
    except (OSError, http.client.HTTPException, SlackClientError, ValueError) as error:
        return failure(f"Slack API not reached: {_describe(error)}", permanent=False)
    ts = response.get("ts")
    if not isinstance(ts, str):
        return failure("Slack API answered ok but without a message ts", permanent=False, status=200)
    return DeliveryResult(
        ok=True,
        status=response.status_code,
        detail=f"posted to {channel.target}" + (" as a thread reply" if context.thread_ref else ""),
        thread_ref=context.thread_ref or ts,
    )


def build_payload(message: Message) -> dict[str, Any]:
    """`{"text": fallback, "blocks": [...]}` with every untrusted string escaped and within limits."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _fit(message.headline, HEADER_MAX)}}
    ]
    for start in range(
        0, min(len(message.fields), FIELDS_PER_SECTION * MAX_FIELD_SECTIONS), FIELDS_PER_SECTION
    ):
        chunk = message.fields[start : start + FIELDS_PER_SECTION]
        fields = [
            _mrkdwn(f"*{escape.slack(label)}*\n" + _fit(value, FIELD_MAX - 60)) for label, value in chunk
        ]
        blocks.append({"type": "section", "fields": fields})
    tail: list[dict[str, Any]] = []
    link = _link(message.link, message.language)
    if link:
        tail.append({"type": "section", "text": _mrkdwn(link)})
    if message.footer:
        tail.append({"type": "context", "elements": [_mrkdwn(_fit(message.footer, SECTION_MAX))]})
    room = min(MAX_BODY_SECTIONS, MAX_BLOCKS - len(blocks) - len(tail))
    shortened = say(message.language, "shortened")  # "… (forkortet)" / "… (forkorta)"
    pieces = list(_split_escaped(escape.slack(message.body), SECTION_MAX - len(shortened) - 1))
    for index, piece in enumerate(pieces[:room]):
        cut = index == room - 1 and len(pieces) > room
        blocks.append({"type": "section", "text": _mrkdwn(piece + (" " + shortened if cut else ""))})
    return {"text": _fit(message.subject, FALLBACK_MAX), "blocks": blocks + tail}


def _api_failure(error: SlackApiError) -> DeliveryResult:
    response = error.response
    status = int(response.status_code)
    data = response.data if isinstance(response.data, dict) else {}
    code = str(data.get("error") or "unknown_error")
    detail = f"Slack API chat.postMessage failed (HTTP {status}): {_explain(code)}"
    if code == "ratelimited" or status == 429:
        retry_after = parse_retry_after(_header(response.headers, "retry-after"))
        return DeliveryResult(ok=False, status=429, detail=detail, retry_after=retry_after)
    if code in PERMANENT_API_ERRORS:
        return failure(detail, permanent=True, status=status)
    if status != 200:
        return http_failure(status, detail)
    return failure(detail, permanent=False, status=status)


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _fit(text: str, limit: int) -> str:
    """Escaped `text`, cut (before escaping, so no entity is split) to at most `limit` characters."""
    escaped = escape.slack(text)
    while len(escaped) > limit:
        text = text[: max(0, len(text) - (len(escaped) - limit) - 1)]
        escaped = escape.slack(text) + SHORTENED
    return escaped


def _split_escaped(text: str, limit: int) -> Iterator[str]:
    """Pieces of escaped text, each ≤ `limit`, cut at a newline or space, never inside an entity."""
    while text:
        if len(text) <= limit:
            yield text
            return
        cut = max(text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        if cut < limit // 2:
            cut = limit
            ampersand = text.rfind("&", cut - 5, cut)
            if ampersand != -1 and ";" not in text[ampersand:cut]:
                cut = ampersand
        yield text[:cut]
        text = text[cut:].lstrip()


def _link(link: str | None, language: str) -> str | None:
    if not link or not link.lower().startswith(("https://", "http://")) or escape.has_whitespace(link):
        return None
    return f"<{escape.slack(link).replace('|', '%7C')}|{say(language, 'open_button')}>"


def _header(headers: Mapping[str, Any] | Any, name: str) -> str | None:
    """One header from slack-sdk's headers (a dict, a dict of lists or an HTTPMessage), any case."""
    try:
        items = list(headers.items())
    except AttributeError:
        return None
    for key, value in items:
        if str(key).lower() == name:
            if isinstance(value, list):
                return str(value[0]) if value else None
            return str(value)
    return None


def _explain(code: str) -> str:
    hint = HINTS.get(code)
    return f"{code} ({hint})" if hint else code


def _describe(error: BaseException) -> str:
    """A short cause; urllib wraps the real one (timeout, refused connection) in URLError.reason."""
    if isinstance(error, SlackClientError):  # its message may quote the (secret) URL
        return type(error).__name__
    reason = getattr(error, "reason", None)
    if isinstance(reason, BaseException):
        error = reason
    text = str(error) or type(error).__name__
    if isinstance(error, TimeoutError) or "timed out" in text:
        return "timed out"
    return f"{type(error).__name__}: {text}"[:200]
