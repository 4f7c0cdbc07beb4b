"""Fixtures shared by every test module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.deliver import clients

REPO = Path(__file__).resolve().parent.parent
REAL = REPO / "tests" / "fixtures" / "skatteetaten"


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """Real Skatteetaten files kept in the repository (corpus, labels, data); see its README.md."""
    return REAL


@pytest.fixture(scope="session")
def corpus_dir(real_dir: Path) -> Path:
    return real_dir / "corpus"


@pytest.fixture(autouse=True)
def _no_pooled_smtp_between_tests() -> Iterator[None]:
    """Pooled SMTP connections end with their test (a stand-in server stops with the test)."""
    yield
    clients.close()
