"""The classifier on the blind batches (tests/fixtures/blind/batchN), after they were scored.

Each batch was written and labelled (GUIDE.md) by a helper that never read the classifier, and its
first-sight score is in tests/fixtures/redteam/FIRST_SIGHT.md. Once seen, a batch is a regression
set: the general changes made after reading it must keep holding on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.cli.evaluate import evaluate
from monitor.cli.firstsight import missed_outages

BLIND = Path(__file__).parent / "fixtures" / "blind"
BATCHES = ("batch1", "batch2", "batch3", "batch4", "batch5", "batch6", "batch7", "batch8")
#: Batches scored after the category model came: each must keep at least its first-sight scores and
#: the category/APIs/environment targets (windows are held at first sight only).
MODEL_BATCHES = ("batch9", "batch10", "batch11", "batch12")
LATER_BATCHES = tuple(f"batch{number}" for number in range(13, 25))
#: Batches scored last, held at their first-sight scores only (the environment reading changed after
#: them; they are not fixed to the targets).
SHIPPED_BATCHES = tuple(f"batch{number}" for number in (25, 26, 27, 28, 30, 29, *range(31, 55)))
CORE = ("category", "apis", "environment")
LOG = Path(__file__).parent / "fixtures" / "redteam" / "FIRST_SIGHT.md"
TARGETS = {"category": 0.97, "apis": 0.95, "environment": 0.95, "window start": 0.90, "window end": 0.90}


@pytest.mark.parametrize("batch", BATCHES)
def test_blind_batch_meets_targets_and_misses_no_outage(batch: str) -> None:
    folder = BLIND / batch
    report = evaluate(folder / "labels.jsonl", sorted(folder.glob("*.md")))
    assert report.count == 45 and not report.missing_files
    for field, target in TARGETS.items():
        assert report.scores[field].accuracy >= target, [miss for miss in report.misses if miss[1] == field]
    assert missed_outages(report) == []


def _first_sight_row(batch: str) -> dict[str, float]:
    line = next(
        line for line in LOG.read_text(encoding="utf-8").splitlines() if line.startswith(f"| {batch} |")
    )
    cells = [cell.strip() for cell in line.split("|")[1:-1]]
    return {
        field: float(cells[index].split()[0])
        for field, index in (("category", 3), ("apis", 4), ("environment", 5), ("window start", 7))
    }


@pytest.mark.parametrize("batch", MODEL_BATCHES + LATER_BATCHES + SHIPPED_BATCHES)
def test_model_batch_keeps_its_first_sight_scores_and_misses_no_outage(batch: str) -> None:
    folder = BLIND / batch
    report = evaluate(folder / "labels.jsonl", sorted(folder.glob("*.md")))
    assert report.count == 45 and not report.missing_files
    for field, first_sight in _first_sight_row(batch).items():
        assert round(report.scores[field].accuracy, 3) >= first_sight, field
    for field in CORE if batch not in SHIPPED_BATCHES else ():
        assert report.scores[field].accuracy >= TARGETS[field], [m for m in report.misses if m[1] == field]
    assert missed_outages(report) == []


def test_first_sight_log_has_one_row_per_batch() -> None:
    log = LOG.read_text(encoding="utf-8")
    # The first-sight table's rows have 11 cells (batch, date, size, six scores, missed outages, commit).
    rows = [line for line in log.splitlines() if line.startswith("| batch") and line.count("|") == 12]
    rows = [row for row in rows if "| date |" not in row]
    assert [row.split("|")[1].strip() for row in rows] == list(
        BATCHES + MODEL_BATCHES + LATER_BATCHES + SHIPPED_BATCHES
    )
