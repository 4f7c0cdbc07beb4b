"""A local Slack: incoming webhook and Web API chat.postMessage, checking what Slack checks."""

from __future__ import annotations

import itertools
import json
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from monitor.demo.localserver import Request, Response
from monitor.demo.receivers.http import JSON_TYPE, HttpReceiver, json_response

SLACK_MAX_BLOCKS = 50
SLACK_SECTION_MAX = 3000
SLACK_HEADER_MAX = 150
SLACK_FIELDS_MAX = 10
SLACK_FIELD_MAX = 2000


@dataclass(frozen=True)
class SlackMessage:
    """One accepted Slack post. `path` tells webhook ("/services/...") from API ("/api/chat.postMessage")."""

    path: str
    channel: str | None
    thread_ts: str | None
    ts: str | None
    text: str | None
    blocks: list[dict[str, Any]]
    payload: dict[str, Any]


class SlackReceiver(HttpReceiver):
    """Slack incoming webhook at `webhook_url` and Web API `chat.postMessage` under `api_url`.

    `token`: the bot token the API accepts. `channels`: ids the bot can post to (None: any).
    `archived`: channel ids that answer `is_archived`. Read `received()`; force failures
    with `fail(status, times=, retry_after=, body=, endpoint="webhook"|"api")` or `api_error(code)`.
    """

    WEBHOOK_ERRORS = {
        404: "no_service",
        410: "channel_is_archived",
        403: "action_prohibited",
        500: "rollup_error",
    }

    def __init__(
        self,
        *,
        token: str = "xoxb-local-test-token",
        webhook_path: str = "/services/T0LOCAL00/B0LOCAL00/localwebhooksecret000000",
        channels: frozenset[str] | None = None,
        archived: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__()
        self.token, self.webhook_path, self.channels, self.archived = token, webhook_path, channels, archived
        self._messages: list[SlackMessage] = []
        self._api_errors: deque[str] = deque()
        self._ts = itertools.count(1)
        self.server.route(webhook_path, self._webhook)
        self.server.route("/api/chat.postMessage", self._post_message)

    @property
    def webhook_url(self) -> str:
        return self.server.url(self.webhook_path)

    @property
    def api_url(self) -> str:
        return self.server.url("/api/")

    def received(self) -> list[SlackMessage]:
        with self._lock:
            return list(self._messages)

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self._messages.clear()
            self._api_errors.clear()

    def fail(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: int | None = None,
        body: str | None = None,
        endpoint: str = "webhook",
    ) -> None:
        """Answer the next `times` requests to `endpoint` with `status` (and Retry-After)."""
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        if endpoint == "api":
            code = "ratelimited" if status == 429 else "internal_error"
            text = body if body is not None else json.dumps({"ok": False, "error": code})
            self._force(endpoint, Response(status, text.encode(), JSON_TYPE, headers), times)
        else:
            text = body if body is not None else self.WEBHOOK_ERRORS.get(status, "rate_limited")
            self._force(endpoint, Response(status, text.encode(), headers=headers), times)

    def api_error(self, code: str, *, times: int = 1) -> None:
        """The next `times` chat.postMessage calls answer HTTP 200 `{"ok": false, "error": code}`."""
        with self._lock:
            self._api_errors.extend([code] * times)

    def _webhook(self, request: Request) -> Response:
        forced = self._take_forced("webhook")
        if forced is not None:
            return forced
        if not request.headers.get("content-type", "").startswith("application/json"):
            return self._reject(400, "invalid_payload")
        try:
            payload = json.loads(request.body)
        except ValueError:
            return self._reject(400, "invalid_payload")
        problem = _slack_payload_problem(payload)
        if problem:
            return self._reject(400, problem, b"invalid_payload" if problem != "no_text" else None)
        self._record(request.path, payload, None, None)
        return Response(200, b"ok", "text/html")

    def _post_message(self, request: Request) -> Response:
        forced = self._take_forced("api")
        if forced is not None:
            return forced
        payload = _api_payload(request)
        error = self._api_problem(request, payload)
        if error is not None or payload is None:
            error = error or "invalid_arguments"
            with self._lock:
                self.rejections.append(error)
            return json_response(200, {"ok": False, "error": error})
        ts = f"{1_700_000_000 + next(self._ts)}.000100"
        channel = str(payload["channel"])
        thread_ts = payload.get("thread_ts")
        self._record(request.path, payload, ts, str(thread_ts) if thread_ts else None)
        return json_response(
            200, {"ok": True, "channel": channel, "ts": ts, "message": {"text": payload.get("text")}}
        )

    def _api_problem(self, request: Request, payload: dict[str, Any] | None) -> str | None:
        authorization = request.headers.get("authorization", "")
        if not authorization:
            return "not_authed"
        if authorization != f"Bearer {self.token}":
            return "invalid_auth"
        with self._lock:
            if self._api_errors:
                return self._api_errors.popleft()
        if payload is None:
            return "invalid_arguments"
        channel = payload.get("channel")
        if not channel or (self.channels is not None and channel not in self.channels):
            return "channel_not_found"
        if channel in self.archived:
            return "is_archived"
        problem = _slack_payload_problem(payload)
        return None if problem is None else ("no_text" if problem == "no_text" else "invalid_blocks")

    def _record(self, path: str, payload: dict[str, Any], ts: str | None, thread_ts: str | None) -> None:
        blocks = payload.get("blocks") or []
        message = SlackMessage(
            path, payload.get("channel"), thread_ts, ts, payload.get("text"), blocks, payload
        )
        with self._lock:
            self._messages.append(message)


def _slack_payload_problem(payload: Any) -> str | None:
    """What Slack would refuse in a message payload (text/blocks), or None."""
    if not isinstance(payload, dict):
        return "invalid_payload"
    blocks = payload.get("blocks")
    if isinstance(blocks, str):  # form-encoded API calls carry blocks as a JSON string
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return "invalid_blocks"
    if not payload.get("text") and not blocks:
        return "no_text"
    if blocks is None:
        return None
    if not isinstance(blocks, list) or len(blocks) > SLACK_MAX_BLOCKS:
        return "invalid_blocks: more than 50 blocks"
    for index, block in enumerate(blocks):
        problem = _block_problem(block)
        if problem:
            return f"invalid_blocks: block {index}: {problem}"
    return None


def _block_problem(block: Any) -> str | None:
    if not isinstance(block, dict):
        return "not an object"
    kind, text = block.get("type"), block.get("text")
    text_value = text.get("text", "") if isinstance(text, dict) else ""
    if kind == "header":
        if not isinstance(text, dict) or text.get("type") != "plain_text":
            return "header text must be plain_text"
        if len(text_value) > SLACK_HEADER_MAX:
            return f"header text over {SLACK_HEADER_MAX} characters"
    elif kind == "section":
        if len(text_value) > SLACK_SECTION_MAX:
            return f"section text over {SLACK_SECTION_MAX} characters"
        fields = block.get("fields") or []
        if len(fields) > SLACK_FIELDS_MAX or any(
            len(item.get("text", "")) > SLACK_FIELD_MAX for item in fields
        ):
            return "section fields over the limits (10 fields of 2000 characters)"
        if not text_value and not fields:
            return "section needs text or fields"
    elif kind not in ("context", "divider", "actions", "image", "rich_text", "markdown"):
        return f"unknown block type {kind!r}"
    return None


def _api_payload(request: Request) -> dict[str, Any] | None:
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("application/json"):
            payload = json.loads(request.body or b"{}")
            return payload if isinstance(payload, dict) else None
        form = parse_qs(request.body.decode("utf-8"))
        return {key: values[0] for key, values in form.items()}
    except ValueError:
        return None
