"""monitor.demo.replay: the demo's step-by-step replay of the real feed and the status page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.config.types import SourceConfig
from monitor.demo import replay
from monitor.demo.localserver import LocalServer
from monitor.fetch import fetch
from monitor.sources import parse_body

ATOM = SourceConfig(name="replay-atom", kind="atom", url="http://127.0.0.1/atom.xml")
STATUS = SourceConfig(
    name="replay-status", kind="statuspage_api", url="http://127.0.0.1/api/v2/incidents.json"
)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as local:
        yield local


@pytest.fixture(scope="module")
def real_ids(corpus_dir: Path) -> list[str]:
    entries = json.loads((corpus_dir / "atom_entries.json").read_text("utf-8"))["entries"]
    return [str(entry["id"]) for entry in entries]


def test_replay_data_is_the_real_feed(corpus_dir: Path) -> None:
    real = (corpus_dir / "html" / "nyheter-og-driftsvarsler__atom.xml").read_bytes()
    assert replay.build_feed(replay.feed_entry_count()) == real
    assert replay.feed_entry_count() == 43


@pytest.mark.parametrize("visible", [0, 1, 2, 10, 42, 43, 60])
def test_build_feed_shows_oldest_entries_newest_first(visible: int, real_ids: list[str]) -> None:
    body = replay.build_feed(visible)
    notices = parse_body(body, ATOM, "application/atom+xml")
    shown = min(visible, 43)
    assert [notice.notice_id for notice in notices] == real_ids[43 - shown :]
    feed_updated = re.search(rb"<updated>([^<]*)</updated>", body)
    assert feed_updated is not None
    if notices:
        newest = max(notice.updated for notice in notices if notice.updated)
        assert feed_updated.group(1).decode() == newest.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_build_feed_keeps_entry_xml_verbatim(corpus_dir: Path) -> None:
    real = (corpus_dir / "html" / "nyheter-og-driftsvarsler__atom.xml").read_text("utf-8")
    body = replay.build_feed(5).decode("utf-8")
    entries = re.findall(r"<entry>.*?</entry>", body, re.DOTALL)
    assert len(entries) == 5 and all(entry in real for entry in entries)


def test_build_feed_rejects_negative_count() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        replay.build_feed(-1)


def test_build_statuspage_shows_oldest_items_complete() -> None:
    assert parse_body(replay.build_statuspage(0), STATUS) == []
    first = parse_body(replay.build_statuspage(1), STATUS)
    assert [notice.notice_id for notice in first] == ["incident:p0x9kq2m1zrt"]
    assert first[0].text.startswith("Status: Løst")
    everything = parse_body(replay.build_statuspage(99), STATUS)
    assert len(everything) == 5


def test_build_statuspage_events_turn_an_update_into_an_edit() -> None:
    opening = parse_body(replay.build_statuspage_events(1), STATUS)
    resolved = parse_body(replay.build_statuspage_events(2), STATUS)
    assert [notice.notice_id for notice in opening] == [notice.notice_id for notice in resolved]
    assert opening[0].text.startswith("Status: Under undersøkelse")
    assert resolved[0].text.startswith("Status: Løst")
    assert opening[0].content_hash() != resolved[0].content_hash()
    data = json.loads(replay.build_statuspage_events(1))
    assert data["incidents"][0]["resolved_at"] is None
    assert json.loads(replay.build_statuspage_events(2))["incidents"][0]["resolved_at"] is not None


def test_build_statuspage_events_end_as_the_full_history() -> None:
    count = replay.status_event_count()
    assert count == 12
    assert replay.build_statuspage_events(count) == replay.build_statuspage(99)


def test_install_routes_etag_changes_only_when_content_changes(server: LocalServer) -> None:
    schedule = replay.ReplaySchedule(first_entries=40, first_status_events=1)
    urls = replay.install_routes(server, 0, schedule)
    first = {kind: fetch(url) for kind, url in urls.items()}
    assert sorted(first) == ["atom", "listing", "statuspage_api"]
    assert all(result.ok for result in first.values())
    replay.install_routes(server, 0, schedule)  # same step again: same bytes, same ETag
    for kind, url in urls.items():
        assert fetch(url, etag=first[kind].etag).not_modified
    replay.install_routes(server, 1, schedule)
    second = {kind: fetch(url, etag=first[kind].etag) for kind, url in urls.items()}
    assert second["atom"].status == 200 and second["atom"].etag != first["atom"].etag
    assert second["statuspage_api"].status == 200
    assert second["listing"].not_modified  # the listing page does not follow the steps


def test_install_routes_serves_parsable_sources(server: LocalServer) -> None:
    urls = replay.install_routes(server, 3)
    assert set(urls) == {"atom", "statuspage_api", "listing"}
    atom = fetch(urls["atom"])
    assert len(parse_body(atom.body, ATOM, atom.content_type)) == 43  # 40 + 3 steps
    status = fetch(urls["statuspage_api"])
    assert len(parse_body(status.body, STATUS, status.content_type)) == 2
    listing = fetch(urls["listing"])
    listing_source = SourceConfig(name="replay-listing", kind="listing", url=urls["listing"])
    assert len(parse_body(listing.body, listing_source, listing.content_type)) == 25


def test_replay_schedule_clamps_to_the_data() -> None:
    schedule = replay.ReplaySchedule(first_entries=40, entries_per_step=2)
    assert [schedule.entries_at(step) for step in (0, 1, 2, 5)] == [40, 42, 43, 43]
    assert replay.ReplaySchedule().status_events_at(100) == replay.status_event_count()
