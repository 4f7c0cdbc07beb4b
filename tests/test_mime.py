"""The hand-written email (monitor.deliver.mime, mail.build_email) parses as the stdlib's would.

Every message is read back with `email.message_from_bytes(policy=default)` and compared with the
same message built the old way (EmailMessage, set_content, add_alternative; tests/stdlib_email.py).
"""

from __future__ import annotations

import binascii
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdlib_email import stdlib_email

from monitor.deliver import mime
from monitor.deliver.mail import build_email
from monitor.deliver.render import SUBJECT_MAX_CHARS, message_id_for
from monitor.model import Message

NOW = datetime(2024, 5, 2, 8, 0, tzinfo=UTC)
SENDER = "Driftsvarsel <driftsvarsel@monitor.example>"
ASCII_TO = ("drift@tromso.kommune.example", "vakt@tromso.kommune.example")
UTF8_TO = ("drift@bodø.kommune.example",)
PROPERTY = settings(
    max_examples=60,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)


def sample(
    subject: str = "[Driftsvarsel] Feil: Driftsproblemer på Altinn – æøå ÆØÅ",
    body: str = "Vi har for tiden driftsproblemer på alle våre delingstjenester.\nVi undersøker saken.",
    fields: tuple[tuple[str, str], ...] = (("Kategori", "Feil"), ("Miljø", "Produksjon")),
    in_reply_to: str | None = None,
) -> Message:
    return Message(
        subject=subject,
        headline=subject.removeprefix("[Driftsvarsel] "),
        fields=fields,
        body=body,
        link="https://skatteetaten.github.io/api-dokumentasjon/nyheter-og-driftsvarsler/2024/01/29/x",
        footer="Gjelder Inntekt API via rettighetspakke kommuneForeldrebetaling.",
        message_id=message_id_for("nyheter:x#v2|0301|epost"),
        in_reply_to=in_reply_to,
    )


def parsed(data: bytes) -> EmailMessage:
    email = message_from_bytes(data, policy=default)
    assert isinstance(email, EmailMessage)
    assert not email.defects and all(not part.defects for part in email.walk())
    return email


def assert_same_as_stdlib(message: Message, to: tuple[str, ...] = ASCII_TO) -> EmailMessage:
    """Build `message` both ways; every header (but the boundary) and every part read the same."""
    utf8 = not all(address.isascii() for address in to)
    data = build_email(message, sender=SENDER, to=to, now=NOW, utf8=utf8)
    new, old = parsed(data), parsed(stdlib_email(message, sender=SENDER, to=to, now=NOW, utf8=utf8))
    assert new.keys() == old.keys()
    for name in old.keys():
        if name != "Content-Type":  # a random boundary
            assert str(new[name]) == str(old[name]), name
    assert new.get_content_type() == old.get_content_type() == "multipart/alternative"
    new_parts = [(part.get_content_type(), part.get_content()) for part in new.iter_parts()]
    old_parts = [(part.get_content_type(), part.get_content()) for part in old.iter_parts()]
    assert new_parts == old_parts and [kind for kind, _ in new_parts] == ["text/plain", "text/html"]
    # Header lines as the stdlib writes them (byte for byte, boundary aside); CRLF everywhere.
    head, old_head = (
        data.split(b"\r\n\r\n")[0],
        stdlib_email(message, sender=SENDER, to=to, now=NOW, utf8=utf8),
    )
    assert head.split(b"\r\nMIME-Version")[0] == old_head.split(b"\r\nMIME-Version")[0]
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert data.isascii() or utf8
    return new


def body_lines(data: bytes) -> list[bytes]:
    """The lines of the parts' bodies (after each part's blank line), without the boundaries."""
    boundary = parsed(data).get_boundary()
    assert boundary is not None
    lines: list[bytes] = []
    for chunk in data.split(f"\r\n--{boundary}".encode())[1:-1]:
        lines += chunk.split(b"\r\n\r\n", 1)[1].split(b"\r\n")
    return lines


def test_build_email_norwegian_subject_round_trips_as_encoded_words() -> None:
    email = assert_same_as_stdlib(sample())
    assert email["Subject"] == "[Driftsvarsel] Feil: Driftsproblemer på Altinn – æøå ÆØÅ"
    raw = build_email(sample(), sender=SENDER, to=ASCII_TO, now=NOW)
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n")[0]


