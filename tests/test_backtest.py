"""rules backtest over a real run (real feed, real receivers): the same rules reproduce what was
queued exactly; a changed filter shows exactly the notices it adds and drops; nothing is written."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_end_to_end import VISIBLE, World

from monitor.cli.main import main
from monitor.demo.replay import build_feed

BERGEN_TEAMS = '{name: teams, kind: teams, webhook: "env:E2E_BERGEN_TEAMS"}'
BERGEN_FILTERED = (
    '{name: teams, kind: teams, webhook: "env:E2E_BERGEN_TEAMS", categories: [downtime, error, resolved]}'
)
TROMSO_PAKKER = "rettighetspakker: [kommuneEiendomsskatt]"
#: After the baseline poll (10:00 Oslo), before the poll that revealed entries 16-37 (11:00).
AFTER_BASELINE = "2024-01-27T10:30"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, real_dir: Path) -> Iterator[World]:
    with pytest.MonkeyPatch.context() as patch:  # module scope: env set for the module only
        world = World(tmp_path_factory.mktemp("backtest"), real_dir, patch)
        world.serve(build_feed(VISIBLE[0]))
        world.poll_and_deliver()
        for visible in VISIBLE[1:4]:  # a few new notices a poll: under the storm guard's limit
            world.serve(build_feed(visible))
            world.poll_and_deliver()
        yield world
        world.close()


def _other(world: World, name: str, old: str, new: str) -> Path:
    text = world.rules.path.read_text(encoding="utf-8")
    assert old in text
    path = world.rules.path.parent / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _backtest(rules: Path, *extra: str) -> dict[str, object]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["rules", "backtest", "--since", AFTER_BASELINE, "--rules", str(rules), "--json", *extra])
    assert code == 0
    return json.loads(buffer.getvalue())


def _dump(world: World) -> list[tuple[object, ...]]:
    return [tuple(row) for row in world.db.execute("SELECT * FROM outbox ORDER BY id").fetchall()]


def _changes(result: dict[str, object]) -> dict[str, tuple[int, int]]:
    return {
        f"{c['kommune']}/{c['channel']}": (len(c["added"]), len(c["dropped"]))
        for c in result["channels"]  # type: ignore[attr-defined]
        if c["added"] or c["dropped"]
    }


def test_backtest_with_the_rules_in_force_reproduces_what_was_queued(run: World) -> None:
    result = _backtest(run.rules.path)
    assert result["totals"] == {"added": 0, "dropped": 0}
    queued = run.db.execute("SELECT count(*) FROM outbox WHERE notice_key IS NOT NULL").fetchone()[0]
    assert sum(c["actual"] for c in result["channels"]) == queued > 20  # type: ignore[attr-defined]
    assert result["versions"] == 22


def test_backtest_bergen_filter_drops_exactly_its_api_changes_and_writes_nothing(run: World) -> None:
    before = _dump(run)
    result = _backtest(_other(run, "bergen.yaml", BERGEN_TEAMS, BERGEN_FILTERED))
    # The API change about Bergen's APIs alone now reaches no kommune: the admin route gets it.
    assert _changes(result) == {"4601/teams": (0, 4), "admin/epost": (1, 0)}
    bergen = next(c for c in result["channels"] if c["kommune"] == "4601")  # type: ignore[attr-defined]
    assert {item["category"] for item in bergen["dropped"]} == {"api_change"}
    assert bergen["actual"] - bergen["would"] == 4
    assert _dump(run) == before


def test_backtest_tromso_with_inntekt_adds_exactly_the_inntekt_notices(run: World) -> None:
    before = _dump(run)
    other = _other(run, "tromso.yaml", TROMSO_PAKKER, f"{TROMSO_PAKKER}\n    apis: [inntekt]")
    result = _backtest(other)
    # Oslo got every notice about Inntekt; Tromsø would now get those it did not get already.
    oslo_inntekt = {
        row[0]
        for row in run.db.execute(
            "SELECT o.notice_key FROM outbox o JOIN classifications c ON c.key = o.notice_key"
            " AND c.version = o.version WHERE o.kommune = '0301' AND o.channel = 'slack'"
            " AND c.apis LIKE '%inntekt%'"
        )
    }
    assert _changes(result) == {"5501/bot": (len(oslo_inntekt), 0)}
    assert len(oslo_inntekt) == 1
    assert _dump(run) == before


def test_backtest_text_output_says_nothing_was_sent(run: World, capsys: pytest.CaptureFixture[str]) -> None:
    other = _other(run, "bergen2.yaml", BERGEN_TEAMS, BERGEN_FILTERED)
    assert main(["rules", "backtest", "--since", AFTER_BASELINE, "--rules", str(other)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("22 notice versions since 2024-01-27 10:30 +01:00 replayed through ")
    assert out[-1] == "1 added, 4 dropped; nothing was sent"
    assert sum(1 for line in out if line.startswith("    - [api_change] ")) == 4
    assert main(["rules", "backtest", "--since", "last week", "--rules", str(other)]) == 1
    assert "--since 'last week' is not a date" in capsys.readouterr().err
