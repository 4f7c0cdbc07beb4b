"""An email written by hand as bytes: header lines, quoted-printable parts, multipart/alternative.

`email.message.EmailMessage` with `set_content`/`add_alternative` and a flatten cost most of a
fan-out's CPU per email: every part header goes through `email.policy.default`'s parser and
folder, for every kommune. Here the parts are written directly (`binascii.b2a_qp`, lines of at
most 76 characters as RFC 2045 asks), and a header goes through the policy only when it needs
its rules: a Subject, From or other free text (RFC 2047 encoded-words for non-ASCII, folding at
78 characters, SMTPUTF8's raw UTF-8) is parsed and folded by the stdlib once per distinct value
(`policy_header`), so what a receiver gets is byte for byte what the stdlib writes. Simple ASCII
values (addresses, Message-IDs, dates) are written as they are (`plain_header`).

Lines end in CRLF: the bytes go to `smtplib.SMTP.data` as they are.
"""

from __future__ import annotations

import binascii
import functools
import random
import re
import sys
from collections.abc import Sequence
from email.headerregistry import BaseHeader
from email.policy import SMTP, SMTPUTF8, default

CRLF = b"\r\n"
#: RFC 5322: a header line SHOULD be at most 78 characters (CRLF not counted).
MAX_HEADER_LINE = 78
#: One address as written without quoting: a dot-atom local part and a domain name.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
#: Printable ASCII only: no control characters, no CR/LF.
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")
_BOUNDARY_DIGITS = len(repr(sys.maxsize - 1))


def plain_header(name: str, value: str) -> bytes:
    """`Name: value` + CRLF for a value that needs no encoding or folding.

    Raises ValueError when it does need them (non-ASCII, a control character, or too long).
    """
    line = f"{name}: {value}"
    if len(line) > MAX_HEADER_LINE or not _PRINTABLE_ASCII.fullmatch(value):
        raise ValueError(f"the {name} header needs encoding or folding")
    return line.encode("ascii") + CRLF


@functools.lru_cache(maxsize=1024)
def policy_header(name: str, value: str, *, utf8: bool) -> bytes:
    """The header as `email.policy.default` parses it and SMTP (or SMTPUTF8) folds it, with CRLF.

    Cached: a fan-out sends the same Subject and From to every kommune. Raises ValueError for a
    value with CR or LF (a header cannot be injected).
    """
    _, header = default.header_store_parse(name, value)
    assert isinstance(header, BaseHeader)
    return (SMTPUTF8 if utf8 else SMTP).fold_binary(name, header)


def address_header(name: str, addresses: Sequence[str], *, utf8: bool) -> bytes:
    """An address-list header (To, Cc): plain addresses as they are, anything else by the policy."""
    value = ", ".join(addresses)
    if all(_PLAIN_ADDRESS.fullmatch(address) for address in addresses):
        try:
            return plain_header(name, value)
        except ValueError:
            pass  # a long list: folded by the policy
    return policy_header(name, value, utf8=utf8)


def quoted_printable(text: str) -> bytes:
    """`text` in UTF-8, quoted-printable (RFC 2045: lines of at most 76 characters, trailing
    spaces and tabs encoded), every line ending in CRLF, the last one too (added if missing).

    Line ends are LF or CRLF; a lone CR is encoded as "=0D".
    """
    body = text.replace("\r\n", "\n").replace("\n", "\r\n")
    if not body.endswith("\r\n"):
        # b2a_qp writes its soft line breaks as the first line end it finds: there must be one.
        body += "\r\n"
    return binascii.b2a_qp(body.encode("utf-8"), istext=True)


def text_part(subtype: str, text: str) -> bytes:
    """A `text/<subtype>; charset="utf-8"` part, quoted-printable, headers and body."""
    head = (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    )
    return head.encode("ascii") + quoted_printable(text)


def alternative(headers: bytes, parts: Sequence[bytes]) -> bytes:
    """A whole multipart/alternative message: `headers` (each line ending in CRLF), then `parts`.

    The boundary is the stdlib's form ("=" * 15, 19 digits, "=="). It cannot occur in a
    quoted-printable part, where "=" is only ever "=XX" or a soft line break at a line's end.
    """
    boundary = "=" * 15 + f"{random.randrange(sys.maxsize):0{_BOUNDARY_DIGITS}d}" + "=="
    delimiter = f"--{boundary}".encode("ascii")
    content_type = f'MIME-Version: 1.0\r\nContent-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n'
    pieces = [headers, content_type.encode("ascii"), CRLF]
    for part in parts:
        pieces += [delimiter, CRLF, part, CRLF]
    pieces += [delimiter, b"--", CRLF]
    return b"".join(pieces)
