"""The first-sight log: one committed line per blind batch, scored before the classifier saw it.

`first_sight_entry(report, batch, commit, today)` turns an `EvalReport` into one markdown table row;
`append_first_sight(log, row)` adds it after the log's last row (creating the file with its header),
and refuses a batch that is already logged: a batch's first sight happens once, later runs are not
first sight.
"""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

from monitor.cli.evaluate import EvalReport
from monitor.errors import UserError

HEADER = (
    "# First-sight scores of the classifier on blind batches\n\n"
    "Each row is written by `driftsvarsel eval LABELS FILES --first-sight-log THIS --batch NAME` the first\n"
    "time the classifier runs on a batch, before any change made after reading it. A change to the\n"
    "classifier is judged by the next batch's row, never by the batch it was fixed on.\n"
    "Missed outages: notices labelled error or downtime that were classified info or api_change.\n\n"
    "| batch | date | size | category | apis | environment | planned | window start | window end "
    "| missed outages | classifier commit |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|\n"
)
OUTAGES = ("error", "downtime")
QUIET = ("info", "api_change")


def missed_outages(report: EvalReport) -> list[str]:
    """Ids of notices labelled error/downtime but classified info/api_change."""
    return sorted(
        notice_id
        for notice_id, name, expected, got in report.misses
        if name == "category" and expected in OUTAGES and got in QUIET
    )


def _score(report: EvalReport, name: str) -> str:
    score = report.scores[name]
    return f"{score.accuracy:.3f} ({score.correct}/{score.total})" if score.total else "n/a"


def first_sight_entry(report: EvalReport, batch: str, commit: str, today: date) -> str:
    """One markdown table row for the log."""
    missed = missed_outages(report)
    cells = [
        batch,
        today.isoformat(),
        str(report.count),
        *(_score(report, name) for name in ("category", "apis", "environment", "planned")),
        *(_score(report, name) for name in ("window start", "window end")),
        f"{len(missed)}" + (f" ({', '.join(missed)})" if missed else ""),
        commit,
    ]
    return "| " + " | ".join(cells) + " |\n"


def append_first_sight(log: Path, batch: str, row: str) -> None:
    """Append `row` to `log` (with the header when new). Raises UserError if `batch` is logged already."""
    try:
        text = log.read_text(encoding="utf-8") if log.exists() else ""
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"{log}: cannot read the first-sight log: {error}") from error
    if any(line.startswith(f"| {batch} |") for line in text.splitlines()):
        raise UserError(
            f"{log}: batch {batch!r} already has its first-sight row; a batch is seen for the first time "
            "only once (run eval without --first-sight-log to score it again)"
        )
    if not text:
        text = HEADER
    elif not text.endswith("\n"):
        text += "\n"
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(_after_last_row(text, row), encoding="utf-8")
    except OSError as error:
        raise UserError(f"{log}: cannot write the first-sight log: {error.strerror or error}") from error


def _after_last_row(text: str, row: str) -> str:
    """`text` with `row` after the first table's last row (hand-written notes below it stay below)."""
    lines = text.splitlines(keepends=True)
    separator = next((index for index, line in enumerate(lines) if line.startswith("|---")), None)
    if separator is None:
        return text + row
    end = separator + 1
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return "".join(lines[:end]) + row + "".join(lines[end:])


def classifier_commit(repo: Path) -> str:
    """The short commit of `repo`, with "+modified" when the classifier has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True, text=True, timeout=10
        )
        status = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "monitor/classify",
                "monitor/data/vocabulary.yaml",
                "monitor/data/category_model.json",
            ],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if head.returncode != 0:
        return "unknown"
    return head.stdout.strip() + ("+modified" if status.stdout.strip() else "")


def log_first_sight(report: EvalReport, log: Path, batch: str | None) -> str:
    """Append the batch's row to `log`; returns what to print. Raises UserError without a batch name."""
    if not batch or "|" in batch:
        raise UserError("--first-sight-log needs --batch NAME (a name without '|', e.g. batch1)")
    commit = classifier_commit(Path(__file__).resolve().parents[2])
    row = first_sight_entry(report, batch, commit, date.today())
    append_first_sight(log, batch, row)
    return f"first-sight row for {batch} appended to {log}"
