"""Admin noise, end to end: a dead channel costs the admin at most two messages an hour (the first
at once, the rest of the hour gathered in one), each listing the dead messages, not one per
message; source faults of an hour share one message too (see test_pipeline_failures).

Real parts: the Atom feed on loopback, SQLite, the Slack/Teams/SMTP stand-ins (Slack's webhook
answering 404 no_service, Teams' 410, as for a deleted channel and a retired workflow).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from synthetic import ATOM_TYPE, Post, atom_feed
from test_end_to_end import FEED_PATH, World

from monitor.demo.localserver import Route

T0 = datetime(2024, 2, 5, 8, 0, tzinfo=UTC)
OLD = Post("2024/01/02/info", "Nytt år", "Godt nyttår fra Skatteetaten.", datetime(2024, 1, 2, 9, tzinfo=UTC))
NEW = 6


@pytest.fixture()
def world(tmp_path: Path, real_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    instance = World(tmp_path, real_dir, monkeypatch)
    instance.clock = T0
    yield instance
    instance.close()


def test_dead_channels_are_reported_grouped_per_channel_and_hour(world: World) -> None:
    world.feed.route(FEED_PATH, Route(atom_feed([OLD]), ATOM_TYPE))
    world.poll_and_deliver()
    world.slack.fail(404, times=100)  # Oslo's webhook: the Slack channel was deleted
    world.teams.fail(410, times=100)  # Bergen's workflow was retired
    text = "Inntekt API får et nytt felt i responsen fra 1. mars."
    posts = [
        Post(
            f"2024/02/05/inntekt-{number}",
            f"Endring {number} i Inntekt API",
            text,
            T0 + timedelta(minutes=number),
        )
        for number in range(NEW)
    ]
    world.feed.route(FEED_PATH, Route(atom_feed([OLD, *posts]), ATOM_TYPE))
    world.poll_and_deliver()

    dead = world.db.execute("SELECT channel, count(*) FROM outbox WHERE state = 'dead' GROUP BY channel")
    assert dict(dead.fetchall()) == {"slack": NEW, "teams": NEW}
    assert world.received()["0301/epost"] == NEW  # the working channel got everything
    admin = [mail.message for mail in world.smtp.received() if "admin" in mail.rcpt_tos[0]]
    # Per dead channel: the first at once, the other five gathered at the end of the hour.
    subjects = sorted(" ".join(str(mail["Subject"]).split()) for mail in admin)
    assert subjects == [
        "[Driftsvarsel admin] Kanalen «slack» for Oslo (0301) virker ikke",
        "[Driftsvarsel admin] Kanalen «slack» for Oslo (0301) virker ikke (5 hendelser)",
        "[Driftsvarsel admin] Kanalen «teams» for Bergen (4601) virker ikke",
        "[Driftsvarsel admin] Kanalen «teams» for Bergen (4601) virker ikke (5 hendelser)",
    ]
    for channel in ("slack", "teams"):
        mails = [mail for mail in admin if f"«{channel}» for" in str(mail["Subject"])]
        text = "".join(mail.get_body(("plain",)).get_content() for mail in mails)  # type: ignore[union-attr]
        listed = set(re.findall(r"utboks-id (\d+)", text))
        ids = world.db.execute("SELECT id FROM outbox WHERE state = 'dead' AND channel = ?", [channel])
        assert listed == {str(row[0]) for row in ids.fetchall()}, f"every dead {channel} message is listed"
    # Each rewrite of the gathered message replaced its body: no superseded body is left behind.
    orphans = world.db.execute(
        "SELECT count(*) FROM outbox_bodies WHERE hash NOT IN (SELECT body_hash FROM outbox"
        " WHERE body_hash IS NOT NULL)"
    ).fetchone()[0]
    assert orphans == 0
