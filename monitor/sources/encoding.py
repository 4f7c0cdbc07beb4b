"""Encoding faults are source faults: a body that does not decode as it says it is encoded.

A feed whose Latin-1 bytes are declared UTF-8 can be "read" by guessing, but what comes out is
not what Skatteetaten wrote ("–" and "“" lost to "?"), and every notice would look edited.
`check_encoding` refuses such a body before any parser sees it, so the pipeline records a broken
source (the admin is told once) and no new version is stored. XML and JSON bodies without a
declaration must be UTF-8 (their specifications say so); an HTML page without one is read leniently.
"""

from __future__ import annotations

import codecs

from monitor.config.types import SourceKind
from monitor.sources import SourceFormatError, declared_charsets

#: Kinds whose format makes UTF-8 the encoding when none is declared (XML 1.0 §4.3.3, RFC 8259).
UTF8_BY_DEFAULT: frozenset[SourceKind] = frozenset({"atom", "status_feed", "statuspage_api", "openapi"})
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
#: Charsets in which every byte is a character: a body declared so cannot be wrong about it (and
#: one that is really UTF-8 is read as UTF-8 by `decode_text`, losing nothing).
_ANY_BYTES = frozenset({"iso8859-1", "latin-1"})


def check_encoding(body: bytes, kind: SourceKind, content_type: str | None) -> None:
    """Raise SourceFormatError when `body` does not decode, without replacement, as declared.

    The declared charsets are those the HTTP header, XML declaration or HTML meta tag name (the
    body must decode as one of them); for the UTF8_BY_DEFAULT kinds with none declared, UTF-8.
    A byte-order mark settles the question.
    """
    if body.startswith(_BOMS) or b"\x00" in body[:4096]:
        return  # a BOM names the encoding; NUL bytes are binary, which `decode_text` reports
    named = declared_charsets(body, content_type)
    declared = named or (["utf-8"] if kind in UTF8_BY_DEFAULT else [])
    if not declared or _ANY_BYTES & set(declared):
        return
    first_error: UnicodeDecodeError | None = None
    for charset in declared:
        try:
            body.decode(charset)
            return
        except UnicodeDecodeError as error:
            first_error = first_error or error
    assert first_error is not None
    bad = body[first_error.start : first_error.start + 4].hex(" ")
    claim = f"says it is {' / '.join(dict.fromkeys(declared))}" if named else "must be utf-8 (none declared)"
    raise SourceFormatError(
        f"the body {claim} but is not: byte {first_error.start} "
        f"({bad}) is not valid {first_error.encoding} (it looks like another encoding, e.g. Latin-1). "
        "Nothing was read from it; the source must serve what it declares (or declare what it serves)"
    ) from first_error
