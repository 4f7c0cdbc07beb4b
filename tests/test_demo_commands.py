"""silence, report compliance and rules backtest work on the database `driftsvarsel demo` leaves."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.cli.main import main

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo_rules(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    state = tmp_path_factory.mktemp("demo") / "driftsvarsel-demo"
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "demo", "--state-dir", str(state)],
        cwd=state.parent,
        capture_output=True,
        text=True,
        timeout=180,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    yield state / "rules.yaml"


def _run(*argv: str) -> tuple[int, str]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(list(argv))
    return code, buffer.getvalue()


def test_demo_database_takes_silences(demo_rules: Path) -> None:
    rules = str(demo_rules)
    code, out = _run("silence", "add", "--kommune", "4601", "--api", "inntekt", "--until", "1d",
                     "--reason", "Bergen bytter Teams-kanal", "--rules", rules)  # fmt: skip
    assert code == 0 and out.startswith("silence 1 added: kommune=4601 api=inntekt until ")
    code, out = _run("silence", "list", "--json", "--rules", rules)
    [silence] = json.loads(out)["silences"]
    assert (silence["id"], silence["active"], silence["held"]) == (1, True, 0)
    assert _run("silence", "expire", "1", "--replay", "--rules", rules) == (
        0,
        "silence 1 expired; 0 held alert(s) re-queued\n",
    )
    code, out = _run("outbox", "--state", "silenced", "--rules", rules)
    assert code == 0 and out.splitlines()[-1].endswith("silenced 0)")


def test_demo_database_gives_a_compliance_report_in_every_format(demo_rules: Path) -> None:
    rules = str(demo_rules)
    code, out = _run("report", "compliance", "--format", "json", "--rules", rules)
    report = json.loads(out)
    assert code == 0 and [k["kommunenummer"] for k in report["kommuner"]] == ["0301", "4601", "5501", "4621"]
    delivered = sum(k["counts"]["delivered"] for k in report["kommuner"])
    # Every notice alert delivered to a kommune in the demo (probe alerts are not notices).
    outbox = _run("outbox", "--json", "--state", "done", "--rules", rules)[1]
    notice_items = [
        item
        for item in json.loads(outbox)["items"]
        if item["kommune"] != "admin" and item["notice_key"] and not item["notice_key"].startswith("probe:")
    ]
    assert delivered == len(notice_items) > 0
    rows = list(
        csv.DictReader(io.StringIO(_run("report", "compliance", "--format", "csv", "--rules", rules)[1]))
    )
    assert len(rows) == sum(len(k["ledger"]) for k in report["kommuner"])
    code, page = _run("report", "compliance", "--format", "html", "--kommune", "0301", "--rules", rules)
    assert code == 0 and page.count("<h2>") == 1 and page.rstrip().endswith("</html>")
    code, text = _run("report", "compliance", "--since", "2024-06-01", "--rules", rules)
    assert code == 0 and text.startswith("Etterlevelsesrapport, laget ")


def test_demo_database_backtests_its_own_rules_with_no_difference(demo_rules: Path) -> None:
    code, out = _run("rules", "backtest", "--since", "2024-01-01", "--json", "--rules", str(demo_rules))
    result = json.loads(out)
    assert code == 0 and result["totals"] == {"added": 0, "dropped": 0}
    assert result["versions"] > 0 and sum(c["actual"] for c in result["channels"]) > 0
