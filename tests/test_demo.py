"""The README's first command: `driftsvarsel demo` runs the real pipeline on a local replay."""

from __future__ import annotations

import re
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
    # Log lines go to the demo's log file, never into its report.
    assert result.stderr == ""
    assert "monitor.fetch" in (state / "demo.log").read_text(encoding="utf-8")
    out = result.stdout
    # Counts agree with their noun; long titles end in "…"; the [*]/[-] marks are explained once.
    assert re.search(r"\b1 changes\b|\b1 messages\b", out) is None
    assert ", 1 change\n" in out and ", 2 changes\n" in out and "delivered: 0 messages" in out
    assert re.search(r"\] \S.{68}…\n", out), "no cut title"
    assert out.count("[*] every kommune API, [-] none of them") == 1
    assert out.index("[*] every kommune API") < out.index("[*] Driftsproblemer")
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


def test_demo_without_aiosmtpd_says_how_to_install_it(tmp_path: Path) -> None:
    # As on a machine where only `pip install .` ran: the import of aiosmtpd fails.
    code = (
        "import sys; sys.modules['aiosmtpd'] = None\n"
        "from monitor.cli import main\n"
        f"sys.exit(main(['demo', '--state-dir', {str(tmp_path / 'demo')!r}]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("Error: the demo needs aiosmtpd")
    assert "pip install '.[demo]'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "demo").exists()
