"""Silences: a silenced kommune gets nothing while others do; expiring sends nothing unless replayed,
and a replay sends exactly what the silence held. Real feed, real receivers on loopback."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils
from test_end_to_end import VISIBLE, World

from monitor.cli.main import main
from monitor.deliver.silence import Matchers, add_silence, expire_silence, hold_if_silenced, parse_until
from monitor.demo.replay import build_feed
from monitor.errors import UserError
from monitor.model import Message
from monitor.store import open_db, outbox, schema
from monitor.store import silences as silence_store
from monitor.store.silences import Silence


@pytest.fixture()
def world(tmp_path: Path, real_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    instance = World(tmp_path, real_dir, monkeypatch)
    instance.serve(build_feed(VISIBLE[0]))
    instance.poll_and_deliver()  # the quiet baseline
    yield instance
    instance.close()


def _states(world: World) -> Counter[str]:
    rows = world.db.execute("SELECT kommune, state FROM outbox").fetchall()
    return Counter(f"{kommune}/{state}" for kommune, state in rows)


def test_silence_kommune_gets_nothing_others_do_and_replay_sends_exactly_the_held(world: World) -> None:
    silence = add_silence(
        world.db,
        world.rules,
        Matchers(kommune="4601"),
        until=world.clock + timedelta(days=3),
        reason="Ny Teams-kanal settes opp",
        now=world.clock,
        created_by="ola",
    )
    world.serve(build_feed(VISIBLE[1]))
    world.poll_and_deliver()

    got = world.received()
    held = world.db.execute("SELECT count(*) FROM outbox WHERE kommune = '4601'").fetchone()[0]
    assert held > 0 and "4601/teams" not in got
    assert got["0301/slack"] > 0 and got["0301/epost"] > 0
    assert world.ledger() == got, "every other alert was delivered, and only those"
    assert _states(world)["4601/silenced"] == held
    assert outbox.depth(world.db)["silenced"] == held

    # Expired later without --replay: nothing is sent retroactively, and new alerts go out.
    world.clock += timedelta(hours=1)
    ended, replayed = expire_silence(world.db, silence.id, replay=False, now=world.clock)
    assert (ended, replayed) == (True, 0)
    world.poll_and_deliver()
    assert "4601/teams" not in world.received()

    # --replay on the expired silence sends exactly what it held, once.
    _, replayed = expire_silence(world.db, silence.id, replay=True, now=world.clock)
    assert replayed == held
    world.poll_and_deliver()
    after = world.received()
    assert after["4601/teams"] == held
    assert after - Counter({"4601/teams": held}) == got
    assert expire_silence(world.db, silence.id, replay=True, now=world.clock) == (False, 0)


def test_silence_by_api_and_channel_holds_only_those_notices_on_that_channel(world: World) -> None:
    add_silence(
        world.db,
        world.rules,
        Matchers(api="inntekt", channel="epost"),
        until=world.clock + timedelta(days=1),
        reason="Inntekt-teamet følger Slack",
        now=world.clock,
    )
    for visible in VISIBLE[1:4]:  # a few new notices a poll: under the storm guard's limit
        world.serve(build_feed(visible))
        world.poll_and_deliver()
    rows = world.db.execute(
        "SELECT o.kommune, o.channel, o.state, c.apis FROM outbox o"
        " JOIN classifications c ON c.key = o.notice_key AND c.version = o.version"
    ).fetchall()
    silenced = [row for row in rows if row[2] == "silenced"]
    # Entries 16-37 hold one notice about Inntekt alone; notices about all APIs still go out.
    assert [(row[0], row[1], row[3]) for row in silenced] == [("0301", "epost", '["inntekt"]')]
    # Every other notice on epost, and every Inntekt notice on other channels, went out.
    assert all(row[2] == "done" for row in rows if row[3] != '["inntekt"]' or row[1] != "epost")
    assert world.received()["0301/epost"] == sum(1 for row in rows if row[:3] == ("0301", "epost", "done"))


def test_silence_ended_before_the_alert_holds_nothing(world: World) -> None:
    silence = add_silence(
        world.db,
        world.rules,
        Matchers(kommune="0301"),
        until=world.clock + timedelta(minutes=30),
        reason="kort vedlikehold",
        now=world.clock,
    )
    world.serve(build_feed(VISIBLE[1]))
    world.poll_and_deliver()  # one hour later: the silence has run out
    assert outbox.depth(world.db)["silenced"] == 0
    assert world.received()["0301/slack"] > 0
    assert expire_silence(world.db, silence.id, replay=False, now=world.clock) == (False, 0)


def test_silence_matches_api_only_when_the_notice_is_about_that_api_alone() -> None:
    now = datetime(2026, 12, 6, 12, tzinfo=UTC)
    silence = Silence(1, None, "inntekt", None, now, now + timedelta(hours=2), "ola", now, "test")
    assert silence.matches("0301", "slack", ("inntekt",))
    assert not silence.matches("0301", "slack", ("beregnetskatt", "inntekt"))
    assert not silence.matches("0301", "slack", ("*",))
    assert not silence.matches("admin", "epost", ())
    by_channel = Silence(2, None, None, "epost", now, now + timedelta(hours=2), "ola", now, "test")
    assert by_channel.matches("0301", "epost", ()) and not by_channel.matches("admin", "epost", ())
    admin = Silence(3, "admin", None, "epost", now, now + timedelta(hours=2), "ola", now, "test")
    assert admin.matches("admin", "epost", ()) and not admin.matches("0301", "epost", ())
    assert silence.active(now) and not silence.active(now + timedelta(hours=2))


def test_parse_until_reads_durations_and_oslo_times_and_refuses_the_past() -> None:
    now = datetime(2026, 12, 6, 12, tzinfo=UTC)
    assert parse_until("2h", now) == now + timedelta(hours=2)
    assert parse_until("3d", now) == now + timedelta(days=3)
    assert parse_until("2026-12-24T08:00", now) == datetime(2026, 12, 24, 7, tzinfo=UTC)
    assert parse_until("2026-12-24T08:00+00:00", now) == datetime(2026, 12, 24, 8, tzinfo=UTC)
    with pytest.raises(UserError, match="neither a duration"):
        parse_until("i morgen", now)
    with pytest.raises(UserError, match="not in the future"):
        parse_until("2026-12-01", now)


def test_silence_add_without_matcher_or_with_unknown_names_is_a_clear_error(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = str(world.rules.path)
    base = ["silence", "add", "--until", "2h", "--reason", "test", "--rules", rules]
    assert main(base) == 1
    assert "give at least one of --kommune, --api, --channel" in capsys.readouterr().err
    assert main([*base, "--kommune", "9999", "--api", "skatt", "--channel", "sms"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: --kommune 9999: no such kommune")
    assert "--api skatt: unknown API" in err and "--channel sms: no such channel" in err
    assert "Traceback" not in err
    assert main([*base, "--kommune", "0301", "--channel", "teams"]) == 1
    assert (
        "--channel teams: no such channel in kommune 0301 (channels: epost, slack)" in capsys.readouterr().err
    )
    assert world.db.execute("SELECT count(*) FROM silences").fetchone()[0] == 0


def test_silence_cli_add_list_expire_round_trip(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    rules = str(world.rules.path)
    assert main(["silence", "add", "--kommune", "0301", "--channel", "epost", "--until", "3d",
                 "--reason", "Postkassen flyttes", "--author", "kari", "--rules", rules]) == 0  # fmt: skip
    assert capsys.readouterr().out.startswith("silence 1 added: kommune=0301 channel=epost until ")
    assert main(["silence", "list", "--rules", rules]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].split()[:3] == ["1", "active", "kommune=0301"]
    assert lines[1].endswith("kari        Postkassen flyttes")
    assert main(["silence", "expire", "1", "--rules", rules]) == 0
    assert capsys.readouterr().out == "silence 1 expired; held alerts stay unsent\n"
    assert main(["silence", "expire", "7", "--rules", rules]) == 1
    assert "no silence 7" in capsys.readouterr().err


def test_silence_by_api_holds_a_probe_outage_alert_about_that_api(tmp_path: Path) -> None:
    db = open_db(tmp_path / "d.db")
    now = datetime(2026, 12, 6, 12, tzinfo=UTC)
    message = Message("Nedetid", "Nedetid", (), "Inntekt API svarer ikke", None, "", "<1@test>")
    entries = [
        outbox.OutboxEntry(f"probe:probe:{api}:prod:3#v1|0301|slack", f"probe:probe:{api}:prod:3", 1, "0301",
                           "slack", message)
        for api in ("inntekt", "beregnetskatt")
    ]  # fmt: skip
    outbox.enqueue(db, entries, now=now)
    silence = silence_store.add(
        db, kommune=None, api="inntekt", channel=None, until=now + timedelta(hours=1), reason="kjent feil",
        created_by="ola", now=now,
    )  # fmt: skip
    inntekt, beregnet = outbox.list_items(db)
    assert hold_if_silenced(db, inntekt, now) == silence
    assert hold_if_silenced(db, beregnet, now) is None
    assert [item.state for item in outbox.list_items(db)] == ["silenced", "pending"]
    assert [item.id for item in silence_store.held_items(db, silence.id)] == [inntekt.id]


def test_open_db_upgrades_an_outbox_from_before_silences_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(str(path))
    for migrations in schema.MIGRATION_SETS:
        if migrations is not silence_store.MIGRATIONS:
            migrations.apply(old)
    now = datetime(2026, 12, 6, 12, tzinfo=UTC)
    message = Message("Feil", "Feil", (), "tekst", None, "", "<2@test>")
    outbox.enqueue(old, [outbox.OutboxEntry("k|0301|slack", "s:1", 1, "0301", "slack", message)], now=now)
    old.close()

    db = open_db(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'outbox'").fetchone()[0]
    assert "CHECK (state IN ('pending', 'done', 'dead', 'silenced'))" in sql
    silence = silence_store.add(
        db, kommune="0301", api=None, channel=None, until=now + timedelta(hours=1), reason="r",
        created_by="ola", now=now,
    )  # fmt: skip
    [item] = outbox.list_items(db)
    assert hold_if_silenced(db, item, now) == silence
    assert [i.state for i in outbox.list_items(db)] == ["silenced"]
    with pytest.raises(sqlite3.IntegrityError):  # the state constraint is still in force
        db.execute("UPDATE outbox SET state = 'lost' WHERE id = ?", [item.id])
    db.close()
    assert open_db(path).execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] > 0


def test_outbox_state_silenced_lists_the_held_items(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    add_silence(
        world.db, world.rules, Matchers(kommune="5501"), until=world.clock + timedelta(days=1),
        reason="Boten flyttes", now=world.clock,
    )  # fmt: skip
    world.serve(build_feed(VISIBLE[1]))
    world.poll_and_deliver()
    held = world.db.execute("SELECT count(*) FROM outbox WHERE state = 'silenced'").fetchone()[0]
    assert main(["outbox", "--state", "silenced", "--rules", str(world.rules.path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert held > 0 and len(lines) == held + 2
    assert all(line.split()[1:2] == ["silenced"] and " 5501 " in line for line in lines[1:-1])
    assert lines[-1].startswith(f"({held} shown; ") and lines[-1].endswith(f"silenced {held})")
