"""`evaluate` / `format_report` and the `classify` and `eval` commands, run as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from monitor.cli.evaluate import evaluate, format_report

REPO = Path(__file__).resolve().parent.parent
LABEL_KEYS = ["id", "category", "planned", "apis", "environment", "window"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )


def test_evaluate_reports_misses_and_confusion(real_dir: Path, tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    post = real_dir / "corpus" / "posts" / "2024-05-08-Driftsproblemer.md"
    wrong = {"id": post.name, "category": "downtime", "planned": False, "apis": ["*"],
             "environment": "prod", "window": {"start": "2024-05-08T10:30", "end": None}}  # fmt: skip
    labels.write_text(json.dumps(wrong) + "\n\n", encoding="utf-8")
    report = evaluate(labels, [post])
    assert report.count == 1
    assert report.scores["category"].accuracy == 0.0
    assert report.scores["apis"].accuracy == 1.0
    assert report.scores["window end"].total == 0
    assert report.confusion == {"downtime": {"error": 1}}
    text = format_report(report)
    assert f'{post.name}: category: expected "downtime", got "error"' in text
    assert "window start" in text and "category confusion" in text


def test_evaluate_finds_posts_next_to_the_labels(real_dir: Path) -> None:
    report = evaluate(real_dir / "labels" / "dev.jsonl")
    assert report.count == 150 and report.missing_files == []


def test_cli_classify_prints_one_label_per_file(corpus_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("---\ntitle: x\n", encoding="utf-8")
    first = corpus_dir / "posts" / "2022-04-19-14-50-nedetid.md"
    last = corpus_dir / "posts" / "2024-05-08-Driftsproblemer-løst.md"
    result = _run("classify", str(first), str(bad), str(last))
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"Error: {bad}: front matter starts with '---' but is never closed; add a '---' line after it"
    )
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [list(line) for line in lines] == [LABEL_KEYS, LABEL_KEYS]
    assert lines[0] == {
        "id": "2022-04-19-14-50-nedetid.md", "category": "downtime", "planned": True, "apis": ["*"],
        "environment": "prod", "window": {"start": "2022-04-21T08:00", "end": "2022-04-21T16:00"},
    }  # fmt: skip
    assert lines[1]["category"] == "resolved" and lines[1]["window"] is None


def test_cli_classify_explain_adds_reasons(corpus_dir: Path) -> None:
    result = _run("classify", "--explain", str(corpus_dir / "posts" / "2017-05-22-inntektsmottaker_patch.md"))
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout)
    assert list(line) == [*LABEL_KEYS, "reasons", "unsure"]
    assert any("'Inntektsmottaker' → inntekt" in reason for reason in line["reasons"])
    assert line["unsure"] == []


def test_cli_eval_prints_the_report(real_dir: Path) -> None:
    result = _run("eval", str(real_dir / "labels" / "dev.jsonl"))
    assert result.returncode == 0, result.stderr
    assert "150 labelled notices classified" in result.stdout
    assert "category confusion" in result.stdout


def test_format_report_with_files_scores_only_those_and_says_n_a_for_nothing(real_dir: Path) -> None:
    post = real_dir / "corpus" / "posts" / "2024-05-08-Driftsproblemer.md"
    text = format_report(evaluate(real_dir / "labels" / "dev.jsonl", [post]))
    assert text.startswith("1 labelled notices classified")
    assert "not found" not in text
    assert "window start      n/a  (0/0)" in text


def test_eval_first_sight_log_appends_once_per_batch(tmp_path: Path) -> None:
    folder = REPO / "tests" / "fixtures" / "blind" / "batch1"
    posts = [str(path) for path in sorted(folder.glob("*.md"))[:3]]
    log = tmp_path / "FIRST_SIGHT.md"
    args = ["eval", str(folder / "labels.jsonl"), *posts, "--first-sight-log", str(log), "--batch", "b1"]
    first = _run(*args)
    assert first.returncode == 0, first.stderr
    rows = [line for line in log.read_text(encoding="utf-8").splitlines() if line.startswith("| b1 |")]
    assert len(rows) == 1
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert cells[2] == "3" and cells[3].endswith("(3/3)") and cells[9] == "0"
    again = _run(*args)
    assert again.returncode == 1
    assert "batch 'b1' already has its first-sight row" in again.stderr
    assert log.read_text(encoding="utf-8").count("| b1 |") == 1


def test_eval_first_sight_log_needs_a_batch_name(tmp_path: Path) -> None:
    folder = REPO / "tests" / "fixtures" / "blind" / "batch1"
    post = str(sorted(folder.glob("*.md"))[0])
    result = _run("eval", str(folder / "labels.jsonl"), post, "--first-sight-log", str(tmp_path / "log.md"))
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "Error: --first-sight-log needs --batch NAME (a name without '|', e.g. batch1)"
    )
    assert not (tmp_path / "log.md").exists()


def test_append_first_sight_puts_the_row_after_the_table_before_the_notes(tmp_path: Path) -> None:
    from monitor.cli.firstsight import HEADER, append_first_sight

    log = tmp_path / "FIRST_SIGHT.md"
    log.write_text(HEADER + "| b1 | x |\n\n## Notes\n\n- b1: hand note\n", encoding="utf-8")
    append_first_sight(log, "b2", "| b2 | y |\n")
    assert log.read_text(encoding="utf-8").endswith("| b1 | x |\n| b2 | y |\n\n## Notes\n\n- b1: hand note\n")
