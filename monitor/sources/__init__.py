"""Source kinds: one module per kind, each with one signature, body → notices.

Every parser module exposes
`parse(body: bytes, source: SourceConfig, *, content_type: str | None = None) -> list[Notice]`
and raises `SourceFormatError` when the body is not what the source should serve (an HTML error
page instead of a feed, truncated XML, invalid JSON ...). `PARSERS` maps each `SourceKind` to its
parser; `parse_body` is the one entry point the pipeline calls.

The small helpers here (`decode_text`, `describe_body`, `parse_timestamp`) are shared by the
parser modules, so they are defined before the parser modules are imported at the bottom.
"""

from __future__ import annotations

import codecs
import html
import importlib
import json
import logging
import re
from collections.abc import Collection, Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol, cast

from monitor.config.types import SourceConfig, SourceKind
from monitor.model import Notice

logger = logging.getLogger(__name__)


class SourceFormatError(Exception):
    """The body is not what the source should serve; the message says what came instead."""


class Parser(Protocol):
    """The signature every source module's `parse` has."""

    def __call__(
        self, body: bytes, source: SourceConfig, *, content_type: str | None = None
    ) -> list[Notice]: ...


_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_SINGLE_BYTE = {"iso8859-1", "latin-1", "cp1252", "ascii", "iso8859-15"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def declared_charset(body: bytes, content_type: str | None) -> str | None:
    """The charset the HTTP header, XML declaration or HTML meta tag names, if Python knows it."""
    names = declared_charsets(body, content_type)
    return names[0] if names else None


def declared_charsets(body: bytes, content_type: str | None) -> list[str]:
    """Every charset Python knows that the HTTP header, XML declaration or meta tag names, in that order."""
    candidates: list[str] = []
    if content_type and (match := _CHARSET.search(content_type)):
        candidates.append(match.group(1))
    head = body[:2048]
    for pattern in (_XML_ENCODING, _META_CHARSET):
        if match_bytes := pattern.search(head):
            candidates.append(match_bytes.group(1).decode("ascii", "replace"))
    found: list[str] = []
    for name in candidates:
        try:
            found.append(codecs.lookup(name).name)
        except LookupError:
            logger.debug("ignoring unknown charset %r", name)
    return found


def decode_text(body: bytes, content_type: str | None = None) -> str:
    """Decode a response body to text without ever raising on a wrong or missing charset.

    Order: a byte-order mark; the declared charset (header, XML declaration, meta tag), except
    that a body declared single-byte which is valid multi-byte UTF-8 is read as UTF-8 (the common
    mis-declaration); strict UTF-8; then windows-1252 and finally latin-1, which decode anything.
    Raises SourceFormatError only for a body that is clearly binary (NUL bytes).
    """
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace")
    if b"\x00" in body[:4096]:
        raise SourceFormatError("the body is binary (contains NUL bytes), not text")
    declared = declared_charset(body, content_type)
    if declared and declared not in _SINGLE_BYTE:
        try:
            return body.decode(declared)
        except (UnicodeDecodeError, LookupError):
            logger.info("body does not decode as its declared charset %s; guessing", declared)
    for encoding in ("utf-8", declared or "cp1252", "cp1252"):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    return body.decode("latin-1")


def describe_body(body: bytes, content_type: str | None = None) -> str:
    """A short phrase saying what a body looks like, for error messages ("an HTML page titled ...")."""
    if not body.strip():
        return "an empty body"
    text = decode_text(body, content_type) if b"\x00" not in body[:4096] else ""
    if not text:
        return f"{len(body)} bytes of binary data"
    start = text.lstrip()[:400].lower()
    kind = f" ({content_type})" if content_type else ""
    if start.startswith(("<!doctype html", "<html")) or "<body" in start or "<head" in start:
        match = _TITLE.search(text)
        title = " ".join(html.unescape(match.group(1)).split())[:80] if match else ""
        return f"an HTML page{kind} titled {title!r}" if title else f"an HTML page{kind}"
    if start.startswith(("{", "[")):
        try:
            json.loads(text)
        except RecursionError:
            return f"JSON{kind} nested too deeply to read"
        except ValueError:
            return f"invalid JSON{kind}"
        return f"JSON{kind}"
    if start.startswith("<"):
        return f"XML{kind} starting {text.lstrip()[:60]!r}"
    return f"text{kind} starting {text.lstrip()[:60]!r}"


def parse_timestamp(value: object) -> datetime | None:
    """An aware datetime from ISO 8601 or RFC 822 text; naive times are taken as UTC; junk is None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def require_body(body: bytes, expected: str) -> None:
    """Raise SourceFormatError for an empty body: nothing at all is never a valid source answer."""
    if not body.strip():
        raise SourceFormatError(f"expected {expected} but the response body is empty")


class _LazyParsers(Mapping[SourceKind, Parser]):
    """Kind → parser, importing a parser module (feedparser, BeautifulSoup ...) on first use only,
    so commands that parse nothing do not pay for those imports."""

    _MODULES: dict[SourceKind, str] = {
        "atom": "atom",
        "listing": "listing",
        "status_feed": "statusfeed",
        "statuspage_api": "statuspage",
        "betterstack": "betterstack",
        "docpage": "docpage",
        "openapi": "openapi",
    }

    def __getitem__(self, kind: SourceKind) -> Parser:
        module = importlib.import_module(f"monitor.sources.{self._MODULES[kind]}")
        return cast(Parser, module.parse)

    def __iter__(self) -> Iterator[SourceKind]:
        return iter(self._MODULES)

    def __len__(self) -> int:
        return len(self._MODULES)


PARSERS: Mapping[SourceKind, Parser] = _LazyParsers()


from monitor.sources import links  # noqa: E402
from monitor.sources.encoding import check_encoding  # noqa: E402

#: Exceptions a parser may hit on data of an unexpected shape; turned into SourceFormatError.
_SHAPE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError, UnicodeError)


def parse_body(
    body: bytes,
    source: SourceConfig,
    content_type: str | None = None,
    *,
    trusted_hosts: Collection[str] = (),
) -> list[Notice]:
    """Parse a fetched body with the parser of `source.kind`.

    Returns the notices (possibly none: an empty but valid feed), each link vetted by
    `monitor.sources.links.vet_link` (`trusted_hosts` are further trusted domains). Raises
    SourceFormatError, and nothing else, when the body is not what the source should serve; the
    message names the source, what was expected and what came instead.
    """
    parser = PARSERS.get(source.kind)
    if parser is None:
        raise SourceFormatError(f"source {source.name!r}: no parser for kind {source.kind!r}")
    try:
        check_encoding(body, source.kind, content_type)
        notices = parser(body, source, content_type=content_type)
    except SourceFormatError as error:
        raise SourceFormatError(f"source {source.name!r} ({source.url}): {error}") from error
    except RecursionError:
        # Before anything else: the traceback of a 100,000-level nesting is itself too deep to log.
        raise SourceFormatError(
            f"source {source.name!r} ({source.url}): the body is nested too deeply to read "
            f"(more than Python's recursion limit); it looks like {_describe_safely(body, content_type)}"
        ) from None
    except _SHAPE_ERRORS as error:
        logger.exception("parser for %s failed on source %s", source.kind, source.name)
        raise SourceFormatError(
            f"source {source.name!r} ({source.url}): could not read the body as {source.kind} "
            f"({type(error).__name__}: {str(error)[:200]}); "
            f"it looks like {_describe_safely(body, content_type)}"
        ) from error
    except Exception as error:  # a parser bug must look like a broken source, not stop the poll
        logger.error("parser for %s crashed on source %s: %s", source.kind, source.name, type(error).__name__)
        raise SourceFormatError(
            f"source {source.name!r} ({source.url}): the {source.kind} parser failed "
            f"({type(error).__name__}); it looks like {_describe_safely(body, content_type)}"
        ) from error
    return [links.vet_link(notice, source.url, trusted_hosts) for notice in notices]


def _describe_safely(body: bytes, content_type: str | None) -> str:
    """`describe_body`, or a byte count when even describing the body fails."""
    try:
        return describe_body(body, content_type)
    except Exception:  # noqa: BLE001 (a description must never replace the real error)
        return f"{len(body)} bytes"
