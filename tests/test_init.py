"""`driftsvarsel init [DIR]`: the starter rules.yaml and unit from the package, never overwriting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from monitor.cli.init import TEMPLATES, template_text

REPO = Path(__file__).resolve().parent.parent
#: The repository's files that the package's templates must equal.
REPO_FILES = {
    "rules.yaml": REPO / "rules.yaml",
    "driftsvarsel.service": REPO / "systemd" / "driftsvarsel.service",
}


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=60,
        check=False,
    )


def test_templates_equal_the_repository_rules_and_unit() -> None:
    assert set(TEMPLATES) == set(REPO_FILES)
    for name, path in REPO_FILES.items():
        assert template_text(name) == path.read_text(encoding="utf-8"), (
            f"monitor/data/templates/{name} differs from {path.relative_to(REPO)}: "
            "copy the one you edited over the other"
        )


def test_init_writes_starter_that_passes_rules_check_offline(tmp_path: Path) -> None:
    result = _cli("init", "etc", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in (tmp_path / "etc").iterdir())
    assert written == ["driftsvarsel.service", "rules.yaml"]
    assert result.stdout.startswith(
        f"Wrote {Path('etc') / 'rules.yaml'} and {Path('etc') / 'driftsvarsel.service'}."
    )
    for name in TEMPLATES:
        assert (tmp_path / "etc" / name).read_text(encoding="utf-8") == template_text(name)
    check = _cli("rules", "check", "--offline", "etc/rules.yaml", cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("etc/rules.yaml: OK (3 kommuner")


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text("# mine\n", encoding="utf-8")
    result = _cli("init", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (
        f"Error: {Path('.') / 'rules.yaml'} already exists; nothing was written "
        "(move it away, or give init another directory)\n"
    )
    assert (tmp_path / "rules.yaml").read_text(encoding="utf-8") == "# mine\n"
    assert not (tmp_path / "driftsvarsel.service").exists()


def test_init_into_an_unwritable_place_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    result = _cli("init", str(blocker / "sub"), cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"Error: cannot write in {blocker / 'sub'}: ")
