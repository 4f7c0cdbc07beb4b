"""The suite stands on its own: a copy of the repository with nothing beside it collects and runs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: The research folder beside the steering checkout; spelt in pieces so that this file, which looks
#: for it, is not itself a match for the same search.
FOLDER = "sha" + "red"
OUTSIDE = re.compile(
    rf"\.\./{FOLDER}|parent\s*/\s*[\"']{FOLDER}[\"']|[\"'/]{FOLDER}/(corpus|labels|data|reference)"
)


def _tracked_files() -> list[Path]:
    """The files a fresh clone has: git's tracked and untracked-but-not-ignored files, else every file."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"],
            cwd=REPO,
            capture_output=True,
            check=True,
            timeout=30,
        ).stdout.decode()
        return [REPO / name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "mutants"}
        return [path for path in REPO.rglob("*") if path.is_file() and not skip & set(path.parts)]


def _copy_repository(destination: Path) -> Path:
    clone = destination / "clone" / "driftsvarsel-monitor"
    for source in _tracked_files():
        if not source.is_file():
            continue
        target = clone / source.relative_to(REPO)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return clone


def test_no_test_reads_files_outside_the_repository() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for path in sorted((REPO / "tests").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert offenders == []


def test_copy_without_shared_beside_it_collects_and_runs(tmp_path: Path) -> None:
    clone = _copy_repository(tmp_path)
    assert not (clone.parent / FOLDER).exists()
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-3000:]
    per_file = re.findall(r"^tests/\S+\.py: (\d+)$", collected.stdout, flags=re.M)
    assert sum(int(count) for count in per_file) > 500, collected.stdout[-500:]
    # Tests that read the real corpus, labels and schema pass in the copy too.
    ran = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "tests/test_evaluate.py",
            "tests/test_sources_atom.py",
            "tests/test_deliver_teams.py",
        ],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    summary = ran.stdout.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary) and "skipped" not in summary and "error" not in summary, summary
