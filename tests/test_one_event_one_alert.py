"""One event, one alert, end to end: a notice that both the feed and the status page carry (the
status page links to the post, or states the same maintenance window for the same API) reaches each
channel once; what the second source adds (a window, a resolution) comes as a reply in the same
thread.

Real parts: the Atom feed and the Statuspage API on loopback, SQLite, the Slack/Teams/SMTP stand-ins.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from synthetic import ATOM_TYPE, JSON_TYPE, Incident, Post, atom_feed, statuspage
from test_end_to_end import FEED_PATH, World

from monitor.demo.localserver import LocalServer, Route
from monitor.model import Change, Classification, Notice, Window
from monitor.route import sameevent

STATUS_PATH = "/api/v2/incidents.json"
T0 = datetime(2024, 2, 5, 8, 0, tzinfo=UTC)
OLD = Post("2024/01/02/info", "Nytt år", "Godt nyttår fra Skatteetaten.", datetime(2024, 1, 2, 9, tzinfo=UTC))
SOURCES = """\
  - {{name: nyheter-atom, kind: atom, url: "{feed}", interval_seconds: 1}}
  - {{name: status-incidents, kind: statuspage_api, url: "{status}", interval_seconds: 1}}"""
#: Inntekt API: Oslo (slack, epost) and Bergen (teams) use it; Tromsø does not.
INNTEKT_USERS = ("0301/slack", "0301/epost", "4601/teams")
#: Saturday 10 February 2024, 10:00–14:00 Oslo time.
WINDOW = (datetime(2024, 2, 10, 9, tzinfo=UTC), datetime(2024, 2, 10, 13, tzinfo=UTC))


@pytest.fixture()
def world(tmp_path: Path, real_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with LocalServer() as pages:
        sources = SOURCES.format(feed=pages.url(FEED_PATH), status=pages.url(STATUS_PATH))
        instance = World(tmp_path, real_dir, monkeypatch, sources=sources)
        instance.feed.stop()
        instance.feed = pages
        instance.clock = T0
        yield instance
        instance.close()


def serve(world: World, posts: list[Post], incidents: list[Incident]) -> None:
    world.feed.route(FEED_PATH, Route(atom_feed([OLD, *posts]), ATOM_TYPE))
    world.feed.route(STATUS_PATH, Route(statuspage(incidents), JSON_TYPE))


def threads(world: World, notice_key: str) -> dict[str, str | None]:
    rows = world.db.execute(
        "SELECT kommune, channel, thread_key FROM outbox WHERE notice_key = ? AND state = 'done'",
        [notice_key],
    ).fetchall()
    return {f"{kommune}/{channel}": thread for kommune, channel, thread in rows}


def first_alerts(world: World, notice_key: str) -> dict[str, str]:
    rows = world.db.execute(
        "SELECT kommune, channel, min(idem_key) FROM outbox WHERE notice_key = ? GROUP BY kommune, channel",
        [notice_key],
    ).fetchall()
    return {f"{kommune}/{channel}": key for kommune, channel, key in rows}


def test_incident_on_feed_and_status_page_alerts_once_and_resolution_threads(world: World) -> None:
    serve(world, [], [])
    world.poll_and_deliver()
    post = Post("2024/02/05/driftsproblemer-inntekt", "Driftsproblemer i Inntekt API",
                "Vi har driftsproblemer i Inntekt API. Kall feiler med feilkode 500. Vi jobber med saken.",
                T0 + timedelta(minutes=70))  # fmt: skip
    opened = (("investigating", f"Vi har driftsproblemer. Les mer: {post.url}", T0 + timedelta(minutes=72)),)
    incident = Incident("inn1", "Driftsproblemer i Inntekt API", "investigating", T0 + timedelta(minutes=72),
                        updates=opened, components=("Inntekt API",))  # fmt: skip
    serve(world, [post], [incident])
    world.poll_and_deliver()
    assert world.received() == Counter(dict.fromkeys(INNTEKT_USERS, 1)), "one alert per channel, not two"
    assert threads(world, "status-incidents:incident:inn1") == {}

    resolved = Incident("inn1", "Driftsproblemer i Inntekt API", "resolved", incident.at,
                        updates=(*opened, ("resolved", "Feilen er rettet.", T0 + timedelta(minutes=150))),
                        components=("Inntekt API",))  # fmt: skip
    serve(world, [post], [resolved])
    world.poll_and_deliver()
    assert world.received() == Counter(dict.fromkeys(INNTEKT_USERS, 2))
    assert threads(world, "status-incidents:incident:inn1") == first_alerts(world, f"nyheter-atom:{post.url}")


def test_maintenance_with_the_same_window_and_api_alerts_once(world: World) -> None:
    serve(world, [], [])
    world.poll_and_deliver()
    post = Post("2024/02/05/vedlikehold-inntekt", "Planlagt vedlikehold av Inntekt API",
                "Inntekt API vil være utilgjengelig lørdag 10.02.2024 kl. 10:00 til 14:00 på grunn av "
                "planlagt vedlikehold.", T0 + timedelta(minutes=70))  # fmt: skip
    maintenance = Incident("mnt1", "Vedlikehold Inntekt API", "scheduled", T0 + timedelta(minutes=75),
                           updates=(("scheduled", "Planlagt vedlikehold.", T0 + timedelta(minutes=75)),),
                           components=("Inntekt API",),
                           scheduled=WINDOW)  # fmt: skip
    serve(world, [post], [maintenance])
    world.poll_and_deliver()
    assert world.received() == Counter(dict.fromkeys(INNTEKT_USERS, 1))
    assert threads(world, "status-incidents:maintenance:mnt1") == {}


def test_window_the_status_page_adds_is_an_update_in_the_thread(world: World) -> None:
    serve(world, [], [])
    world.poll_and_deliver()
    post = Post("2024/02/05/vedlikehold-inntekt", "Planlagt vedlikehold av Inntekt API",
                "Inntekt API blir utilgjengelig i forbindelse med planlagt vedlikehold i februar. "
                "Tidspunkt kommer.",
                T0 + timedelta(minutes=70))  # fmt: skip
    serve(world, [post], [])
    world.poll_and_deliver()
    maintenance = Incident("mnt2", "Vedlikehold Inntekt API", "scheduled", T0 + timedelta(minutes=130),
                           updates=(("scheduled", f"Se {post.url}", T0 + timedelta(minutes=130)),),
                           components=("Inntekt API",),
                           scheduled=WINDOW)  # fmt: skip
    serve(world, [post], [maintenance])
    world.poll_and_deliver()
    assert world.received() == Counter(dict.fromkeys(INNTEKT_USERS, 2))
    assert threads(world, "status-incidents:maintenance:mnt2") == first_alerts(
        world, f"nyheter-atom:{post.url}"
    )


POST = "https://skatteetaten.github.io/api-dokumentasjon/nyheter-og-driftsvarsler/2024/02/05/feil"
DOCS = "https://skatteetaten.github.io/api-dokumentasjon/api/inntekt"
ERROR = Classification("error", None, ("inntekt",), "prod", None)


def known(source: str, notice_id: str, text: str = "", link: str = "") -> tuple[str, Notice, Classification]:
    return (f"{source}:{notice_id}", Notice(source, notice_id, "Feil", text, link or notice_id), ERROR)


@pytest.mark.parametrize(
    ("other", "new", "same"),
    [
        # The status page links to the post: the post repeats it, and it repeats the post.
        (known("status", "incident:1", f"Les mer: {POST}.", "https://stspg.io/1"), known("feed", POST), True),
        (known("feed", POST), known("status", "incident:1", f"Les mer: {POST}/", "https://stspg.io/1"), True),
        (known("feed", POST + "/"), known("listing", POST.replace("https://", "http://")), True),
        # Two notices that both link to the API's documentation are not the same event.
        (
            known("feed", POST, f"Se {DOCS}"),
            known("status", "incident:2", f"Se {DOCS}", "https://stspg.io/2"),
            False,
        ),
        (known("feed", POST), known("status", "incident:3", "Ingen lenke", "https://stspg.io/3"), False),
    ],
)
def test_event_index_same_post(
    other: tuple[str, Notice, Classification], new: tuple[str, Notice, Classification], same: bool
) -> None:
    index = sameevent.build([other])
    assert (index.original(new[1], new[2]) == other[0]) is same


def test_event_index_same_window_needs_overlapping_apis() -> None:
    window = Window("2024-02-10T10:00", "2024-02-10T14:00")
    inntekt = Classification("downtime", True, ("inntekt",), "prod", window)
    index = sameevent.build([("feed:p", Notice("feed", "p", "Vedlikehold", "", "p"), inntekt)])
    maintenance = Notice("status", "maintenance:1", "Vedlikehold", "", "https://stspg.io/m", window=window)
    assert index.original(maintenance, inntekt) == "feed:p"
    other_api = Classification("downtime", True, ("beregnetskatt",), "prod", window)
    assert index.original(maintenance, other_api) is None
    later = Classification(
        "downtime", True, ("inntekt",), "prod", Window("2024-02-17T10:00", "2024-02-17T14:00")
    )
    assert index.original(Notice("status", "maintenance:2", "Vedlikehold", "", "x"), later) is None


@pytest.mark.parametrize(
    ("kind", "category", "window", "adds"),
    [
        ("new", "error", None, False),
        ("new", "resolved", None, True),
        ("new", "error", Window("2024-02-10T10:00", "2024-02-10T14:00"), True),
        ("edited", "error", None, True),
    ],
)
def test_adds_only_what_is_new(kind: str, category: str, window: Window | None, adds: bool) -> None:
    notice = Notice("status", "incident:1", "Feil", "", "x")
    change = Change(kind, notice, 1 if kind == "new" else 2)  # type: ignore[arg-type]
    classification = Classification(category, None, ("inntekt",), "prod", window)  # type: ignore[arg-type]
    assert sameevent.adds(change, classification, ERROR) is adds
