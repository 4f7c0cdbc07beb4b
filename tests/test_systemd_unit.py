"""The shipped systemd unit: valid for systemd 252, hardened (exposure <= 1.5), and documented."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
UNIT = REPO / "systemd" / "driftsvarsel.service"
MAX_EXPOSURE = 1.5

needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is not installed (apt install systemd); the unit cannot be checked here",
)


def _security(unit: Path) -> tuple[int, float, str]:
    """(exit code, overall exposure, output) of the offline security check with threshold 1.5."""
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", f"--threshold={int(MAX_EXPOSURE * 10)}", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", output)
    assert match, f"no exposure level in systemd-analyze output:\n{output}"
    return result.returncode, float(match.group(1)), output


def _runnable_copy(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at an executable that exists here (verify checks it)."""
    executable = shutil.which("driftsvarsel") or sys.executable
    text = re.sub(r"(?m)^ExecStart=\S+", f"ExecStart={executable}", UNIT.read_text(encoding="utf-8"))
    copy = tmp_path / UNIT.name
    copy.write_text(text, encoding="utf-8")
    return copy


def _directives(section: str) -> list[tuple[str, str]]:
    text = UNIT.read_text(encoding="utf-8")
    body = text.split(f"[{section}]", 1)[1].split("\n[", 1)[0]
    return [
        (key.strip(), value.strip())
        for line in body.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
        for key, _, value in [line.partition("=")]
    ]


@needs_systemd_analyze
def test_unit_security_exposure_is_at_most_1_5(tmp_path: Path) -> None:
    code, exposure, output = _security(_runnable_copy(tmp_path))
    assert exposure <= MAX_EXPOSURE, output
    assert code == 0, output


@needs_systemd_analyze
def test_unit_security_gate_fails_for_an_unhardened_unit(tmp_path: Path) -> None:
    bare = tmp_path / "bare.service"
    bare.write_text(f"[Service]\nType=notify\nExecStart={sys.executable}\n", encoding="utf-8")
    code, exposure, _ = _security(bare)
    assert exposure > MAX_EXPOSURE
    assert code != 0


@needs_systemd_analyze
def test_unit_verify_passes(tmp_path: Path) -> None:
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", "--recursive-errors=no", str(_runnable_copy(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Unknown key" not in result.stderr, result.stderr


def test_unit_has_notify_watchdog_reload_and_state() -> None:
    service = dict(_directives("Service"))
    assert service["Type"] == "notify"  # notify-reload needs systemd 253; Debian 12 has 252
    assert service["WatchdogSec"]
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert service["Restart"] == "on-failure"
    assert service["StateDirectory"] == "driftsvarsel"
    assert service["ConfigurationDirectory"] == "driftsvarsel"
    assert service["ExecStart"].endswith("driftsvarsel run")
    assert ("Environment", "DRIFTSVARSEL_RULES=/etc/driftsvarsel/rules.yaml") in _directives("Service")


def test_unit_hardening_lines_each_say_when_to_relax() -> None:
    # Groups are separated by blank lines; each starts with its comment.
    text = UNIT.read_text(encoding="utf-8")
    hardening = text.split("# ---- Hardening", 1)[1].split("\n[", 1)[0]
    for paragraph in hardening.strip().split("\n\n")[1:]:
        lines = paragraph.splitlines()
        comments = [line for line in lines if line.startswith("#")]
        assert lines[: len(comments)] == comments, f"comment first, then settings:\n{paragraph}"
        assert "relax" in " ".join(comments).lower(), f"no 'relax ...' comment for:\n{paragraph}"
        assert len(lines) > len(comments), f"a comment without a setting:\n{paragraph}"


def test_unit_loads_every_credential_rules_yaml_refers_to() -> None:
    loaded = {
        value.split(":", 1)[0] for key, value in _directives("Service") if key.startswith("LoadCredential")
    }
    rules = (REPO / "rules.yaml").read_text(encoding="utf-8")
    referenced = {
        match
        for line in rules.splitlines()
        if not line.lstrip().startswith("#")
        for match in re.findall(r"\bcred:([A-Za-z0-9_][A-Za-z0-9_.@-]*)", line.split(" #", 1)[0])
    }
    assert referenced <= loaded, f"add LoadCredential= lines for {sorted(referenced - loaded)}"


def test_unit_caps_memory() -> None:
    # Issue 13 row 1: whatever slips past the parsers' limits ends in an OOM kill of this unit alone.
    service = dict(_directives("Service"))
    assert service["MemoryMax"] == "512M"
    assert service["MemorySwapMax"] == "0"
