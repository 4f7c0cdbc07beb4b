"""The email as the stdlib writes it (EmailMessage, set_content, add_alternative): the reference
that `monitor.deliver.mail.build_email`, which writes the MIME by hand, must parse the same as."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from email.utils import format_datetime

from monitor.deliver import mail
from monitor.deliver.render import SUBJECT_MAX_CHARS, truncate
from monitor.model import Message


def stdlib_email(
    message: Message, *, sender: str, to: tuple[str, ...], now: datetime, utf8: bool = False
) -> bytes:
    """`stdlib_message` flattened as smtplib's `send_message` would (SMTPUTF8 for `utf8`)."""
    email = stdlib_message(message, sender=sender, to=to, now=now)
    return email.as_bytes(policy=SMTPUTF8 if utf8 else SMTP)


def stdlib_message(message: Message, *, sender: str, to: tuple[str, ...], now: datetime) -> EmailMessage:
    """The same headers and parts built through `email.policy.default`."""
    message = mail._visible(message)
    email = EmailMessage()
    email["From"] = sender
    email["To"] = ", ".join(to)
    email["Subject"] = truncate(" ".join(message.subject.split()), SUBJECT_MAX_CHARS)
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message.message_id
    if message.in_reply_to and mail._MESSAGE_ID.match(message.in_reply_to):
        email["In-Reply-To"] = message.in_reply_to
        email["References"] = message.in_reply_to
    email["Auto-Submitted"] = "auto-generated"
    email["X-Auto-Response-Suppress"] = "All"
    email["List-Id"] = mail.LIST_ID
    email.set_content(mail.text_part(message), cte="quoted-printable")
    email.add_alternative(mail.html_part(message), subtype="html", cte="quoted-printable")
    return email
