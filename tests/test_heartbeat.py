"""When the daily heartbeat is due, and what it says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitor.service.heartbeat import HeartbeatStats, heartbeat_due, heartbeat_text

OSLO = ZoneInfo("Europe/Oslo")


def oslo(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


def test_heartbeat_due_off_without_hour() -> None:
    assert heartbeat_due(None, oslo(2026, 11, 26, 12, 0), None) is False


def test_heartbeat_due_not_before_the_hour() -> None:
    assert heartbeat_due(None, oslo(2026, 11, 26, 7, 59), 8) is False


def test_heartbeat_due_after_the_hour_when_not_sent_today() -> None:
    yesterday = oslo(2026, 11, 25, 8, 1)
    assert heartbeat_due(yesterday, oslo(2026, 11, 26, 8, 0), 8) is True
    assert heartbeat_due(None, oslo(2026, 11, 26, 15, 30), 8) is True


def test_heartbeat_due_once_a_day() -> None:
    sent = oslo(2026, 11, 26, 8, 1)
    assert heartbeat_due(sent, oslo(2026, 11, 26, 8, 2), 8) is False
    assert heartbeat_due(sent, oslo(2026, 11, 26, 23, 59), 8) is False
    assert heartbeat_due(sent, oslo(2026, 11, 27, 8, 0), 8) is True


def test_heartbeat_due_uses_oslo_time_for_utc_input() -> None:
    # 07:30 UTC is 08:30 in Oslo in winter (CET) and 09:30 in summer (CEST).
    assert heartbeat_due(None, datetime(2026, 11, 26, 7, 30, tzinfo=UTC), 8) is True
    assert heartbeat_due(None, datetime(2026, 11, 26, 6, 30, tzinfo=UTC), 8) is False
    assert heartbeat_due(None, datetime(2026, 7, 1, 5, 30, tzinfo=UTC), 8) is False
    assert heartbeat_due(None, datetime(2026, 7, 1, 6, 0, tzinfo=UTC), 8) is True
    # Naive datetimes are UTC (as stored in the database).
    assert heartbeat_due(datetime(2026, 11, 26, 7, 1), datetime(2026, 11, 26, 7, 30, tzinfo=UTC), 8) is False


def test_heartbeat_due_across_dst_changes_sends_once() -> None:
    # 2026-03-29: clocks jump from 02:00 to 03:00; 2026-10-25: 03:00 back to 02:00.
    spring = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    due_times = [
        spring + timedelta(minutes=m)
        for m in range(0, 300, 5)
        if heartbeat_due(None, spring + timedelta(minutes=m), 2)
    ]
    assert due_times[0] == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST
    autumn_sent = datetime(2026, 10, 25, 0, 5, tzinfo=UTC)  # 02:05 CEST, the first 02:xx
    later = [autumn_sent + timedelta(minutes=m) for m in range(0, 180, 5)]
    assert not any(heartbeat_due(autumn_sent, moment, 2) for moment in later)


def test_heartbeat_due_rejects_bad_hour() -> None:
    with pytest.raises(ValueError, match="heartbeat_hour"):
        heartbeat_due(None, oslo(2026, 11, 26, 8, 0), 24)


def test_heartbeat_text_all_well() -> None:
    stats = HeartbeatStats(
        now=oslo(2026, 11, 26, 10, 5),
        sources_ok=4,
        sources_total=4,
        last_good_poll=datetime(2026, 11, 26, 9, 2, 30, tzinfo=UTC),
        outbox_pending=0,
    )
    subject, text = heartbeat_text(stats)
    assert subject == "driftsvarsel lever"
    assert text == "driftsvarsel lever: 4 kilder OK, siste vellykkede henting 10:02, 0 i utboks"


def test_heartbeat_text_names_failing_sources_and_dead_letters() -> None:
    stats = HeartbeatStats(
        now=oslo(2026, 11, 26, 8, 0),
        sources_ok=3,
        sources_total=4,
        last_good_poll=oslo(2026, 11, 25, 23, 40),
        outbox_pending=2,
        outbox_dead=1,
        failing=("status-skatteetaten",),
    )
    subject, text = heartbeat_text(stats)
    assert subject == "driftsvarsel lever, men 1 kilde feiler"
    assert text.splitlines() == [
        "driftsvarsel lever: 3 av 4 kilder OK, siste vellykkede henting 25.11. 23:40, 2 i utboks, "
        "1 kunne ikke leveres",
        "",
        "Kilder som feiler:",
        "- status-skatteetaten",
    ]


def test_heartbeat_text_before_any_poll() -> None:
    stats = HeartbeatStats(
        now=oslo(2026, 11, 26, 8, 0), sources_ok=0, sources_total=1, last_good_poll=None, outbox_pending=0
    )
    subject, text = heartbeat_text(stats)
    assert subject == "driftsvarsel lever, men 1 kilde feiler"
    assert "0 av 1 kilde OK, ingen vellykket henting ennå" in text


def test_heartbeat_text_in_nynorsk_for_a_nynorsk_admin_route() -> None:
    now = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    stats = HeartbeatStats(
        now=now,
        sources_ok=3,
        sources_total=4,
        last_good_poll=None,
        outbox_pending=2,
        outbox_dead=1,
        failing=("nyheter-atom",),
    )
    subject, text = heartbeat_text(stats, "nn")
    assert subject == "driftsvarsel lever, men 1 kjelde feilar"
    assert text.splitlines() == [
        "driftsvarsel lever: 3 av 4 kjelder OK, inga vellukka henting enno, 2 i utboks, "
        "1 kunne ikkje leverast",
        "",
        "Kjelder som feilar:",
        "- nyheter-atom",
    ]
