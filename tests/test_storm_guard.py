"""The storm guard end to end: more than `settings.max_new_per_poll` new notices from one source in
one poll send each kommune channel one summary and the admin a note; every notice is stored and
`driftsvarsel history` shows it. At the limit, every notice is alerted on its own.

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

from monitor.cli.main import main
from monitor.config.load import load_rules
from monitor.demo.localserver import Route
from monitor.errors import ConfigError

T0 = datetime(2024, 2, 5, 8, 0, tzinfo=UTC)
OLD = Post("2024/01/02/info", "Nytt år", "Godt nyttår fra Skatteetaten.", datetime(2024, 1, 2, 9, tzinfo=UTC))
#: Inntekt API: Oslo (slack, epost) and Bergen (teams) use it; Tromsø does not.
INNTEKT_USERS = Counter({"0301/slack": 1, "0301/epost": 1, "4601/teams": 1})


def posts(count: int) -> list[Post]:
    return [
        Post(
            f"2024/02/05/inntekt-{number}",
            f"Endring {number} i Inntekt API",
            f"Inntekt API får et nytt felt nummer {number} i responsen fra 1. mars.",
            T0 - timedelta(minutes=count - number),
        )
        for number in range(count)
    ]


@pytest.fixture()
def world(tmp_path: Path, real_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    instance = World(tmp_path, real_dir, monkeypatch)
    yield instance
    instance.close()


def baseline(world: World) -> None:
    world.clock = T0 - timedelta(hours=2)
    world.feed.route(FEED_PATH, Route(atom_feed([OLD]), ATOM_TYPE))
    assert world.poll_and_deliver() == "baseline"


def test_storm_of_25_new_notices_sends_one_summary_per_channel(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline(world)
    storm = posts(25)
    world.feed.route(FEED_PATH, Route(atom_feed([OLD, *storm]), ATOM_TYPE))
    assert world.poll_and_deliver() == "changed"

    received = world.received()
    assert received == INNTEKT_USERS + Counter({"admin/epost": 1})
    [summary] = [mail.message for mail in world.smtp.received() if "oslo" in mail.rcpt_tos[0]]
    assert summary["Subject"] == "[Driftsvarsel] 25 nye varsler fra «nyheter-atom» på én gang"
    text = summary.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert all(f"Endring {number} i Inntekt API" in text for number in range(25))
    [note] = [mail.message for mail in world.smtp.received() if "admin" in mail.rcpt_tos[0]]
    assert "ga 25 nye varsler på én gang" in note["Subject"]
    [card] = world.teams.received()
    assert "25 nye varsler" in str(card.payload)

    stored = world.db.execute("SELECT count(*) FROM notices WHERE source = 'nyheter-atom'").fetchone()[0]
    assert stored == 26
    capsys.readouterr()
    assert main(["history", f"nyheter-atom:{storm[7].url}", "--rules", str(world.rules.path)]) == 0
    assert "Endring 7 i Inntekt API" in capsys.readouterr().out


def test_twenty_new_notices_are_alerted_one_by_one(world: World) -> None:
    baseline(world)
    world.feed.route(FEED_PATH, Route(atom_feed([OLD, *posts(20)]), ATOM_TYPE))
    assert world.poll_and_deliver() == "changed"
    assert world.received() == Counter({owner: 20 for owner in INNTEKT_USERS})


def test_load_rules_max_new_per_poll_is_validated(
    tmp_path: Path, real_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = World(tmp_path, real_dir, monkeypatch)
    try:
        assert good.rules.settings.max_new_per_poll == 20
        text = good.rules.path.read_text(encoding="utf-8")
    finally:
        good.close()
    for value, problem in (("0", "too small (at least 1)"), ("many", "expected a whole number")):
        path = tmp_path / f"rules-{value}.yaml"
        path.write_text(
            text.replace("settings:\n", f"settings:\n  max_new_per_poll: {value}\n"), encoding="utf-8"
        )
        with pytest.raises(ConfigError) as raised:
            load_rules(path)
        assert f"{path}:2: settings.max_new_per_poll: " in str(raised.value)
        assert problem in str(raised.value)
    path.write_text(text.replace("settings:\n", "settings:\n  max_new_per_poll: 50\n"), encoding="utf-8")
    assert load_rules(path).settings.max_new_per_poll == 50
