"""Measure the classifier against labelled notices (shared/labels/*.jsonl, GUIDE.md format).

`evaluate(labels_path, files)` classifies each labelled post and compares field by field;
`format_report(report)` prints accuracy per field, a category confusion matrix, and every
misclassified id with expected vs got. Window start/end are measured only where the label
states that part.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from monitor.catalogue.components import component_apis
from monitor.classify import classify
from monitor.errors import UserError
from monitor.model import CATEGORIES, ENVIRONMENTS, Classification, Notice, Window
from monitor.sources.postfile import read_post

FIELDS = ("category", "planned", "apis", "environment", "window start", "window end")


@dataclass
class FieldScore:
    correct: int = 0
    total: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 1.0


@dataclass
class EvalReport:
    """Scores per field, the category confusion (expected → got → count), and the misses."""

    scores: dict[str, FieldScore] = field(default_factory=lambda: {name: FieldScore() for name in FIELDS})
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    misses: list[tuple[str, str, object, object]] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)
    count: int = 0
    #: (notice, its label as a Classification, the classifier's answer), for recipient scores.
    routed: list[tuple[Notice, Classification, Classification]] = field(default_factory=list)


def _labels(path: Path) -> list[dict[str, object]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise UserError(f"{path}: cannot read the labels: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise UserError(
            f"{path}: not UTF-8 text (byte {error.start}); labels are JSON lines in UTF-8 (see GUIDE.md)"
        ) from None
    labels = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            label = json.loads(line)
        except json.JSONDecodeError as error:
            raise UserError(f"{path}:{number}: not a JSON object: {error.msg}") from error
        if not isinstance(label, dict) or "id" not in label:
            raise UserError(f"{path}:{number}: a label needs an 'id' (the post's file name)")
        labels.append(label)
    if not labels:
        raise UserError(f"{path}: no labels in the file (one JSON object per line, see GUIDE.md)")
    return labels


def _post_paths(labels_path: Path, files: Sequence[Path] | None) -> dict[str, Path]:
    if files:
        return {path.name: path for path in files}
    folder = labels_path.parent.parent / "corpus" / "posts"
    return {path.name: path for path in folder.glob("*.md")} if folder.is_dir() else {}


def _window_part(label: dict[str, object], part: str) -> object:
    window = label.get("window")
    return window.get(part) if isinstance(window, dict) else None


def _score(report: EvalReport, name: str, notice_id: str, expected: object, got: object) -> None:
    score = report.scores[name]
    score.total += 1
    if expected == got:
        score.correct += 1
    else:
        report.misses.append((notice_id, name, expected, got))


def evaluate(labels_path: Path, files: Sequence[Path] | None = None) -> EvalReport:
    """Classify every labelled post found (in `files`, else `<labels>/../corpus/posts/`).

    Raises UserError for unreadable or empty labels, and when no labelled post is found; a post
    that is not found is listed in `missing_files` and not scored.
    """
    report = EvalReport()
    paths = _post_paths(labels_path, files)
    for label in _labels(labels_path):
        notice_id = str(label["id"])
        path = paths.get(notice_id)
        if path is None:
            if not files:  # with FILEs given, the labels of other posts are simply not asked for
                report.missing_files.append(notice_id)
            continue
        notice = read_post(path)
        classification = classify(notice, components=component_apis)
        got = classification.as_label(notice_id)
        expected_classification = label_classification(label)
        if expected_classification is not None:
            report.routed.append((notice, expected_classification, classification))
        report.count += 1
        expected_category, got_category = str(label.get("category")), str(got["category"])
        row = report.confusion.setdefault(expected_category, {})
        row[got_category] = row.get(got_category, 0) + 1
        for name in ("category", "planned", "apis", "environment"):
            _score(report, name, notice_id, label.get(name), got[name])
        for part in ("start", "end"):
            expected = _window_part(label, part)
            if expected is not None:
                _score(report, f"window {part}", notice_id, expected, _window_part(got, part))
    if report.count == 0:
        where = "among the FILEs given" if files else f"in {labels_path.parent.parent / 'corpus' / 'posts'}"
        raise UserError(
            f"{labels_path}: none of its labelled posts was found {where} "
            "(give the post files after LABELS.jsonl; a label's 'id' is the post's file name)"
        )
    return report


def label_classification(label: dict[str, object]) -> Classification | None:
    """A GUIDE label as a Classification (for routing), or None when it is not a well-formed label."""
    category = next((name for name in CATEGORIES if name == label.get("category")), None)
    environment = next((name for name in ENVIRONMENTS if name == label.get("environment")), None)
    apis = label.get("apis")
    if category is None or environment is None or not isinstance(apis, list):
        return None
    window = label.get("window")
    start, end = (window.get("start"), window.get("end")) if isinstance(window, dict) else (None, None)
    planned = label.get("planned")
    return Classification(
        category,
        planned if isinstance(planned, bool) else None,
        tuple(str(api) for api in apis),
        environment,
        Window(str(start), str(end) if end else None) if start else None,
    )


def format_report(report: EvalReport) -> str:
    """The report as plain text for a terminal."""
    lines = [f"{report.count} labelled notices classified"]
    if report.missing_files:
        lines.append(f"not found (not scored): {', '.join(report.missing_files)}")
    lines.append("")
    for name in FIELDS:
        score = report.scores[name]
        rate = f"{score.accuracy:7.1%}" if score.total else "    n/a"
        lines.append(f"  {name:<13} {rate}  ({score.correct}/{score.total})")
    lines += ["", "category confusion (rows expected, columns got):"]
    lines.append("  " + " " * 11 + "".join(f"{name[:10]:>11}" for name in CATEGORIES))
    for category in CATEGORIES:
        row = report.confusion.get(category, {})
        lines.append(f"  {category:<11}" + "".join(f"{row.get(column, 0):>11}" for column in CATEGORIES))
    lines += ["", f"misclassified ({len(report.misses)}):" if report.misses else "misclassified: none"]
    for notice_id, name, expected, got in report.misses:
        lines.append(f"  {notice_id}: {name}: expected {json.dumps(expected, ensure_ascii=False)}, "
                     f"got {json.dumps(got, ensure_ascii=False)}")  # fmt: skip
    return "\n".join(lines)
