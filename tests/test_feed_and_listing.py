"""The feed and the listing page carry the same posts under the same id: a post seen by both
alerts once, whichever source sees it first; the listing page alone still alerts (fallback)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REAL
from test_end_to_end import FEED_PATH, World

from monitor.demo.localserver import Route
from monitor.demo.replay import build_feed

ENTRIES = json.loads((REAL / "corpus" / "atom_entries.json").read_text(encoding="utf-8"))["entries"]
LISTING_PATH = "/api-dokumentasjon/nyheter-og-driftsvarsler"
SOURCES = """\
  - {{name: nyheter-atom, kind: atom, url: "{feed}", interval_seconds: 1}}
  - {{name: nyheter-listing, kind: listing, url: "{listing}", interval_seconds: 1}}"""


def listing_page(visible: int) -> bytes:
    """A Docusaurus listing page whose JSON-LD lists the newest 5 of the oldest `visible` posts."""
    posts = list(reversed(ENTRIES))[:visible][-5:][::-1]
    blog = {
        "@context": "https://schema.org",
        "@type": "Blog",
        "blogPost": [
            {
                "@type": "BlogPosting",
                "@id": post["id"],
                "url": post["id"],
                "headline": post["title"],
                "description": post["summary"],
                "datePublished": post["updated"],
            }
            for post in posts
        ],
    }
    script = json.dumps(blog, ensure_ascii=False)
    return (
        f'<html><head><script type="application/ld+json">{script}</script></head><body></body></html>'
    ).encode()


@pytest.fixture()
def world(tmp_path: Path, real_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    from monitor.demo.localserver import LocalServer

    with LocalServer() as pages:
        sources = SOURCES.format(feed=pages.url(FEED_PATH), listing=pages.url(LISTING_PATH))
        instance = World(tmp_path, real_dir, monkeypatch, sources=sources)
        instance.feed.stop()
        instance.feed = pages
        yield instance
        instance.close()


def serve(world: World, feed_entries: int, listing_entries: int) -> None:
    world.feed.route(FEED_PATH, Route(build_feed(feed_entries), "application/atom+xml"))
    world.feed.route(LISTING_PATH, Route(listing_page(listing_entries), "text/html; charset=utf-8"))


def per_notice(world: World) -> Counter[tuple[str, str, str]]:
    rows = world.db.execute("SELECT notice_key, kommune, channel FROM outbox WHERE notice_key != ''")
    return Counter((key.split(":", 1)[1], kommune, channel) for key, kommune, channel in rows)


def test_post_in_feed_and_listing_alerts_once(world: World) -> None:
    serve(world, 38, 38)
    world.poll_and_deliver()
    serve(world, 41, 41)  # both sources see posts 39-41
    world.poll_and_deliver()
    counts = per_notice(world)
    assert counts and max(counts.values()) == 1, "a post seen by feed and listing alerted twice"
    assert {source for (source,) in world.db.execute("SELECT DISTINCT source FROM notices")} == {
        "nyheter-atom",
        "nyheter-listing",
    }
    assert world.received() == world.ledger()


def test_listing_alerts_when_the_feed_lags(world: World) -> None:
    serve(world, 38, 38)
    world.poll_and_deliver()
    serve(world, 38, 40)  # the feed is stale; the listing page already shows posts 39-40
    world.poll_and_deliver()
    from_listing = {key for key, _, _ in per_notice(world)}
    assert len(from_listing) == 2
    serve(world, 40, 40)  # the feed catches up: nothing is sent again
    before = per_notice(world)
    world.poll_and_deliver()
    assert per_notice(world) == before
