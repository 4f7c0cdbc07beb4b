"""Kind "status_feed": a status page's history feed (RSS 2.0 or Atom, e.g. Statuspage `/history.atom`).

One entry per incident or maintenance; its content holds the updates, newest first
("<small>May 22, 10:30 UTC</small><br><strong>Resolved</strong> - ..."). A new update changes
the content of the same entry, so it is an edit of the same notice. The text gets a first line
"Status: <Norwegian status>" from the newest update, and for a Statuspage scheduled event a line
"Planlagt: fra 11.06.2024 kl. 22:00 til 12.06.2024 kl. 00:00" in Europe/Oslo time, so the
Norwegian classifier can read resolution and window the same way as for `statuspage_api`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.config.types import SourceConfig
from monitor.model import Notice
from monitor.sources.atom import entry_to_notice, read_feed, unique
from monitor.sources.htmltext import html_to_text
from monitor.sources.statuspage import oslo_time, status_word

_EXPECTED = "a status history feed (RSS 2.0 or Atom)"
_STRONG = re.compile(r"<strong>\s*([^<]+?)\s*</strong>", re.IGNORECASE)
_FEED_STATUSES = {
    "investigating", "identified", "monitoring", "resolved", "postmortem",
    "scheduled", "in progress", "verifying", "completed",
}  # fmt: skip
_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
)}  # fmt: skip
_SCHEDULED = re.compile(
    r"THIS IS A SCHEDULED EVENT\s+(?P<month>[A-Za-z]{3})[a-z]*\s+(?P<day>\d{1,2}),\s*(?P<start>\d{1,2}:\d{2})"
    r"(?:\s*UTC)?\s*-\s*(?:(?P<month2>[A-Za-z]{3})[a-z]*\s+(?P<day2>\d{1,2}),\s*)?(?P<end>\d{1,2}:\d{2})\s*UTC",
    re.IGNORECASE,
)


def parse(body: bytes, source: SourceConfig, *, content_type: str | None = None) -> list[Notice]:
    """Notices from a status history feed, in feed order. Raises SourceFormatError like `atom.parse`."""
    feed = read_feed(body, content_type, _EXPECTED)
    notices: list[Notice] = []
    for index, entry in enumerate(feed.entries):
        notice = entry_to_notice(entry, index, source)
        html = _entry_html(entry)
        head = [f"Status: {status_word(status)}"] if (status := newest_status(html)) else []
        if window := scheduled_window(html_to_text(html), notice.published or notice.updated):
            head.append(window)
        text = "\n".join(head) + ("\n\n" if head and notice.text else "") + notice.text
        tags = notice.tags or ("statusside",)
        notices.append(replace(notice, text=text, tags=tags))
    return unique(notices)


def newest_status(html: str) -> str | None:
    """The status of the newest update: the first `<strong>` that names a Statuspage status.

    "Update" labels are skipped: such an update keeps the status of the one before it.
    """
    for match in _STRONG.finditer(html):
        word = " ".join(match.group(1).split()).lower()
        if word in _FEED_STATUSES:
            return word.replace(" ", "_")
    return None


def scheduled_window(text: str, reference: datetime | None) -> str | None:
    """'Planlagt: fra ... til ...' from "THIS IS A SCHEDULED EVENT Jun 11, 20:00 - 22:00 UTC".

    The feed gives no year: it is taken from `reference` (the entry's date), moving to the next
    year when the event month lies before the entry's month (announced in December for January).
    """
    match = _SCHEDULED.search(text)
    if match is None or reference is None:
        return None
    start = _utc_moment(match["month"], match["day"], match["start"], reference)
    end_month, end_day = match["month2"] or match["month"], match["day2"] or match["day"]
    end = _utc_moment(end_month, end_day, match["end"], reference)
    if start is None or end is None:
        return None
    if end < start and not match["day2"]:  # 22:00 - 00:00: the end is on the next day
        end += timedelta(days=1)
    return f"Planlagt: fra {oslo_time(start.isoformat())} til {oslo_time(end.isoformat())}"


def _utc_moment(month_name: str, day: str, clock: str, reference: datetime) -> datetime | None:
    month = _MONTHS.get(month_name[:3].lower())
    if month is None:
        return None
    year = reference.year + (1 if month < reference.astimezone(UTC).month - 6 else 0)
    hour, minute = (int(part) for part in clock.split(":"))
    try:
        return datetime(year, month, int(day), hour, minute, tzinfo=UTC)
    except ValueError:
        return None


def _entry_html(entry: Any) -> str:
    for content in entry.get("content") or ():
        if (content.get("value") or "").strip():
            return str(content["value"])
    return str(entry.get("summary") or "")
