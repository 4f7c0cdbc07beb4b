"""Threads by meaning, end to end: a follow-up or resolution replies only under an open incident
whose APIs and environment overlap its own, and always reaches its own route's kommuner.

Real parts: the Atom feed and the status page served on loopback, SQLite, the Slack/Teams/SMTP
stand-ins; the notices are hand-written in Skatteetaten's wording.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from synthetic import ATOM_TYPE, JSON_TYPE, Incident, Post, atom_feed, statuspage
from test_end_to_end import FEED_PATH, World

from monitor.demo.localserver import Route

STATUS_PATH = "/api/v2/incidents.json"
T0 = datetime(2024, 1, 29, 8, 0, tzinfo=UTC)
OLD = Post("2024/01/02/info", "Nytt år", "Godt nyttår fra Skatteetaten.", datetime(2024, 1, 2, 9, tzinfo=UTC))
SOURCES = """\
  - {{name: nyheter-atom, kind: atom, url: "{feed}", interval_seconds: 1}}
  - {{name: status-incidents, kind: statuspage_api, url: "{status}", interval_seconds: 1}}"""


@pytest.fixture()
def world(tmp_path: Path, real_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    from monitor.demo.localserver import LocalServer

    with LocalServer() as pages:
        sources = SOURCES.format(feed=pages.url(FEED_PATH), status=pages.url(STATUS_PATH))
        instance = World(tmp_path, real_dir, monkeypatch, sources=sources)
        instance.feed.stop()
        instance.feed = pages
        yield instance
        instance.close()


def serve(world: World, posts: list[Post], incidents: list[Incident]) -> None:
    world.feed.route(FEED_PATH, Route(atom_feed([OLD, *posts]), ATOM_TYPE))
    world.feed.route(STATUS_PATH, Route(statuspage(incidents), JSON_TYPE))


def outbox(world: World, notice_key: str) -> dict[str, str | None]:
    """kommune/channel → thread_key of the delivered alerts about one notice."""
    rows = world.db.execute(
        "SELECT kommune, channel, thread_key FROM outbox WHERE notice_key = ? AND state = 'done'",
        [notice_key],
    ).fetchall()
    return {f"{kommune}/{channel}": thread for kommune, channel, thread in rows}


def first_key(world: World, notice_key: str, owner: str) -> str:
    kommune, channel = owner.split("/")
    row = world.db.execute(
        "SELECT min(idem_key) FROM outbox WHERE notice_key = ? AND kommune = ? AND channel = ?",
        [notice_key, kommune, channel],
    ).fetchone()
    return str(row[0])


def test_resolution_is_not_threaded_under_an_unrelated_test_maintenance(world: World) -> None:
    world.clock = T0
    serve(world, [], [])
    assert world.poll_and_deliver() == "baseline"
    maintenance = Post(
        "2024/01/29/vedlikehold-test",
        "Planlagt vedlikehold i testmiljøet",
        "Alle delingstjenester i testmiljøet vil være utilgjengelige lørdag 03.02.2024 kl. 10:00 til 14:00.",
        T0 + timedelta(minutes=30),
    )
    serve(world, [maintenance], [])
    assert world.poll_and_deliver() == "changed"
    everyone = {"0301/slack", "0301/epost", "4601/teams", "5501/bot"}
    assert set(outbox(world, f"nyheter-atom:{maintenance.url}")) == everyone

    fixed = Incident(
        "bsk1",
        "Feil i Beregnet skatt API",
        "resolved",
        T0 + timedelta(minutes=70),
        updates=(("resolved", "Feilen i Beregnet skatt API er rettet.", T0 + timedelta(minutes=80)),),
        components=("Beregnet skatt API",),
    )
    serve(world, [maintenance], [fixed])
    world.poll_and_deliver()
    # Beregnet skatt API is Bergen's alone (kommuneLangtidsoppholdInstitusjon): its own route, no thread.
    assert outbox(world, "status-incidents:incident:bsk1") == {"4601/teams": None}
    assert len(world.teams.received()) == 2
    assert len(world.slack.received()) == 2  # the maintenance only, to Oslo's webhook and Tromsø's bot


def test_two_concurrent_incidents_on_different_apis_thread_apart(world: World) -> None:
    world.clock = T0
    serve(world, [], [])
    world.poll_and_deliver()
    inntekt = Post("2024/01/29/feil-inntekt", "Feil i Inntekt API", "Vi har feil i Inntekt API. Kall feiler.",
                   T0 + timedelta(minutes=10))  # fmt: skip
    beregnet = Post("2024/01/29/feil-beregnet", "Feil i Beregnet skatt API",
                    "Vi har feil i Beregnet skatt API. Kall feiler.", T0 + timedelta(minutes=20))  # fmt: skip
    beregnet_fixed = Post("2024/01/29/beregnet-rettet", "Feilen i Beregnet skatt API er rettet",
                          "Feilen i Beregnet skatt API er rettet, og tjenesten fungerer normalt igjen.",
                          T0 + timedelta(minutes=70))  # fmt: skip
    inntekt_fixed = Post("2024/01/29/inntekt-rettet", "Feilen i Inntekt API er rettet",
                         "Feilen i Inntekt API er rettet, og tjenesten fungerer normalt igjen.",
                         T0 + timedelta(minutes=90))  # fmt: skip
    serve(world, [inntekt, beregnet], [])
    world.poll_and_deliver()
    serve(world, [inntekt, beregnet, beregnet_fixed, inntekt_fixed], [])
    world.poll_and_deliver()

    def key(post: Post) -> str:
        return f"nyheter-atom:{post.url}"

    assert set(outbox(world, key(inntekt))) == {"0301/slack", "0301/epost", "4601/teams"}
    assert set(outbox(world, key(beregnet))) == {"4601/teams"}
    assert outbox(world, key(beregnet_fixed)) == {"4601/teams": first_key(world, key(beregnet), "4601/teams")}
    assert outbox(world, key(inntekt_fixed)) == {
        owner: first_key(world, key(inntekt), owner) for owner in ("0301/slack", "0301/epost", "4601/teams")
    }
    mails = [mail.message for mail in world.smtp.received() if "oslo" in mail.rcpt_tos[0]]
    assert [mail["In-Reply-To"] is None for mail in mails] == [True, False]
    assert mails[1]["In-Reply-To"] == mails[0]["Message-ID"]
