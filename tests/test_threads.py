"""Finding the opening notice a resolution closes, with real corpus incident pairs."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.classify import classify
from monitor.model import Notice
from monitor.route.threads import Candidate, find_opening
from monitor.sources.postfile import read_post

OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture(scope="module")
def incidents(corpus_dir: Path) -> list[Candidate]:
    """Every error/downtime post of the corpus, as the pipeline would offer them."""
    items = []
    for path in sorted((corpus_dir / "posts").glob("*.md")):
        notice = read_post(path)
        result = classify(notice)
        if result.category in ("error", "downtime"):
            items.append((notice.notice_id, notice, result))
    return items


def _resolve(corpus_dir: Path, name: str, candidates: list[Candidate]) -> str | None:
    notice = read_post(corpus_dir / "posts" / name)
    result = classify(notice)
    assert result.category == "resolved"
    assert notice.published is not None
    return find_opening(notice, result, candidates, notice.published + timedelta(minutes=1))


@pytest.mark.parametrize(
    ("resolution", "opening"),
    [
        ("2024-05-08-Driftsproblemer-løst.md", "2024-05-08-Driftsproblemer.md"),
        ("2024-03-30-driftsvarsel-loest.md", "2024-03-30-driftsvarsel.md"),
        ("2023-11-28-normal-drift.md", "2023-11-28-driftsproblemer.md"),
        ("2024-05-16-Driftsvarsel-løst.md", "2024-05-16-Driftsvarsel.md"),
        ("2024-06-25-Driftsproblemer-motorvogn-løst.md", "2024-06-25-driftsproblem-motorvogn.md"),
        ("2023-11-13-normal-drift.md", "2023-11-13-driftsvarsel.md"),
        ("2022-06-30-09-15-løst-ustabilitet.md", "2022-06-29-09-15-ustabilitet.md"),
    ],
)
def test_find_opening_pairs_real_incidents(
    corpus_dir: Path, incidents: list[Candidate], resolution: str, opening: str
) -> None:
    assert _resolve(corpus_dir, resolution, incidents) == opening


def test_find_opening_returns_none_without_a_recent_incident(
    corpus_dir: Path, incidents: list[Candidate]
) -> None:
    # The last incident before 2022-08-03 is from 2022-06-29: too old to be the one closed.
    assert _resolve(corpus_dir, "2022-08-03-13-40-ustabilitet.md", incidents) is None


def test_find_opening_skips_an_incident_about_another_service(
    corpus_dir: Path, incidents: list[Candidate]
) -> None:
    motorvogn_fixed = read_post(corpus_dir / "posts" / "2024-06-25-Driftsproblemer-motorvogn-løst.md")
    other = Notice(
        "file", "krav.md", "Driftsvarsel", "Vi har for tiden problemer med kravogbetaling-api.", "",
        datetime(2024, 6, 25, 6, 0, tzinfo=OSLO),
    )  # fmt: skip
    candidates = [("krav.md", other, classify(other))]
    assert motorvogn_fixed.published is not None
    assert (
        find_opening(motorvogn_fixed, classify(motorvogn_fixed), candidates, motorvogn_fixed.published)
        is None
    )


def test_find_opening_ignores_later_and_non_incident_candidates(corpus_dir: Path) -> None:
    fixed = read_post(corpus_dir / "posts" / "2024-05-08-Driftsproblemer-løst.md")
    later = read_post(corpus_dir / "posts" / "2024-05-22-Driftsproblemer.md")
    news = read_post(corpus_dir / "posts" / "2024-05-27-ny-statusside.md")
    candidates = [(notice.notice_id, notice, classify(notice)) for notice in (later, news)]
    assert fixed.published is not None
    assert find_opening(fixed, classify(fixed), candidates, fixed.published) is None
