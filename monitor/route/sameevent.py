"""One event, one alert (pure): is a notice one another source already carries?

Skatteetaten may announce one event in several places: a post in the feed and on the listing page
(same post URL as id), and an incident or maintenance on the status page that links to the post,
or states the same maintenance window for the same APIs. `EventIndex` holds the recent notices of
the other sources by every URL they carry (id, link, links in the text) and by planned window;
`original` finds the one a new notice repeats. The pipeline then alerts the repeat only when it
adds something (`adds`): a window, another category (an update, a resolution), or an edit; and
then as an update in the original's thread.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from monitor.model import ALL_APIS, Change, Classification, Notice, Window

_URL = re.compile(r"https?://[^\s<>\"')\]]+")

Known = tuple[str, Notice, Classification]


@dataclass
class EventIndex:
    """Notices of other sources by normalised URL and by (window, API)."""

    by_url: dict[str, str] = field(default_factory=dict)
    by_mention: dict[str, str] = field(default_factory=dict)
    by_window: dict[tuple[str | None, str | None], list[Known]] = field(default_factory=dict)
    classifications: dict[str, Classification] = field(default_factory=dict)

    def add(self, key: str, notice: Notice, classification: Classification) -> None:
        self.classifications.setdefault(key, classification)
        for url in own_urls(notice):
            self.by_url.setdefault(url, key)
        for url in mentioned_urls(notice):
            self.by_mention.setdefault(url, key)
        window = notice.window or classification.window
        if classification.category == "downtime" and window is not None and window.start and window.end:
            self.by_window.setdefault((window.start, window.end), []).append((key, notice, classification))

    def original(self, notice: Notice, classification: Classification) -> str | None:
        """The key of the other source's notice this one repeats, or None.

        Same post: its id or link is another notice's id or link, or a link in the other's text (a
        status-page incident pointing to the post), or a link in its text is another's id or link.
        Two notices that merely mention the same third page are not the same event.
        """
        for url in own_urls(notice):
            if (key := self.by_url.get(url) or self.by_mention.get(url)) is not None:
                return key
        for url in mentioned_urls(notice):
            if (key := self.by_url.get(url)) is not None:
                return key
        window = notice.window or classification.window
        if classification.category != "downtime" or window is None or not (window.start and window.end):
            return None
        for key, _, known in self.by_window.get((window.start, window.end), []):
            if _apis_overlap(classification.apis, known.apis):
                return key
        return None


def build(known: Iterable[Known]) -> EventIndex:
    index = EventIndex()
    for key, notice, classification in known:
        index.add(key, notice, classification)
    return index


def adds(change: Change, classification: Classification, original: Classification) -> bool:
    """Whether a repeat tells readers something the original did not: an edit, a window, a category."""
    if change.kind != "new":
        return True
    if classification.category != original.category:
        return True
    return _window_adds(classification.window, original.window)


def own_urls(notice: Notice) -> set[str]:
    """The notice's own URLs (its id when a URL, its link), normalised."""
    return {url for text in (notice.notice_id, notice.link) if (url := normalise(text)) is not None}


def mentioned_urls(notice: Notice) -> set[str]:
    """Links in the notice's text, normalised."""
    return {url for text in _URL.findall(notice.text) if (url := normalise(text.rstrip(".,;:"))) is not None}


def normalise(url: str) -> str | None:
    """scheme://host/path in lower-case host, without query, fragment or trailing slash; None if not a URL."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit(("https", parts.hostname.lower(), parts.path.rstrip("/"), "", ""))


def _window_adds(window: Window | None, original: Window | None) -> bool:
    if window is None:
        return False
    if original is None:
        return True
    return (window.start and not original.start) or (window.end and not original.end) or False


def _apis_overlap(left: tuple[str, ...], right: tuple[str, ...]) -> bool:
    if not left or not right:
        return False
    return ALL_APIS in left or ALL_APIS in right or bool(set(left) & set(right))
