"""Incident threads end to end, on the real feed's 28 November 2023 incident chain:
problem (10:35) → update (11:20) → "normal drift" (12:15). The update and the resolution reach the
same kommuner and channels as the opening notice, as replies: in the Slack bot's thread, and
with In-Reply-To/References by email.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_end_to_end import World

from monitor.demo.replay import build_feed

BASE = "https://skatteetaten.github.io/api-dokumentasjon/nyheter-og-driftsvarsler/2023/11/28/"
OPENING, UPDATE, RESOLVED = BASE + "driftsproblemer", BASE + "driftsvarsel-oppdatering", BASE + "normal-drift"


@pytest.fixture()
def world(tmp_path: Path, real_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    instance = World(tmp_path, real_dir, monkeypatch)
    yield instance
    instance.close()


def rows_for(world: World, notice_id: str) -> dict[str, tuple[str, str | None]]:
    """kommune/channel → (idem_key, thread_key) of the alerts about one notice."""
    rows = world.db.execute(
        "SELECT kommune, channel, idem_key, thread_key FROM outbox WHERE notice_key = ? AND state = 'done'",
        [f"nyheter-atom:{notice_id}"],
    ).fetchall()
    return {f"{kommune}/{channel}": (key, thread) for kommune, channel, key, thread in rows}


def test_pipeline_follow_up_and_resolution_reply_in_the_opening_thread(world: World) -> None:
    world.serve(build_feed(30))
    world.poll_and_deliver()
    for visible in (31, 32, 33):  # one notice of the chain per poll, as they were published
        world.serve(build_feed(visible))
        assert world.poll_and_deliver() == "changed"

    opening = rows_for(world, OPENING)
    # "Flere systemer og tjenester opplever problemer": all delingstjenester, every kommune.
    assert set(opening) == {"0301/slack", "0301/epost", "4601/teams", "5501/bot"}
    assert all(thread is None for _, thread in opening.values())
    for later in (UPDATE, RESOLVED):
        rows = rows_for(world, later)
        assert set(rows) == set(opening), f"{later} must reach the same kommuner and channels"
        for owner, (_, thread) in rows.items():
            assert thread == opening[owner][0], f"{owner}: {later} is not threaded under the opening"

    bot = [message for message in world.slack.received() if message.path == "/api/chat.postMessage"]
    assert len(bot) == 3
    assert bot[0].thread_ts is None
    assert [message.thread_ts for message in bot[1:]] == [bot[0].ts, bot[0].ts]

    mails = [mail.message for mail in world.smtp.received() if "oslo" in mail.rcpt_tos[0]]
    assert len(mails) == 3
    first_id = mails[0]["Message-ID"]
    assert mails[0]["In-Reply-To"] is None
    for reply in mails[1:]:
        assert reply["In-Reply-To"] == first_id
        assert first_id in reply["References"]
    assert mails[2]["Subject"].startswith("[Løst]")
