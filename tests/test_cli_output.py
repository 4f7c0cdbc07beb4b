"""How every command prints: one time helper (Europe/Oslo with the UTC offset), and a reader that
goes away early (`driftsvarsel ... | head`) ends the command quietly, as git does (exit 141)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from monitor.localtime import local_date, local_iso, local_time, window_time

REPO = Path(__file__).resolve().parent.parent


def test_local_time_says_its_zone_in_winter_and_summer() -> None:
    assert local_time(datetime(2026, 12, 6, 22, 10, tzinfo=UTC)) == "2026-12-06 23:10 +01:00"
    assert (
        local_time(datetime(2026, 7, 1, 22, 10, 5, tzinfo=UTC), seconds=True) == "2026-07-02 00:10:05 +02:00"
    )
    assert local_time(datetime(2026, 12, 6, 22, 10)) == "2026-12-06 23:10 +01:00"  # naive is UTC (the store)
    assert local_time(None) == "-" and local_time(None, missing="aldri") == "aldri"


def test_local_iso_and_date_and_window_time() -> None:
    assert local_iso(datetime(2026, 3, 29, 1, 30, 7, 999, tzinfo=UTC)) == "2026-03-29T03:30:07+02:00"
    assert local_iso(None) is None
    assert local_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "2027-01-01"
    assert window_time("2026-12-06T23:10") == "2026-12-06 23:10 +01:00"
    assert window_time(None) == "?" and window_time("i kveld") == "i kveld"


def test_closed_pipe_ends_the_command_quietly_with_141(corpus_dir: Path) -> None:
    post = str(corpus_dir / "posts" / "2017-03-29-i-prod.md")
    # About 300 kB of output: far more than a pipe holds, so the writer meets the closed pipe.
    command = [sys.executable, "-m", "monitor", "classify", *([post] * 2000)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # like `| head -1`
    error = process.stderr.read()
    assert process.wait(timeout=120) == 141
    assert first.startswith(b'{"id": "2017-03-29-i-prod.md"')
    assert error == b""
