"""Notice history and source state in a real SQLite file: commit_poll, queries, record_fetch, WAL."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

from monitor.diff import diff
from monitor.model import Alert, Change, Classification, DeliveryResult, FetchResult, Message, Notice, Window
from monitor.store import notices, open_db, outbox, sources

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
INFO = Classification("info", None, (), "unspecified", None, ("ingen treff",))
ERROR = Classification("error", False, ("inntekt",), "prod", None, ("feil",))


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    return open_db(tmp_path / "state" / "driftsvarsel.db")


def notice(number: int, text: str = "tekst", source: str = "feed", **dates: datetime) -> Notice:
    published = dates.get("published", NOW - timedelta(days=10 - number))
    return Notice(source, f"post-{number}", f"Varsel {number}", text, f"https://x.test/{number}", published)


def alert_for(
    change: Change, kommune: str = "0301", channel: str = "slack", thread: str | None = None
) -> Alert:
    key = f"{change.notice.source}:{change.notice.notice_id}#v{change.version}|{kommune}|{channel}"
    return Alert(key, kommune, "Oslo", channel, change, INFO, ("test",), thread)


def message(subject: str) -> Message:
    return Message(
        subject, subject, (("Kategori", "Info"),), "brødtekst", None, "bunntekst", f"<{subject}@t>"
    )


def count(db: sqlite_utils.Database, table: str) -> int:
    return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_open_db_applies_migrations_once(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    first = open_db(path)
    assert {"sources", "fetch_log", "notices", "notice_versions", "classifications", "outbox"} <= set(
        first.table_names()
    )
    first.conn.close()
    again = open_db(path)  # a second open finds nothing pending
    assert count(again, "notices") == 0


def test_commit_poll_stores_notice_classification_and_outbox(db: sqlite_utils.Database) -> None:
    change = Change("new", notice(1), 1)
    alert = alert_for(change)
    ids = notices.commit_poll(db, "feed", [change], {"post-1": INFO}, [(alert, message("s1"))], NOW)
    assert len(ids) == 1
    stored = notices.stored_notices(db, "feed")
    assert stored["post-1"].notice == notice(1)
    assert stored["post-1"].version == 1 and not stored["post-1"].removed
    item = outbox.get_item(db, ids[0])
    assert item is not None and item.idem_key == alert.key and item.notice_key == "feed:post-1"
    assert item.message == message("s1") and item.state == "pending"
    history = notices.notice_versions(db, "feed:post-1")
    assert [(v.version, v.change_kind, v.classification) for v in history] == [(1, "new", INFO)]


def test_commit_poll_is_idempotent(db: sqlite_utils.Database) -> None:
    change = Change("new", notice(1), 1)
    pairs = [(alert_for(change), message("s")), (alert_for(change, channel="epost"), message("s"))]
    assert len(notices.commit_poll(db, "feed", [change], {"post-1": INFO}, pairs, NOW)) == 2
    assert notices.commit_poll(db, "feed", [change], {"post-1": INFO}, pairs, NOW) == []
    assert (count(db, "outbox"), count(db, "notice_versions"), count(db, "notices")) == (2, 1, 1)


def test_commit_poll_bad_change_midway_writes_nothing(db: sqlite_utils.Database) -> None:
    good = Change("new", notice(1), 1)
    bad = Change("new", notice(2, source="other"), 1)
    with pytest.raises(ValueError, match="other"):
        notices.commit_poll(db, "feed", [good, bad], {"post-1": INFO}, [(alert_for(good), message("s"))], NOW)
    for table in ("notices", "notice_versions", "classifications", "outbox"):
        assert count(db, table) == 0, table


def test_commit_poll_bad_alert_after_writes_rolls_back(db: sqlite_utils.Database) -> None:
    good = Change("new", notice(1), 1)
    stray = alert_for(Change("new", notice(9, source="other"), 1))
    pairs = [(alert_for(good), message("a")), (stray, message("b"))]
    with pytest.raises(ValueError):
        notices.commit_poll(db, "feed", [good], {"post-1": INFO}, pairs, NOW)
    assert (count(db, "notices"), count(db, "outbox")) == (0, 0)
    # The connection is usable afterwards and the same commit without the stray alert succeeds.
    assert len(notices.commit_poll(db, "feed", [good], {"post-1": INFO}, pairs[:1], NOW)) == 1


def test_commit_poll_edits_keep_every_version(db: sqlite_utils.Database) -> None:
    texts = ["Nedetid lørdag", "Nedetid ~~lørdag~~ søndag", "Nedetid søndag, oppdatert"]
    for step, text in enumerate(texts):
        previous = notices.stored_notices(db, "feed")
        changes = diff(previous, [notice(1, text)], complete=False)
        classified = {"post-1": ERROR if step == 2 else INFO}
        notices.commit_poll(db, "feed", changes, classified, [], NOW + timedelta(hours=step))
    history = notices.notice_versions(db, "feed:post-1")
    assert [v.notice.text for v in history] == texts
    assert [v.change_kind for v in history] == ["new", "edited", "edited"]
    assert [v.classification for v in history] == [INFO, INFO, ERROR]
    assert history[1].seen_at == NOW + timedelta(hours=1)
    assert notices.stored_notices(db, "feed")["post-1"].version == 3


def test_commit_poll_removed_then_restored(db: sqlite_utils.Database) -> None:
    notices.commit_poll(db, "feed", diff({}, [notice(1), notice(2)], complete=True), {}, [], NOW)
    removal = diff(notices.stored_notices(db, "feed"), [notice(1)], complete=True)
    notices.commit_poll(db, "feed", removal, {}, [], NOW + timedelta(hours=1))
    assert notices.stored_notices(db, "feed")["post-2"].removed
    assert notices.notice_versions(db, "feed:post-2")[-1].removed_at == NOW + timedelta(hours=1)
    back = diff(notices.stored_notices(db, "feed"), [notice(1), notice(2)], complete=True)
    assert [(c.kind, c.version) for c in back] == [("edited", 2)]
    notices.commit_poll(db, "feed", back, {}, [], NOW + timedelta(hours=2))
    assert not notices.stored_notices(db, "feed")["post-2"].removed
    assert [v.change_kind for v in notices.notice_versions(db, "feed:post-2")] == ["new", "restored"]


def test_recent_incidents_latest_error_versions_since(db: sqlite_utils.Database) -> None:
    old = notice(1, published=NOW - timedelta(days=30))
    yesterday = NOW - timedelta(days=1)
    fresh_error, fresh_info = notice(2, published=yesterday), notice(3, published=yesterday)
    changes = diff({}, [old, fresh_error, fresh_info], complete=False)
    classified = {"post-1": ERROR, "post-2": ERROR, "post-3": INFO}
    notices.commit_poll(db, "feed", changes, classified, [], NOW - timedelta(days=30))
    found = notices.recent_incidents(db, NOW - timedelta(days=7))
    assert [(key, item.notice_id, cls.category) for key, item, cls in found] == [
        ("feed:post-2", "post-2", "error")
    ]
    # A later version classified as a resolution is no longer an open incident.
    edit = diff(notices.stored_notices(db, "feed"), [notice(2, "Løst", published=yesterday)], complete=False)
    resolved = Classification("resolved", None, ("inntekt",), "prod", None)
    notices.commit_poll(db, "feed", edit, {"post-2": resolved}, [], NOW)
    assert notices.recent_incidents(db, NOW - timedelta(days=7)) == []


def test_alerts_for_notice_first_item_per_channel_with_thread_ref(db: sqlite_utils.Database) -> None:
    first = Change("new", notice(1), 1)
    pairs = [(alert_for(first), message("a")), (alert_for(first, kommune="4203"), message("a"))]
    notices.commit_poll(db, "feed", [first], {"post-1": ERROR}, pairs, NOW)
    second = Change("edited", notice(1, "mer"), 2, previous=notice(1))
    notices.commit_poll(db, "feed", [second], {"post-1": ERROR}, [(alert_for(second), message("b"))], NOW)
    root = outbox.item_by_key(db, pairs[0][0].key)
    assert root is not None
    outbox.mark_done(db, root.id, DeliveryResult(True, 200, "ok", thread_ref="1700.01"), NOW)
    found = notices.alerts_for_notice(db, "feed:post-1")
    assert [(item.kommune, item.channel, item.version, item.thread_ref) for item in found] == [
        ("0301", "slack", 1, "1700.01"),
        ("4203", "slack", 1, None),
    ]


def test_downtime_windows_cover_or_approach_now(db: sqlite_utils.Database) -> None:
    # NOW is 13:00 in Oslo (UTC+1 in March).
    def downtime(start: str | None, end: str | None) -> Classification:
        return Classification("downtime", True, ("*",), "prod", Window(start, end))

    windows = {
        "post-1": downtime("2024-03-01T12:00", "2024-03-01T14:00"),  # covers now
        "post-2": downtime("2024-03-01T13:30", "2024-03-01T15:00"),  # starts within the lead
        "post-3": downtime("2024-03-02T10:00", "2024-03-02T12:00"),  # tomorrow
        "post-4": downtime("2024-03-01T08:00", "2024-03-01T12:59"),  # over
        "post-5": downtime("2024-03-01T09:00", None),  # open-ended, started today
        "post-6": downtime(None, None),
    }
    changes = diff({}, [notice(number) for number in range(1, 7)], complete=False)
    notices.commit_poll(db, "feed", changes, windows, [], NOW)
    found = notices.downtime_windows(db, NOW, lead=timedelta(hours=1))
    assert sorted(key for key, _ in found) == ["feed:post-1", "feed:post-2", "feed:post-5"]


def test_record_fetch_keeps_validators_only_from_good_polls(db: sqlite_utils.Database) -> None:
    good = FetchResult("u", 200, b"<feed/>", etag='"a"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    sources.record_fetch(db, "feed", "atom", "u", good, notices=3, error=None, now=NOW)
    bad_body = FetchResult("u", 200, b"<html>", etag='"b"')
    sources.record_fetch(db, "feed", "atom", "u", bad_body, notices=None, error="not a feed", now=NOW)
    state = sources.get_source_state(db, "feed")
    assert (state.etag, state.last_error, state.consecutive_failures) == ('"a"', "not a feed", 1)
    sources.record_fetch(db, "feed", "atom", "u", FetchResult("u", 304), notices=None, error=None, now=NOW)
    state = sources.get_source_state(db, "feed")
    assert (state.etag, state.consecutive_failures, state.last_ok_at) == ('"a"', 0, NOW)
    assert sources.last_notice_count(db, "feed") == 3
    assert count(db, "fetch_log") == 3


def test_record_fetch_broke_once_then_recovered(db: sqlite_utils.Database) -> None:
    failing = FetchResult("u", None, error="timed out after 20 s")
    events = []
    for minute in range(4):
        now = NOW + timedelta(minutes=minute)
        events.append(sources.record_fetch(db, "s", "atom", "u", failing, notices=None, error=None, now=now))
    assert [t.event for t in events] == [None, "broke", None, None]
    state = events[-1].state
    assert (state.consecutive_failures, state.failing_since, state.last_error) == (
        4,
        NOW,
        "timed out after 20 s",
    )
    ok = FetchResult("u", 200, b"x")
    back = sources.record_fetch(db, "s", "atom", "u", ok, notices=1, error=None, now=NOW + timedelta(hours=1))
    assert back.recovered and back.state.failing_since is None
    again = sources.record_fetch(
        db, "s", "atom", "u", ok, notices=1, error=None, now=NOW + timedelta(hours=2)
    )
    assert again.event is None


def test_record_fetch_http_error_counts_as_failure(db: sqlite_utils.Database) -> None:
    result = FetchResult("u", 503)
    transition = sources.record_fetch(
        db, "s", "atom", "u", result, notices=None, error=None, now=NOW, threshold=1
    )
    assert transition.broke and transition.state.last_error == "HTTP 503"


def test_mark_baselined_before_and_after_first_fetch(db: sqlite_utils.Database) -> None:
    assert sources.get_source_state(db, "new").baselined_at is None
    sources.mark_baselined(db, "new", NOW)
    sources.record_fetch(db, "new", "atom", "u", FetchResult("u", 200), notices=0, error=None, now=NOW)
    assert sources.get_source_state(db, "new").baselined_at == NOW


def test_wal_second_connection_reads_while_first_writes(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    writer = open_db(path)
    notices.commit_poll(writer, "feed", [Change("new", notice(1), 1)], {}, [], NOW)
    reader = sqlite3.connect(path, timeout=0.5)
    with writer.atomic():  # an open write transaction...
        notices.commit_poll(writer, "feed", [Change("new", notice(2), 1)], {}, [], NOW)
        # ...does not block the reader, which sees the last committed state.
        assert reader.execute("SELECT count(*) FROM notices").fetchone()[0] == 1
    assert reader.execute("SELECT count(*) FROM notices").fetchone()[0] == 2
    assert writer.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
