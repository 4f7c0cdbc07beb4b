"""Shared by the end-to-end tests that run a new feed entry through poll → outbox → the real senders
→ the loopback receivers: a fixed clock, a drain that follows rate-limit deferrals, and one new
entry added to a replayed feed (monitor.demo.replay) between two polls.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import sqlite_utils

from monitor.config.types import Rules, SourceConfig
from monitor.deliver.worker import drain
from monitor.demo.localserver import LocalServer, Route
from monitor.demo.replay import FEED_PATH, build_feed
from monitor.pipeline import PollReport, poll_source

ATOM = "application/atom+xml"


def fixed(moment: datetime) -> Callable[[], datetime]:
    """A clock that always says `moment`."""
    return lambda: moment


def drain_until_quiet(db: sqlite_utils.Database, rules: Rules, start: datetime) -> int:
    """Drain on a clock that moves only past rate-limit deferrals (at most a minute); messages sent."""
    clock, sent = start, 0
    while True:
        stats = drain(db, rules, now_fn=fixed(clock))
        sent += stats.sent
        if stats.next_due is None or stats.next_due > start + timedelta(minutes=1):
            return sent
        clock = max(clock + timedelta(seconds=1), stats.next_due)


def atom_entry(link: str, title: str, content: str) -> str:
    """An Atom entry as the Skatteetaten feed writes one (title and content as HTML in CDATA)."""
    return f"""    <entry>
        <title type="html"><![CDATA[{title}]]></title>
        <id>{link}</id>
        <link href="{link}"/>
        <updated>2024-01-29T08:00:00.000Z</updated>
        <content type="html"><![CDATA[{content}]]></content>
    </entry>
"""


def poll_new_entry(
    db: sqlite_utils.Database,
    rules: Rules,
    source: SourceConfig,
    feed: LocalServer,
    entry: str,
    start: datetime,
    baseline_size: int = 5,
) -> tuple[PollReport, PollReport]:
    """Poll a replayed feed of `baseline_size` entries at `start` (the baseline), then the same feed
    with `entry` first a minute later; both reports."""
    baseline = build_feed(baseline_size)
    feed.route(FEED_PATH, Route(baseline, ATOM))
    first = poll_source(db, rules, source, now=start)
    with_entry = baseline.replace(b"<entry>", entry.strip().encode() + b"\n    <entry>", 1)
    feed.route(FEED_PATH, Route(with_entry, ATOM))
    return first, poll_source(db, rules, source, now=start + timedelta(minutes=1))
