"""SMTP connection reuse (monitor.deliver.clients + smtpsend) against a real aiosmtpd server."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from delivery_samples import channel, make_alert, settings
from stdlib_email import stdlib_message

from monitor.deliver import DeliveryContext, clients
from monitor.deliver.mail import send
from monitor.deliver.render import render_alert
from monitor.demo.receivers import SmtpReceiver
from monitor.model import Message

TO = ("drift@bodø.kommune.example", "vakt@tromso.kommune.example")
ASCII_TO = ("drift@tromso.kommune.example", "vakt@tromso.kommune.example")
SENDER = "Driftsvarsel <driftsvarsel@monitor.example>"
NOW = datetime(2024, 5, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    clients.close()
    with SmtpReceiver() as receiver:
        yield receiver
    clients.close()


def context(receiver: SmtpReceiver) -> DeliveryContext:
    config = settings(host=receiver.host, port=receiver.port, security="none", sender=SENDER)
    return DeliveryContext(secret=None, settings=config)


def message(**values: object) -> Message:
    return render_alert(make_alert(**values))  # type: ignore[arg-type]


def test_one_connection_carries_several_messages(smtp: SmtpReceiver) -> None:
    before = smtp.connections()
    for version in (1, 2, 3):
        result = send(message(version=version), channel("email", to=ASCII_TO), context(smtp))
        assert result.ok, result.detail
    assert smtp.connections() - before == 1
    assert len(smtp.received()) == 3


def test_a_dropped_connection_is_replaced_and_the_mail_sent_once(smtp: SmtpReceiver) -> None:
    assert send(message(), channel("email", to=ASCII_TO), context(smtp)).ok
    before = smtp.connections()
    smtp.drop_connections()
    result = send(message(version=2), channel("email", to=ASCII_TO), context(smtp))
    assert result.ok, result.detail
    assert smtp.connections() - before == 1
    assert len(smtp.received()) == 2


def test_a_refused_data_on_a_reused_connection_is_not_sent_again(smtp: SmtpReceiver) -> None:
    assert send(message(), channel("email", to=ASCII_TO), context(smtp)).ok
    before = smtp.connections()
    smtp.fail(451, "4.3.0 Try again later")
    result = send(message(version=2), channel("email", to=ASCII_TO), context(smtp))
    assert (result.ok, result.permanent, result.status) == (False, False, 451)
    assert smtp.connections() == before and len(smtp.received()) == 1
    assert send(message(version=3), channel("email", to=ASCII_TO), context(smtp)).ok
    assert smtp.connections() - before == 1  # the failed transaction's connection was not kept


def test_close_ends_the_pooled_connections(smtp: SmtpReceiver) -> None:
    assert send(message(), channel("email", to=ASCII_TO), context(smtp)).ok
    before = smtp.connections()
    clients.close()
    assert send(message(version=2), channel("email", to=ASCII_TO), context(smtp)).ok
    assert smtp.connections() - before == 1


@pytest.mark.parametrize("to", [ASCII_TO, TO])
def test_the_receiver_gets_what_send_message_would_send(smtp: SmtpReceiver, to: tuple[str, ...]) -> None:
    """The hand-written bytes parse to the same headers and parts as the stdlib's EmailMessage
    flattened by smtplib's `send_message`."""
    alert = message(title="Nedetid på Altinn: «Skatteetaten» før kl. 12 – æøå ÆØÅ")
    with smtplib.SMTP(smtp.host, smtp.port) as direct:
        direct.send_message(stdlib_message(alert, sender=SENDER, to=to, now=NOW))
    assert send(alert, channel("email", to=to), context(smtp)).ok
    old, new = smtp.received()
    assert (
        (new.mail_from, new.rcpt_tos) == (old.mail_from, old.rcpt_tos) == ("driftsvarsel@monitor.example", to)
    )
    assert new.message.keys() == old.message.keys()
    for name in old.message.keys():
        if name not in ("Date", "Content-Type"):  # the time of sending; a random MIME boundary
            assert str(new.message[name]) == str(old.message[name])
    assert new.message.get_content_type() == old.message.get_content_type() == "multipart/alternative"
    assert new.message["Subject"] == old.message["Subject"]
    assert "æøå ÆØÅ" in new.message["Subject"]
    # RFC 2047 encoded words, except under SMTPUTF8 (a non-ASCII address), as smtplib does it
    heads = [mail.raw.split(b"\r\n\r\n")[0] for mail in (old, new)]
    assert [b"=?utf-8?" in head for head in heads] == [to == ASCII_TO] * 2
    assert [head.isascii() for head in heads] == [to == ASCII_TO] * 2
    old_parts = [(part.get_content_type(), part.get_content()) for part in old.message.iter_parts()]
    new_parts = [(part.get_content_type(), part.get_content()) for part in new.message.iter_parts()]
    assert new_parts == old_parts and [kind for kind, _ in new_parts] == ["text/plain", "text/html"]
    assert new.message["Date"] is not None
