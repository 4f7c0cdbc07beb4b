"""Email over SMTP: verified TLS (SMTPS or required STARTTLS), multipart text + HTML.

The Message-ID is the message's stable id, so a retried send is recognisable as the same
mail; follow-ups carry In-Reply-To/References. Auto-Submitted and X-Auto-Response-Suppress
keep vacation responders quiet.
"""

from __future__ import annotations

import functools
import html
import re
import smtplib
import ssl
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import format_datetime, getaddresses

from monitor.config.types import ChannelConfig
from monitor.deliver import clients, escape, mime, smtpsend
from monitor.deliver.base import DeliveryContext, failure, is_loopback
from monitor.deliver.render import SUBJECT_MAX_CHARS, truncate
from monitor.model import DeliveryResult, Message
from monitor.texts import language_of, nb, say

LIST_ID = "Driftsvarsel <driftsvarsel.monitor>"
OPEN_LABEL = nb.TEXTS["open_button"]  # bokmål; a message's own målform picks its label
_MESSAGE_ID = re.compile(r"^<[^<>\s@]+@[^<>\s@]+>$")
_FIXED_HEADERS = b"".join(
    mime.plain_header(name, value)
    for name, value in (
        ("Auto-Submitted", "auto-generated"),
        ("X-Auto-Response-Suppress", "All"),
        ("List-Id", LIST_ID),
    )
)


def send(message: Message, channel: ChannelConfig, context: DeliveryContext) -> DeliveryResult:
    """Send `message` to `channel.to` through `context.settings.smtp`. `thread_ref` = the Message-ID.

    The server certificate is always verified: against `smtp.ca_file` alone when set (a private
    CA), else against the system store. An untrusted certificate is a retryable failure.
    """
    smtp = context.settings.smtp
    where = f"SMTP {smtp.host}:{smtp.port}"
    if not channel.to:
        return failure(f"channel {channel.name}: no recipients (set to: in rules.yaml)", permanent=True)
    if smtp.security == "none" and not is_loopback(smtp.host):
        return failure(
            f"{where}: security 'none' is allowed only for a loopback host; use starttls or ssl",
            permanent=True,
        )
    if smtp.username and context.smtp_password is None:
        return failure(
            f"{where}: smtp.username is set but the password secret was not resolved", permanent=True
        )
    try:
        tls = clients.tls_context(smtp.ca_file)
    except (OSError, ssl.SSLError) as error:
        return failure(
            f"smtp.ca_file {smtp.ca_file}: cannot be read as CA certificates ({error})", permanent=True
        )
    try:
        envelope = _envelope(message, smtp.sender, channel.to, datetime.now(UTC))
        refused = smtpsend.deliver(smtp, tls, context.timeout, context.smtp_password, envelope)
    except ssl.SSLCertVerificationError as error:
        detail = (
            f"{where}: server certificate not trusted ({error.verify_message}); fix it or set smtp.ca_file"
        )
        return failure(detail, permanent=False)
    except smtpsend.NoStartTls:
        return failure(
            f"{where}: the server does not offer STARTTLS; use security: ssl or another server",
            permanent=True,
        )
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        permanent = all(500 <= code < 600 for code in codes)
        return failure(
            f"{where}: every recipient refused ({_codes(error.recipients)})",
            permanent=permanent,
            status=min(codes),
        )
    except smtplib.SMTPResponseException as error:
        text = _reply_text(error.smtp_error)
        return failure(
            f"{where}: {error.smtp_code} {text}",
            permanent=500 <= error.smtp_code < 600,
            status=error.smtp_code,
        )
    except smtplib.SMTPServerDisconnected as error:
        return failure(f"{where}: connection closed ({error})", permanent=False)
    except smtplib.SMTPException as error:  # e.g. no usable AUTH mechanism: a configuration problem
        return failure(f"{where}: {error}", permanent=True)
    except TimeoutError:
        return failure(f"{where}: timed out after {context.timeout:g} s", permanent=False)
    except OSError as error:
        return failure(f"{where}: {type(error).__name__}: {error}", permanent=False)
    detail = f"sent to {len(channel.to) - len(refused)} of {len(channel.to)} recipients"
    if refused:
        detail += f"; refused: {_codes(refused)}"
    return DeliveryResult(ok=True, status=250, detail=detail, thread_ref=message.message_id)


