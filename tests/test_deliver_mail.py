"""Email sender: message construction, and SMTP delivery to aiosmtpd with verified TLS (trustme)."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
import trustme
from delivery_samples import channel, make_alert, settings
from probe_servers import refused_port

from monitor.deliver import DeliveryContext
from monitor.deliver.mail import build_email, send
from monitor.deliver.render import render_alert
from monitor.demo.receivers import SmtpReceiver
from monitor.model import Message

TO = ("drift@drammen.kommune.example", "vakt@drammen.kommune.example")
NOW = datetime(2024, 5, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture(scope="module")
def starttls_server(server_tls: ssl.SSLContext) -> Iterator[SmtpReceiver]:
    with SmtpReceiver(tls_context=server_tls, require_starttls=True, auth=("drift", "hemmelig")) as receiver:
        yield receiver


@pytest.fixture
def smtp(starttls_server: SmtpReceiver) -> SmtpReceiver:
    starttls_server.reset()
    return starttls_server


def context(
    receiver: SmtpReceiver,
    *,
    security: str = "starttls",
    ca_file: Path | None = None,
    user: str | None = "drift",
    password: str | None = "hemmelig",
    timeout: float = 5.0,
) -> DeliveryContext:
    config = settings(
        host=receiver.host,
        port=receiver.port,
        security=security,
        username=user,
        sender="driftsvarsel@monitor.example",
        ca_file=None if ca_file is None else str(ca_file),
    )
    return DeliveryContext(secret=None, settings=config, smtp_password=password, timeout=timeout)


def message(**values: object) -> Message:
    return render_alert(make_alert(**values))  # type: ignore[arg-type]


def parsed(data: bytes) -> EmailMessage:
    email = message_from_bytes(data, policy=default)
    assert isinstance(email, EmailMessage)
    return email


def test_build_email_is_multipart_alternative_with_alert_headers() -> None:
    email = parsed(build_email(message(), sender="driftsvarsel@monitor.example", to=TO, now=NOW))
    assert email.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in email.iter_parts()] == ["text/plain", "text/html"]
    assert email["Auto-Submitted"] == "auto-generated"
    assert email["X-Auto-Response-Suppress"] == "All"
    assert email["List-Id"] == "Driftsvarsel <driftsvarsel.monitor>"
    assert email["To"] == ", ".join(TO)
    assert email["Subject"] == "[Driftsvarsel] Nedetid: Nedetid på tjenester 23.04"
    assert email["In-Reply-To"] is None
    text = email.get_body(("plain",))
    assert text is not None and "Berørte API-er: Inntekt API" in text.get_content()


def test_build_email_message_id_is_stable_across_renders() -> None:
    first = parsed(build_email(message(), sender="a@b.example", to=TO, now=NOW))
    second = parsed(build_email(message(text="endret tekst"), sender="a@b.example", to=TO, now=NOW))
    assert first["Message-ID"] == second["Message-ID"] == message().message_id


def test_build_email_reply_has_in_reply_to_and_references() -> None:
    opening = message()
    resolved = render_alert(
        make_alert(category="resolved", planned=None, version=2), in_reply_to=opening.message_id
    )
    email = parsed(build_email(resolved, sender="a@b.example", to=TO, now=NOW))
    assert email["In-Reply-To"] == opening.message_id
    assert email["References"] == opening.message_id
    assert email["Message-ID"] != opening.message_id


def test_send_starttls_with_verified_certificate_delivers(smtp: SmtpReceiver, ca_file: Path) -> None:
    result = send(message(), channel("email", to=TO), context(smtp, ca_file=ca_file))
    assert result.ok, result.detail
    assert result.thread_ref == message().message_id
    (mail,) = smtp.received()
    assert mail.tls and mail.authenticated
    assert mail.rcpt_tos == TO and mail.mail_from == "driftsvarsel@monitor.example"
    assert mail.message["Message-ID"] == message().message_id
    assert mail.message.get_content_type() == "multipart/alternative"
    assert mail.message["Date"] is not None


def test_send_refuses_an_untrusted_certificate(smtp: SmtpReceiver) -> None:
    other_ca = trustme.CA()
    with other_ca.cert_pem.tempfile() as other_file:
        result = send(message(), channel("email", to=TO), context(smtp, ca_file=Path(other_file)))
    assert not result.ok and "certificate" in result.detail
    assert smtp.received() == []


def test_send_wrong_password_is_permanent(smtp: SmtpReceiver, ca_file: Path) -> None:
    result = send(message(), channel("email", to=TO), context(smtp, ca_file=ca_file, password="feil"))
    assert not result.ok and result.permanent and result.status == 535
    assert "feil" not in result.detail


def test_send_550_reply_is_permanent_and_451_retryable(smtp: SmtpReceiver, ca_file: Path) -> None:
    smtp.fail(550, "5.1.1 Mailbox unavailable")
    result = send(message(), channel("email", to=TO), context(smtp, ca_file=ca_file))
    assert (result.ok, result.permanent, result.status) == (False, True, 550)
    smtp.fail(451, "4.3.0 Try again later")
    result = send(message(), channel("email", to=TO), context(smtp, ca_file=ca_file))
    assert (result.ok, result.permanent, result.status) == (False, False, 451)


def test_send_starttls_required_but_not_offered_is_permanent() -> None:
    with SmtpReceiver() as plain:
        result = send(message(), channel("email", to=TO), context(plain, user=None))
        assert not result.ok and result.permanent and "STARTTLS" in result.detail
        assert plain.received() == []


def test_send_implicit_tls_and_rejected_recipient(server_tls: ssl.SSLContext, ca_file: Path) -> None:
    with SmtpReceiver(
        tls_context=server_tls, implicit_tls=True, reject_recipients=frozenset(TO[1:])
    ) as smtps:
        result = send(
            message(), channel("email", to=TO), context(smtps, security="ssl", ca_file=ca_file, user=None)
        )
        assert result.ok and "refused" in result.detail
        assert smtps.received()[0].rcpt_tos == TO[:1]
        only_bad = send(
            message(), channel("email", to=TO[1:]), context(smtps, security="ssl", ca_file=ca_file, user=None)
        )
        assert not only_bad.ok and only_bad.permanent and only_bad.status == 550


def test_send_security_none_only_to_loopback() -> None:
    with SmtpReceiver() as plain:
        assert send(message(), channel("email", to=TO), context(plain, security="none", user=None)).ok
    remote = DeliveryContext(secret=None, settings=settings(host="smtp.example.org", security="none"))
    result = send(message(), channel("email", to=TO), remote)
    assert not result.ok and result.permanent and "loopback" in result.detail


def test_send_connection_refused_and_timeout_are_retryable() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts connections in the kernel but never sends a greeting
        port = silent.getsockname()[1]
        config = settings(host="127.0.0.1", port=port, security="none")
        result = send(message(), channel("email", to=TO), DeliveryContext(None, config, timeout=0.3))
        assert not result.ok and not result.permanent and "timed out" in result.detail
    with refused_port() as port:
        config = settings(host="127.0.0.1", port=port, security="none")
        refused = send(message(), channel("email", to=TO), DeliveryContext(None, config, timeout=2))
    assert not refused.ok and not refused.permanent and "refused" in refused.detail.lower()