def test_build_email_non_ascii_address_writes_utf8_headers() -> None:
    email = assert_same_as_stdlib(sample(), to=UTF8_TO)
    assert email["To"] == UTF8_TO[0] and "æøå" in email["Subject"]
    raw = build_email(sample(), sender=SENDER, to=UTF8_TO, now=NOW, utf8=True)
    assert "Subject: [Driftsvarsel] Feil: Driftsproblemer på".encode() in raw


def test_build_email_long_subject_is_folded_and_cut() -> None:
    subject = "[Driftsvarsel] Feil: " + "lang tittel med æøå " * 20
    email = assert_same_as_stdlib(sample(subject=subject))
    assert len(email["Subject"]) <= SUBJECT_MAX_CHARS and email["Subject"].startswith(
        "[Driftsvarsel] Feil: lang"
    )
    head = build_email(sample(subject=subject), sender=SENDER, to=ASCII_TO, now=NOW).split(b"\r\n\r\n")[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= mime.MAX_HEADER_LINE


def test_build_email_long_body_lines_keep_76_characters_and_the_text() -> None:
    body = "ø" * 500 + "\n" + "x" * 3000 + " \t\n.\nFrom here\n" + "= " * 400
    email = assert_same_as_stdlib(sample(body=body))
    text = email.get_body(("plain",))
    assert text is not None and body in text.get_content().replace("\r\n", "\n")
    data = build_email(sample(body=body), sender=SENDER, to=ASCII_TO, now=NOW)
    assert max(len(line) for line in body_lines(data)) <= 76


def test_build_email_threading_headers() -> None:
    parent = message_id_for("nyheter:x#v1|0301|epost")
    email = assert_same_as_stdlib(sample(in_reply_to=parent))
    assert email["In-Reply-To"] == email["References"] == parent
    assert email["Message-ID"] == message_id_for("nyheter:x#v2|0301|epost") != parent
    assert email["Auto-Submitted"] == "auto-generated" and email["X-Auto-Response-Suppress"] == "All"
    assert email["List-Id"] == "Driftsvarsel <driftsvarsel.monitor>"
    assert email["Date"].datetime == NOW


def test_build_email_malformed_reply_reference_is_left_out() -> None:
    email = assert_same_as_stdlib(sample(in_reply_to="not a message id\r\nBcc: x@y.example"))
    assert email["In-Reply-To"] is None and email["References"] is None and email["Bcc"] is None


def test_build_email_refuses_a_header_injection_in_the_recipients() -> None:
    with pytest.raises(ValueError):
        build_email(sample(), sender=SENDER, to=("a@b.example\r\nBcc: c@d.example",), now=NOW)


def test_plain_header_refuses_what_needs_encoding() -> None:
    assert mime.plain_header("Date", "Thu, 02 May 2024 08:00:00 +0000") == (
        b"Date: Thu, 02 May 2024 08:00:00 +0000\r\n"
    )
    for value in ("på", "a\r\nBcc: x", "x" * 80):
        with pytest.raises(ValueError):
            mime.plain_header("Subject", value)


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400)
LINE = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=300)


@PROPERTY
@given(subject=LINE, body=TEXT, label=LINE, value=LINE, utf8=st.booleans())
def test_build_email_parses_like_the_stdlib_for_any_text(
    subject: str, body: str, label: str, value: str, utf8: bool
) -> None:
    assert_same_as_stdlib(
        sample(subject=subject, body=body, fields=(("Kategori", "Feil"), (label, value))),
        to=UTF8_TO if utf8 else ASCII_TO,
    )


ATOM = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-", min_size=1
)
ADDRESS = st.builds(
    lambda local, domain: f"{local}@{domain}.example",
    st.lists(ATOM, min_size=1, max_size=3).map(".".join),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=40),
)


@PROPERTY
@given(addresses=st.lists(ADDRESS, min_size=1, max_size=4))
def test_address_header_is_the_policys_for_plain_addresses(addresses: list[str]) -> None:
    assert mime.address_header("To", addresses, utf8=False) == mime.policy_header(
        "To", ", ".join(addresses), utf8=False
    )


@PROPERTY
@given(text=TEXT)
def test_quoted_printable_round_trips_with_short_lines(text: str) -> None:
    encoded = mime.quoted_printable(text)
    assert encoded.isascii() and all(len(line) <= 76 for line in encoded.split(b"\r\n"))
    lines = text.replace("\r\n", "\n").replace("\n", "\r\n")
    assert binascii.a2b_qp(encoded).decode("utf-8") == lines + ("" if lines.endswith("\r\n") else "\r\n")
    assert b"\n" not in encoded.replace(b"\r\n", b"")
