"""The README's first command: `driftsvarsel demo` runs the real pipeline on a local replay."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_demo_replays_delivers_to_every_kommune_and_shows_probe_history(tmp_path: Path) -> None:
    state = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "demo", "--state-dir", str(state)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout
    assert "== baseline" in out and "delivered: 0 messages" in out.split("== poll 1")[0]
    for owner in ("Oslo / slack", "Oslo / epost", "Bergen / teams", "Tromsø / bot", "Administrator / epost"):
        assert f"-- {owner}: " in out, f"{owner} received nothing"
    assert "ikke varslet av Skatteetaten" in out, "the unannounced Inntekt outage was not alerted"
    assert "(svar i tråd)" in out, "the resolution was not threaded on the Slack bot"
    status = out.split("== Health probes (driftsvarsel status)")[1]
    assert "Inntekt API" in status and "50.0 %" in status
    checked = out.split("== Sources (driftsvarsel sources check)")[1]
    assert "  entries: 3; newest: 'Planlagt vedlikehold på testmiljøene 08.06.2024'" in checked
    assert "2 sources checked: 0 with problems, 0 with warnings" in checked
    # The database stays for the other commands.
    listing = subprocess.run(
        [sys.executable, "-m", "monitor", "outbox", "--rules", str(state / "rules.yaml"), "--state", "dead"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
    )
    assert listing.returncode == 0, listing.stderr
