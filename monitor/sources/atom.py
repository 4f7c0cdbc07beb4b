"""Kind "atom": the Docusaurus blog feed (`nyheter-og-driftsvarsler/atom.xml`), read with feedparser.

One Notice per entry: id = entry id (the post URL), text = the content HTML as readable text.
A body that is not a complete, well-formed feed is rejected rather than read in part: a feed cut
off mid-entry must not look like "entries removed" to the diff stage. A valid feed with no
entries gives `[]`; the pipeline decides whether "suddenly empty" is suspicious.
"""

from __future__ import annotations

import logging
from typing import Any

import feedparser

from monitor.config.types import SourceConfig
from monitor.model import Notice
from monitor.sources import SourceFormatError, describe_body, parse_timestamp, require_body
from monitor.sources.htmltext import html_to_text, normalise_text

logger = logging.getLogger(__name__)

#: feedparser "bozo" reasons that do not make a feed unreadable (it still parsed strictly).
_HARMLESS_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


def read_feed(body: bytes, content_type: str | None, expected: str) -> Any:
    """Parse an RSS or Atom body with feedparser; return feedparser's result (a FeedParserDict).

    Raises SourceFormatError when the body is empty, not a feed at all (an HTML page, JSON), or a
    feed that is not well-formed XML (truncated, broken): partial results are never returned.
    A mis-declared or undeclared charset is not an error (feedparser falls back and says so).
    """
    require_body(body, expected)
    headers = {"content-type": content_type} if content_type else {}
    result = feedparser.parse(
        body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    problem = result.get("bozo_exception")
    if not result.get("version"):
        raise SourceFormatError(f"expected {expected} but got {describe_body(body, content_type)}")
    if result.get("bozo") and not isinstance(problem, _HARMLESS_BOZO):
        raise SourceFormatError(
            f"expected {expected} but the XML is not well-formed ({problem}); the feed may be "
            f"truncated ({len(body)} bytes, {len(result.entries)} entries readable before the error)"
        )
    if problem is not None:
        logger.info("feed read despite: %s", problem)
    return result


def entry_text(entry: Any) -> str:
    """The readable text of an entry: its HTML (or plain) content, else its summary."""
    for content in entry.get("content") or ():
        value = content.get("value") or ""
        if value.strip():
            return html_to_text(value) if "html" in (content.get("type") or "html") else normalise_text(value)
    summary = entry.get("summary") or ""
    return html_to_text(summary)


def entry_title(entry: Any) -> str:
    title = entry.get("title") or ""
    return html_to_text(title).replace("\n", " ") if "<" in title else normalise_text(title)


def entry_tags(entry: Any) -> tuple[str, ...]:
    tags: list[str] = []
    for tag in entry.get("tags") or ():
        term = (tag.get("term") or tag.get("label") or "").strip()
        if term and term not in tags:
            tags.append(term)
    return tuple(tags)


def entry_identity(entry: Any, index: int) -> tuple[str, str]:
    """(notice id, link): the entry id, else its link; an entry with neither is a format error."""
    link = (entry.get("link") or "").strip()
    notice_id = (entry.get("id") or "").strip() or link
    if not notice_id:
        raise SourceFormatError(f"feed entry {index + 1} has neither an id nor a link")
    return notice_id, link or notice_id


def entry_to_notice(entry: Any, index: int, source: SourceConfig) -> Notice:
    """A Notice from one feed entry; `published` falls back to `updated` (Docusaurus has only that)."""
    notice_id, link = entry_identity(entry, index)
    # dict.get: feedparser's own get() maps a missing "updated" to "published" with a warning.
    updated = parse_timestamp(dict.get(entry, "updated"))
    published = parse_timestamp(dict.get(entry, "published")) or updated
    updated = updated or published
    return Notice(
        source=source.name,
        notice_id=notice_id,
        title=entry_title(entry),
        text=entry_text(entry),
        link=link,
        published=published,
        updated=updated,
        tags=entry_tags(entry),
    )


def parse(body: bytes, source: SourceConfig, *, content_type: str | None = None) -> list[Notice]:
    """Notices from an Atom (or RSS) feed body, in feed order. Raises SourceFormatError (see module)."""
    feed = read_feed(body, content_type, "an Atom feed")
    notices = [entry_to_notice(entry, index, source) for index, entry in enumerate(feed.entries)]
    return unique(notices)


def unique(notices: list[Notice]) -> list[Notice]:
    """The first notice of each id; a repeated id is logged (a diff needs ids to be unique)."""
    seen: dict[str, Notice] = {}
    for notice in notices:
        if notice.notice_id in seen:
            logger.warning("source %s: repeated id %r; keeping the first", notice.source, notice.notice_id)
            continue
        seen[notice.notice_id] = notice
    return list(seen.values())
