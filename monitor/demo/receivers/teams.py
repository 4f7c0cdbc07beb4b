"""A local Teams Workflows webhook trigger that checks the Adaptive Card envelope (and schema)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from monitor.demo.localserver import Request, Response
from monitor.demo.receivers.http import JSON_TYPE, HttpReceiver

TEAMS_MAX_BYTES = 28 * 1024


@dataclass(frozen=True)
class TeamsMessage:
    payload: dict[str, Any]
    card: dict[str, Any]
    raw: bytes


class TeamsReceiver(HttpReceiver):
    """A Teams Workflows "When a webhook request is received" trigger at `url` (with its `sig`).

    Answers 202 with an empty body for a valid Adaptive Card envelope; 400 with the reason
    (also kept in `rejections`) otherwise; 401 for a wrong `sig`; 413 over 28 KB.
    With `schema_path`, the card is validated against that JSON schema (Draft 6).
    """

    def __init__(
        self,
        *,
        schema_path: Path | None = None,
        path: str = "/powerautomate/automations/direct/workflows/0local/triggers/manual/paths/invoke",
        sig: str = "local-test-signature",
    ) -> None:
        super().__init__()
        self.path, self.sig = path, sig
        self._validator: Any = None
        if schema_path is not None:
            import jsonschema  # test dependency, only needed for schema checks

            self._validator = jsonschema.Draft6Validator(json.loads(schema_path.read_text("utf-8")))
        self._messages: list[TeamsMessage] = []
        self.server.route(path, self._invoke)

    @property
    def url(self) -> str:
        return (
            self.server.url(self.path) + f"?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={self.sig}"
        )

    def received(self) -> list[TeamsMessage]:
        with self._lock:
            return list(self._messages)

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self._messages.clear()

    def fail(self, status: int, *, times: int = 1, retry_after: int | None = None, body: str = "") -> None:
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        self._force("invoke", Response(status, body.encode(), JSON_TYPE, headers), times)

    def _invoke(self, request: Request) -> Response:
        forced = self._take_forced("invoke")
        if forced is not None:
            return forced
        if parse_qs(request.query).get("sig") != [self.sig]:
            return self._reject(401, "signature missing or wrong")
        if len(request.body) > TEAMS_MAX_BYTES:
            return self._reject(413, f"request entity too large: {len(request.body)} bytes")
        if not request.headers.get("content-type", "").startswith("application/json"):
            return self._reject(400, "content type is not application/json")
        try:
            payload = json.loads(request.body)
        except ValueError as error:
            return self._reject(400, f"invalid JSON: {error}")
        card, problem = self._card_problem(payload)
        if problem or card is None:
            return self._reject(400, problem or "no card")
        with self._lock:
            self._messages.append(TeamsMessage(payload, card, request.body))
        return Response(202, b"")

    def _card_problem(self, payload: Any) -> tuple[dict[str, Any] | None, str | None]:
        if not isinstance(payload, dict) or payload.get("type") != "message":
            return None, 'envelope "type" must be "message"'
        attachments = payload.get("attachments")
        if not isinstance(attachments, list) or not attachments or not isinstance(attachments[0], dict):
            return None, "attachments must be a non-empty list"
        if attachments[0].get("contentType") != "application/vnd.microsoft.card.adaptive":
            return None, "attachments[0].contentType is not application/vnd.microsoft.card.adaptive"
        card = attachments[0].get("content")
        if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
            return None, 'attachments[0].content.type must be "AdaptiveCard"'
        if _version(card.get("version")) > (1, 5):
            return None, f"card version {card.get('version')!r} is newer than 1.5 (Teams renders up to 1.5)"
        if self._validator is not None:
            errors = sorted(self._validator.iter_errors(card), key=lambda error: list(error.absolute_path))
            if errors:
                first = errors[0]
                context = "; ".join(sub.message for sub in (first.context or [])[:3])
                where = "/".join(str(part) for part in first.absolute_path)
                return None, f"schema: at {where or '(card)'}: {first.message}" + (
                    f" ({context})" if context else ""
                )
        return card, None


def _version(value: Any) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in str(value).split("."))
    except ValueError:
        return (99,)
