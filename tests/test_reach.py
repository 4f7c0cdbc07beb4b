"""Recipient recall and precision (monitor/cli/reach.py) and the `eval` lines that print them."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from monitor.catalogue.apis import RETTIGHETSPAKKE_SCOPES
from monitor.cli.reach import generated_rules, measure
from monitor.model import Classification, Notice

REPO = Path(__file__).resolve().parent.parent
NOTICE = Notice(
    "nyheter-atom",
    "n1",
    "Feil i Inntekt API",
    "Vi undersøker.",
    "",
    published=datetime(2025, 1, 2, tzinfo=UTC),
)


def _error(*apis: str) -> Classification:
    return Classification("error", None, apis, "prod", None)


def test_generated_rules_cover_every_kommune_and_rettighetspakke() -> None:
    rules = generated_rules()
    assert len(rules.kommuner) == 357
    assert len({kommune.number for kommune in rules.kommuner}) == 357
    used = {pakke for kommune in rules.kommuner for pakke in kommune.rettighetspakker}
    assert used == set(RETTIGHETSPAKKE_SCOPES)
    assert all(len(kommune.channels) == 3 for kommune in rules.kommuner)


def test_measure_counts_missed_and_needless_recipients() -> None:
    rules = generated_rules()
    inntekt = sum("inntekt" in kommune.apis for kommune in rules.kommuner)
    assert 0 < inntekt < 357
    wide = measure([(NOTICE, _error("inntekt"), _error("*"))], rules)
    # An error in prod passes every channel filter: three channels per kommune.
    assert (wide.expected, wide.reached, wide.sent) == (3 * inntekt, 3 * inntekt, 3 * 357)
    assert wide.recall == 1.0 and wide.precision == inntekt / 357
    narrow = measure([(NOTICE, _error("*"), _error("inntekt"))], rules)
    assert (narrow.expected, narrow.reached, narrow.sent) == (3 * 357, 3 * inntekt, 3 * inntekt)
    assert narrow.recall == inntekt / 357 and narrow.precision == 1.0


def test_cli_eval_prints_recipient_recall_and_precision() -> None:
    folder = REPO / "tests" / "fixtures" / "blind" / "batch3"
    posts = [str(path) for path in sorted(folder.glob("*.md"))]
    command = [sys.executable, "-m", "monitor", "eval", str(folder / "labels.jsonl"), *posts]
    result = subprocess.run(
        [*command, "--rules", str(REPO / "rules.yaml")], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    start = lines.index("recipients (kommune × channel; targets recall ≥ 0.999, precision ≥ 0.98):")
    example, generated = lines[start + 1], lines[start + 2]
    assert example.startswith(f"  rules {REPO / 'rules.yaml'}: recall 1.0000 (")
    assert generated.startswith("  generated rules, 357 kommuner × 3 channels: recall 1.0000 (")