def build_email(
    message: Message, *, sender: str, to: tuple[str, ...], now: datetime, utf8: bool = False
) -> bytes:
    """The email as it goes over the wire (CRLF lines): multipart/alternative (text, then HTML)
    with threading and auto-reply-suppressing headers, written by `monitor.deliver.mime`.

    Invisible and bidi-control characters are dropped from every text; the subject is one line of
    at most SUBJECT_MAX_CHARS characters. `utf8`: headers in raw UTF-8 for an SMTPUTF8
    transaction (non-ASCII addresses), else non-ASCII text as RFC 2047 encoded-words. Raises
    ValueError when the sender or a recipient holds CR or LF.
    """
    message = _visible(message)
    subject = truncate(" ".join(message.subject.split()), SUBJECT_MAX_CHARS)
    headers = [
        mime.policy_header("From", sender, utf8=utf8),
        mime.address_header("To", to, utf8=utf8),
        mime.policy_header("Subject", subject, utf8=utf8),
        mime.plain_header("Date", format_datetime(now)),
        _message_id_header("Message-ID", message.message_id, utf8),
    ]
    if message.in_reply_to and _MESSAGE_ID.match(message.in_reply_to):
        headers.append(mime.plain_header("In-Reply-To", message.in_reply_to))
        headers.append(mime.plain_header("References", message.in_reply_to))
    headers.append(_FIXED_HEADERS)
    parts = [mime.text_part("plain", text_part(message)), mime.text_part("html", html_part(message))]
    return mime.alternative(b"".join(headers), parts)


def _message_id_header(name: str, value: str, utf8: bool) -> bytes:
    """Our own ids (`<hex@driftsvarsel.monitor>`) as they are; anything else through the policy."""
    if _MESSAGE_ID.match(value):
        return mime.plain_header(name, value)
    return mime.policy_header(name, value, utf8=utf8)


def _visible(message: Message) -> Message:
    return replace(
        message,
        subject=escape.visible(message.subject),
        headline=escape.visible(message.headline),
        fields=tuple((escape.visible(label), escape.visible(value)) for label, value in message.fields),
        body=escape.visible(message.body),
        footer=escape.visible(message.footer),
    )


def text_part(message: Message) -> str:
    lines = [message.headline, ""]
    lines += [f"{label}: {value}" for label, value in message.fields]
    if message.body:
        lines += ["", message.body]
    if message.link:
        lines += ["", f"{say(message.language, 'open_button')}: {message.link}"]
    if message.footer:
        lines += ["", "-- ", message.footer]
    return "\n".join(lines) + "\n"


def html_part(message: Message) -> str:
    """Every untrusted string goes through html.escape; the link only as an http(s) href."""
    rows = "".join(
        f'<tr><th align="left" style="padding-right:1em">{html.escape(label)}</th>'
        f"<td>{html.escape(value)}</td></tr>"
        for label, value in message.fields
    )
    lang = language_of(message.language)
    parts = [
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"></head><body>',
        f"<h2>{html.escape(message.headline)}</h2>",
        f"<table>{rows}</table>" if rows else "",
        f'<p style="white-space:pre-wrap">{html.escape(message.body)}</p>' if message.body else "",
    ]
    if message.link and message.link.lower().startswith(("https://", "http://")):
        button = say(message.language, "open_button")
        parts.append(f'<p><a href="{html.escape(message.link, quote=True)}">{button}</a></p>')
    if message.footer:
        parts.append(f'<p style="color:#666;font-size:small">{html.escape(message.footer)}</p>')
    parts.append("</body></html>")
    return "\n".join(part for part in parts if part) + "\n"


def _envelope(message: Message, sender: str, to: tuple[str, ...], now: datetime) -> smtpsend.Envelope:
    """The envelope addresses (as `send_message` takes them) and the message written once.

    Non-ASCII addresses need SMTPUTF8 and the message in UTF-8 headers, as `send_message` does.
    """
    from_address, recipients, utf8 = _addresses(sender, to)
    data = build_email(message, sender=sender, to=to, now=now, utf8=utf8)
    return smtpsend.Envelope(from_address, recipients, data, utf8=utf8)


@functools.lru_cache(maxsize=1024)
def _addresses(sender: str, to: tuple[str, ...]) -> tuple[str, tuple[str, ...], bool]:
    """The envelope's sender and recipients, and whether they need SMTPUTF8; once per channel."""
    from_address = getaddresses([sender])[0][1]
    recipients = tuple(address for _, address in getaddresses(list(to)))
    return from_address, recipients, not all(address.isascii() for address in (from_address, *recipients))


def _reply_text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())[:200]


def _codes(recipients: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{address}: {code} {_reply_text(text)}" for address, (code, text) in recipients.items())
