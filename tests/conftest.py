"""Fixtures shared by every test module."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only shared/ folder beside the checkout (corpus, labels, data, reference)."""
    if not (SHARED / "corpus").is_dir():
        pytest.fail(f"shared data not found at {SHARED}: CI and developers keep shared/ beside the repo")
    return SHARED


@pytest.fixture(scope="session")
def corpus_dir(shared_dir: Path) -> Path:
    return shared_dir / "corpus"
