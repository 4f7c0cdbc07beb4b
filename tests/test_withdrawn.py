"""Withdrawn notices, end to end: planned work that disappears from the feed while older and newer
posts remain was withdrawn, and the kommuner that got it hear "[Trukket tilbake] …" as a reply. A
post falling off the end of the windowed feed (Docusaurus keeps the 20 newest) tells no one.

Real parts: the Atom feed on loopback, SQLite, the Slack/Teams/SMTP stand-ins.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from synthetic import ATOM_TYPE, Post, atom_feed
from test_end_to_end import FEED_PATH, World

from monitor.demo.localserver import Route

T0 = datetime(2024, 2, 5, 8, 0, tzinfo=UTC)
OLD = Post("2024/01/02/info", "Nytt år", "Godt nyttår fra Skatteetaten.", datetime(2024, 1, 2, 9, tzinfo=UTC))
MAINTENANCE = Post(
    "2024/02/05/vedlikehold-inntekt",
    "Planlagt vedlikehold av Inntekt API",
    "Inntekt API vil være utilgjengelig lørdag 10.02.2024 kl. 10:00 til 14:00 på grunn av planlagt "
    "vedlikehold.",
    T0 + timedelta(minutes=70),
)
NEWS = Post(
    "2024/02/05/ny-versjon",
    "Ny versjon av Summert skattegrunnlag API",
    "Summert skattegrunnlag API får et nytt felt i responsen fra 1. mars.",
    T0 + timedelta(minutes=80),
)
LATER = Post("2024/02/06/info", "Informasjon", "Ingen endringer for kommunene.", T0 + timedelta(days=1))
#: Inntekt API: Oslo (slack, epost) and Bergen (teams). Summert skattegrunnlag: the same three.
USERS = ("0301/slack", "0301/epost", "4601/teams")


@pytest.fixture()
def world(tmp_path: Path, real_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    instance = World(tmp_path, real_dir, monkeypatch)
    instance.clock = T0
    yield instance
    instance.close()


def serve(world: World, posts: list[Post]) -> None:
    world.feed.route(FEED_PATH, Route(atom_feed(posts), ATOM_TYPE))


def test_planned_work_removed_from_the_middle_is_withdrawn_to_those_who_got_it(world: World) -> None:
    serve(world, [OLD])
    world.poll_and_deliver()
    serve(world, [OLD, MAINTENANCE, NEWS])
    world.poll_and_deliver()
    assert world.received() == Counter(dict.fromkeys(USERS, 2))

    serve(world, [OLD, NEWS])  # older and newer posts remain: the maintenance was taken down
    world.poll_and_deliver()
    assert world.received() == Counter(dict.fromkeys(USERS, 3))
    mails = [mail.message for mail in world.smtp.received() if "oslo" in mail.rcpt_tos[0]]
    withdrawn = mails[-1]
    assert (
        str(withdrawn["Subject"]).strip() == "[Trukket tilbake] Nedetid: Planlagt vedlikehold av Inntekt API"
    )
    first = next(mail for mail in mails if "vedlikehold" in str(mail["Subject"]))
    assert withdrawn["In-Reply-To"] == first["Message-ID"]
    [card] = [card for card in world.teams.received() if "trukket tilbake" in str(card.payload)]
    removed = world.db.execute(
        "SELECT removed_at FROM notices WHERE key = ?", [f"nyheter-atom:{MAINTENANCE.url}"]
    ).fetchone()[0]
    assert removed is not None


def test_post_falling_off_the_end_of_the_window_is_not_withdrawn(world: World) -> None:
    serve(world, [OLD])
    world.poll_and_deliver()
    serve(world, [MAINTENANCE, NEWS])  # OLD falls off the end as the new ones arrive
    world.poll_and_deliver()
    serve(world, [NEWS, LATER])  # now the maintenance is the oldest to fall off
    world.poll_and_deliver()
    # LATER concerns no kommune API, so only the admin route hears of it.
    assert world.received() == Counter(dict.fromkeys(USERS, 2)) + Counter({"admin/epost": 1})
    assert world.db.execute("SELECT count(*) FROM notices WHERE removed_at IS NOT NULL").fetchone()[0] == 0
