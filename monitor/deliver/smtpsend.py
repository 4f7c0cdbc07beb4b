"""One SMTP transaction on a pooled connection (see monitor.deliver.clients).

The message is flattened once by the caller and sent as bytes (MAIL, RCPT..., DATA). A
connection taken from the pool may have been dropped by the server while idle: if its first
command (MAIL) fails for that reason, the transaction is retried once on a fresh connection.
Nothing is retried once MAIL was accepted, so a message the server took is never sent twice.
"""

from __future__ import annotations

import functools
import hashlib
import smtplib
import socket
import ssl
from dataclasses import dataclass

from monitor.config.types import SmtpConfig
from monitor.deliver import clients

Refused = dict[str, tuple[int, bytes]]


class NoStartTls(Exception):
    """The server did not offer STARTTLS, which this configuration requires."""


class _StaleConnection(Exception):
    """A reused connection failed before MAIL was accepted: safe to retry on a fresh one."""


@dataclass(frozen=True)
class Envelope:
    sender: str
    recipients: tuple[str, ...]
    data: bytes
    utf8: bool = False


def deliver(
    smtp: SmtpConfig, tls: ssl.SSLContext, timeout: float, password: str | None, envelope: Envelope
) -> Refused:
    """Send `envelope`; returns the refused recipients (like `smtplib.SMTP.sendmail`).

    Raises what smtplib raises (SMTPRecipientsRefused when every recipient is refused), OSError,
    ssl errors and NoStartTls.
    """
    digest = hashlib.sha256((password or "").encode()).hexdigest()
    key: clients.SmtpKey = (smtp.host, smtp.port, smtp.security, smtp.username, digest, smtp.ca_file)
    client, generation = clients.smtp_checkout(key)
    if client is not None:
        try:
            refused = _transact(client, envelope, reused=True)
        except _StaleConnection:
            client.close()
        except BaseException:
            client.close()
            raise
        else:
            clients.smtp_checkin(key, client, generation)
            return refused
    client = connect(smtp, tls, timeout)
    try:
        if smtp.username:
            client.login(smtp.username, password or "")
        refused = _transact(client, envelope, reused=False)
    except BaseException:
        client.close()
        raise
    clients.smtp_checkin(key, client, generation)
    return refused


def _transact(client: smtplib.SMTP, envelope: Envelope, *, reused: bool) -> Refused:
    options: list[str] = []
    try:
        client.ehlo_or_helo_if_needed()
        if envelope.utf8:
            if not client.has_extn("smtputf8"):
                raise smtplib.SMTPNotSupportedError("the server does not support SMTPUTF8")
            options.append("SMTPUTF8")
        code, reply = client.mail(envelope.sender, options)
    except (smtplib.SMTPServerDisconnected, OSError) as error:
        if reused:
            raise _StaleConnection() from error
        raise
    if code == 421 and reused:
        raise _StaleConnection()
    if code != 250:
        _reset(client, code)
        raise smtplib.SMTPSenderRefused(code, reply, envelope.sender)
    refused: Refused = {}
    for recipient in envelope.recipients:
        code, reply = client.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, reply)
        if code == 421:
            client.close()
            raise smtplib.SMTPRecipientsRefused(refused)
    if len(refused) == len(envelope.recipients):
        _reset(client, 0)
        raise smtplib.SMTPRecipientsRefused(refused)
    code, reply = client.data(envelope.data)
    if code != 250:
        _reset(client, code)
        raise smtplib.SMTPDataError(code, reply)
    return refused


def _reset(client: smtplib.SMTP, code: int) -> None:
    """End a failed transaction as smtplib does (RSET, or close after a 421)."""
    if code == 421:
        client.close()
        return
    try:
        client.rset()
    except smtplib.SMTPServerDisconnected:
        pass


@functools.cache
def _local_hostname() -> str:
    """The name we greet with (EHLO); smtplib would look it up (reverse DNS) on every connection."""
    return socket.getfqdn()


def connect(smtp: SmtpConfig, tls: ssl.SSLContext, timeout: float) -> smtplib.SMTP:
    name = _local_hostname()
    if smtp.security == "ssl":
        return smtplib.SMTP_SSL(smtp.host, smtp.port, name, timeout=timeout, context=tls)
    client = smtplib.SMTP(smtp.host, smtp.port, name, timeout=timeout)
    try:
        if smtp.security == "starttls":
            client.ehlo()
            if not client.has_extn("starttls"):
                raise NoStartTls()
            client.starttls(context=tls)
            client.ehlo()
    except BaseException:
        client.close()
        raise
    return client
