"""The compliance report over a real run: the real feed, real receivers on loopback, a kommune whose
filter drops API changes and a silenced kommune. The ledger's delivered rows are exactly what the
receivers got; the gap is flagged; JSON, CSV and HTML parse."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_end_to_end import VISIBLE, World

from monitor.cli.main import main
from monitor.config.load import load_rules
from monitor.deliver.silence import Matchers, add_silence
from monitor.demo.replay import build_feed
from monitor.report.compliance import build_report, coverage

BERGEN_TEAMS = '{name: teams, kind: teams, webhook: "env:E2E_BERGEN_TEAMS"}'
BERGEN_FILTERED = (
    '{name: teams, kind: teams, webhook: "env:E2E_BERGEN_TEAMS", categories: [downtime, error, resolved]}'
)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, real_dir: Path) -> Iterator[World]:
    """Baseline, then 22 more entries with Bergen filtered and Tromsø silenced, all delivered."""
    with pytest.MonkeyPatch.context() as patch:  # module scope: env set for the module only
        world = World(tmp_path_factory.mktemp("compliance"), real_dir, patch)
        path = world.rules.path
        path.write_text(
            path.read_text(encoding="utf-8").replace(BERGEN_TEAMS, BERGEN_FILTERED), encoding="utf-8"
        )
        world.rules = load_rules(path)
        world.serve(build_feed(VISIBLE[0]))
        world.poll_and_deliver()
        add_silence(
            world.db, world.rules, Matchers(kommune="5501"), until=world.clock + timedelta(days=2),
            reason="Slack-boten flyttes", now=world.clock,
        )  # fmt: skip
        for visible in VISIBLE[1:4]:  # a few new notices a poll: under the storm guard's limit
            world.serve(build_feed(visible))
            world.poll_and_deliver()
        yield world
        world.close()


def _report_json(world: World, *extra: str) -> dict[str, object]:
    return json.loads(_cli(world, "--format", "json", *extra))


def _cli(world: World, *arguments: str) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["report", "compliance", "--rules", str(world.rules.path), *arguments]) == 0
    return buffer.getvalue()


#: After the baseline poll (10:00 Oslo), before the poll that revealed entries 16-37 (11:00).
AFTER_BASELINE = "2024-01-27T10:30"


def test_report_ledger_delivered_rows_equal_what_the_receivers_got(run: World) -> None:
    report = _report_json(run, "--since", AFTER_BASELINE)
    delivered: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for kommune in report["kommuner"]:  # type: ignore[attr-defined]
        for row in kommune["ledger"]:
            statuses[f"{kommune['kommunenummer']}/{row['status']}"] += 1
            if row["status"] == "delivered":
                delivered[f"{kommune['kommunenummer']}/{row['channel']}"] += 1
                assert row["at"] is not None
    received = run.received()
    del received["admin/epost"]
    assert delivered == received
    assert sum(received.values()) > 20
    silenced = run.db.execute("SELECT count(*) FROM outbox WHERE state = 'silenced'").fetchone()[0]
    assert silenced > 0 and statuses["5501/silenced"] == silenced and statuses["5501/delivered"] == 0
    # The silence that held Tromsø's alerts is in its report, with who and why; in no other kommune's.
    held_by = {k["kommunenummer"]: k["silences"] for k in report["kommuner"]}  # type: ignore[attr-defined]
    assert {number: [s["matchers"] for s in found] for number, found in held_by.items()} == {
        "0301": [],
        "4601": [],
        "5501": ["kommune=5501"],
    }
    assert held_by["5501"][0]["reason"] == "Slack-boten flyttes"
    # Bergen's filtered rows: the four API changes about its APIs in entries 16-37, nothing else.
    bergen = next(k for k in report["kommuner"] if k["kommunenummer"] == "4601")  # type: ignore[attr-defined]
    filtered = [row for row in bergen["ledger"] if row["status"] == "filtered"]
    assert len(filtered) == 4 and {row["category"] for row in filtered} == {"api_change"}
    assert "Overgang til versjon 2 av Beregnet skatt API" in {row["title"] for row in filtered}
    assert sum(count for key, count in statuses.items() if key.endswith("/not_sent")) == 0
    # Over the whole history, what was not sent is the quiet baseline only.
    baseline = _report_json(run)["kommuner"][0]["ledger"]  # type: ignore[index]
    assert {row["detail"] for row in baseline if row["status"] == "not_sent"} == {
        "kilden ble lest første gang (stille start)"
    }


def test_report_flags_the_kommune_whose_filter_drops_api_changes(run: World) -> None:
    report = _report_json(run)
    gaps = {kommune["kommunenummer"]: kommune["gaps"] for kommune in report["kommuner"]}  # type: ignore[attr-defined]
    assert gaps == {"0301": [], "4601": ["api_change"], "5501": []}
    bergen = next(k for k in report["kommuner"] if k["kommunenummer"] == "4601")  # type: ignore[attr-defined]
    item = next(c for c in bergen["coverage"] if c["requirement"] == "api_change")
    assert item == {
        "requirement": "api_change",
        "channels": [],
        "filtered": [{"by": "teams", "why": "filteret slipper bare gjennom downtime, error, resolved"}],
        "gap": True,
    }
    text = _cli(run, "--kommune", "4601")
    assert "MANGLER  endringer i API-ene: ingen kanal får dem" in text
    assert "== Oslo" not in text


def test_coverage_a_prod_only_kommune_filter_is_a_gap_for_test_notices(run: World) -> None:
    rules = run.rules
    oslo = rules.kommuner[0]
    prod_only = dataclasses.replace(oslo, environments=frozenset({"prod"}))
    assert [c.requirement for c in coverage(prod_only) if c.gap] == ["test"]
    assert [c.requirement for c in coverage(oslo) if c.gap] == []


def test_report_csv_has_one_line_per_ledger_row_and_parses(run: World) -> None:
    rows = list(csv.DictReader(io.StringIO(_cli(run, "--format", "csv"))))
    report = build_report(run.db, run.rules, kommuner=list(run.rules.kommuner), since=None, now=run.clock)
    assert len(rows) == sum(len(kommune.ledger) for kommune in report.kommuner)
    assert set(rows[0]) >= {"kommunenummer", "varsel", "kanal", "status", "tidspunkt", "forklaring"}
    assert {row["status"] for row in rows} == {"levert", "dempet", "filtrert bort", "ikke sendt"}


def test_report_since_limits_the_ledger_to_the_period(run: World) -> None:
    everything = _report_json(run)
    later = _report_json(run, "--since", "2099-01-01")
    assert [len(k["ledger"]) for k in later["kommuner"]] == [0, 0, 0]  # type: ignore[attr-defined]
    assert sum(len(k["ledger"]) for k in everything["kommuner"]) > 0  # type: ignore[attr-defined]


class _Checker(HTMLParser):
    VOID = {"meta", "br", "hr", "img", "link", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"unexpected </{tag}> at {self.getpos()}")


def test_report_html_is_one_well_formed_self_contained_norwegian_page(run: World) -> None:
    page = _cli(run, "--format", "html")
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.problems == [] and checker.stack == []
    assert page.startswith("<!DOCTYPE html>") and '<html lang="nb">' in page
    assert checker.tags["h2"] == 3 and checker.tags["style"] == 1
    assert checker.tags["script"] == checker.tags["link"] == checker.tags["img"] == 0
    assert page.count("<caption>Dempinger som kunne holde tilbake kommunens varsler</caption>") == 1
    assert "@media print" in page and "Etterlevelsesrapport" in page and "MANGLER" in page
    assert (
        page.count('class="status-delivered"') == sum(run.received().values()) - run.received()["admin/epost"]
    )
