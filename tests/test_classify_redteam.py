"""The classifier on the red-team notices (tests/fixtures/redteam): new wording the rules were not
written from (nynorsk, typos, English loan words, many ways to write times, status-page texts,
postponed and cancelled maintenance). They stand in for the held-back notices, so they are held at
what is reached; the labels were written per shared/labels/GUIDE.md before the classifier ran.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.cli.evaluate import EvalReport, evaluate

REDTEAM = Path(__file__).parent / "fixtures" / "redteam"
#: Held at what the classifier reaches on the 233 red-team notices: field → (right, scored). A
#: miss that comes back is listed below with the count lowered, never hidden.
SCORED = {
    "category": (233, 233),
    "planned": (233, 233),
    "apis": (233, 233),
    "environment": (233, 233),
    "window start": (70, 70),
    "window end": (64, 64),
}
#: (file, field, expected, got): none since the category model's blend (rt207, a nynorsk summer
#: info notice, was read as an error by the rules alone).
KNOWN_MISSES: list[tuple[str, str, str, str]] = []


@pytest.fixture(scope="module")
def report() -> EvalReport:
    return evaluate(REDTEAM / "labels.jsonl", sorted(REDTEAM.glob("*.md")))


def test_redteam_set_is_complete(report: EvalReport) -> None:
    assert report.count == 233 and not report.missing_files


@pytest.mark.parametrize("field", sorted(SCORED))
def test_redteam_set_holds_its_score(report: EvalReport, field: str) -> None:
    score = report.scores[field]
    assert (score.correct, score.total) == SCORED[field], [miss for miss in report.misses if miss[1] == field]


def test_redteam_misses_only_the_known_one(report: EvalReport) -> None:
    assert report.misses == KNOWN_MISSES


def test_redteam_never_calls_an_outage_info_or_api_change(report: EvalReport) -> None:
    for expected in ("downtime", "error"):
        row = report.confusion.get(expected, {})
        assert row.get("info", 0) == 0 and row.get("api_change", 0) == 0, (expected, report.misses)
