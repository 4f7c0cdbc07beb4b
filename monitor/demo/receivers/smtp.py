"""A local SMTP server (aiosmtpd in its own thread) with optional STARTTLS/SMTPS and AUTH."""

from __future__ import annotations

import asyncio
import email
import email.policy
import functools
import socket
import ssl
import threading
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass(frozen=True)
class ReceivedMail:
    """One accepted mail. `message` is `raw` parsed with `email.policy.default` on first use: a
    mail server accepts DATA without parsing the MIME, and parsing each mail on arrival (~1 ms)
    made this stand-in, not the sender, the slow side of a bench fan-out."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    tls: bool
    authenticated: bool

    @functools.cached_property
    def message(self) -> EmailMessage:
        message = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message


class SmtpReceiver:
    """An aiosmtpd server on 127.0.0.1 (a free port is picked first; port 0 does not work).

    `tls_context` (a server SSLContext) enables STARTTLS, `require_starttls` refuses mail
    before it; `implicit_tls` makes it SMTPS instead. `auth=(user, password)` requires AUTH.
    `reject_recipients` answer 550 at RCPT; `fail(code, text, times=)` answers DATA with a reply.
    `connections()` counts the connections accepted (the controller's own start-up probe
    included: compare counts); `drop_connections()` closes the open ones from the server side.
    """

    def __init__(
        self,
        *,
        tls_context: ssl.SSLContext | None = None,
        require_starttls: bool = False,
        implicit_tls: bool = False,
        auth: tuple[str, str] | None = None,
        reject_recipients: frozenset[str] = frozenset(),
    ) -> None:
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.auth, self.reject_recipients, self.implicit_tls = auth, reject_recipients, implicit_tls
        self._lock = threading.Lock()
        self._messages: list[ReceivedMail] = []
        self._failures: deque[str] = deque()
        self._sessions: list[SMTP] = []
        options: dict[str, Any] = {}
        if implicit_tls:
            options["ssl_context"] = tls_context
        elif tls_context is not None:
            options.update(tls_context=tls_context, require_starttls=require_starttls)
        if auth is not None:
            options.update(
                authenticator=self._authenticate, auth_required=True, auth_require_tls=tls_context is not None
            )
        self.controller = _Controller(self, _SmtpHandler(self), hostname=self.host, port=self.port, **options)

    def start(self) -> Self:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def received(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._messages)

    def reset(self) -> None:
        with self._lock:
            self._messages.clear()
            self._failures.clear()

    def connections(self) -> int:
        with self._lock:
            return len(self._sessions)

    def drop_connections(self) -> None:
        """Close every open connection, as a server ending idle sessions does; returns once closed."""
        with self._lock:
            sessions = list(self._sessions)
        asyncio.run_coroutine_threadsafe(_close(sessions), self.controller.loop).result()

    def fail(self, code: int, text: str, *, times: int = 1) -> None:
        """The next `times` DATA commands are answered with "<code> <text>" (e.g. 451 or 550)."""
        with self._lock:
            self._failures.extend([f"{code} {text}"] * times)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        expected = self.auth
        good = (
            expected is not None
            and isinstance(auth_data, LoginPassword)
            and (auth_data.login.decode(), auth_data.password.decode()) == expected
        )
        return AuthResult(success=good, handled=False)


class _Controller(Controller):
    """A Controller that records each connection's protocol (one `factory` call per connection)."""

    def __init__(self, receiver: SmtpReceiver, handler: Any, **options: Any) -> None:
        super().__init__(handler, **options)
        self.receiver = receiver

    def factory(self) -> SMTP:
        server = SMTP(self.handler, **self.SMTP_kwargs)  # what Controller.factory builds
        with self.receiver._lock:
            self.receiver._sessions.append(server)
        return server


class _SmtpHandler:
    def __init__(self, receiver: SmtpReceiver) -> None:
        self.receiver = receiver

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.receiver.reject_recipients:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        receiver = self.receiver
        with receiver._lock:
            if receiver._failures:
                return receiver._failures.popleft()
        raw = envelope.original_content or b""
        if isinstance(envelope.content, bytes) and not raw:
            raw = envelope.content
        mail = ReceivedMail(
            mail_from=str(envelope.mail_from),
            rcpt_tos=tuple(envelope.rcpt_tos),
            raw=raw,
            tls=receiver.implicit_tls or session.ssl is not None,
            authenticated=bool(session.authenticated),
        )
        with receiver._lock:
            receiver._messages.append(mail)
        return "250 Message accepted for delivery"


async def _close(sessions: list[SMTP]) -> None:
    for server in sessions:
        if server.transport is not None:
            server.transport.close()
    for _ in range(3):  # the transports close their sockets on the loop's next rounds
        await asyncio.sleep(0)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
