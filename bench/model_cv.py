"""Leave-one-batch-out cross-validation of the category model (cross-validation, NOT first sight).

For each blind batch k in tests/fixtures/blind: train the model on every other labelled notice in
the repository (dev labels + corpus posts, the red-team set, the other blind batches) and score
batch k with (a) the rules alone, (b) the model alone, (c) the blend (monitor.classify.blend).
The rules have seen every batch, so (a) is optimistic; (b) and (c) are compared fairly with the
rules' first-sight rows in tests/fixtures/redteam/FIRST_SIGHT.md.

    python bench/model_cv.py [--thresholds 0.9,0.99,0.999]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from monitor.catalogue.components import component_apis
from monitor.classify import classify
from monitor.classify.blend import blend_category
from monitor.classify.learned import NaiveBayes, features, train
from monitor.cli.firstsight import OUTAGES
from monitor.model import Category, Classification, Notice
from monitor.sources.postfile import read_post

sys.path.insert(0, str(Path(__file__).resolve().parent))
from replay_rules import replay  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
DEV = FIXTURES / "skatteetaten" / "labels" / "dev.jsonl"
DEV_POSTS = FIXTURES / "skatteetaten" / "corpus" / "posts"
REDTEAM = FIXTURES / "redteam"
BLIND = FIXTURES / "blind"
LOG = REDTEAM / "FIRST_SIGHT.md"
_ROW = re.compile(r"^\| (batch\d+) \|.*\| ([0-9a-f]{7,40}) \|$")


def first_sight_commits() -> dict[str, str]:
    """Batch → the classifier commit its first-sight row was logged with."""
    rows = (_ROW.match(line) for line in LOG.read_text(encoding="utf-8").splitlines())
    return {row.group(1): row.group(2) for row in rows if row}


@dataclass(frozen=True)
class Example:
    """One labelled notice: where it comes from, the notice, and its label."""

    group: str
    notice: Notice
    label: dict[str, object]

    @property
    def category(self) -> Category:
        return self.label["category"]  # type: ignore[return-value]


def _read(group: str, labels: Path, folder: Path) -> list[Example]:
    found = []
    for line in labels.read_text(encoding="utf-8").splitlines():
        if line.strip():
            label = json.loads(line)
            path = folder / str(label["id"])
            if path.is_file():
                found.append(Example(group, read_post(path), label))
    return found


def blind_batches() -> list[str]:
    """The blind batches in the repository, in order (batch1, batch2, ..., batch10, ...)."""
    names = [path.name for path in BLIND.glob("batch*") if (path / "labels.jsonl").is_file()]
    return sorted(names, key=lambda name: int(name.removeprefix("batch")))


def labelled_examples(batches: list[str] | None = None) -> list[Example]:
    """Every labelled notice in the repository (the given blind batches only, when named)."""
    examples = _read("dev", DEV, DEV_POSTS) + _read("redteam", REDTEAM / "labels.jsonl", REDTEAM)
    for batch in blind_batches() if batches is None else batches:
        examples += _read(batch, BLIND / batch / "labels.jsonl", BLIND / batch)
    return examples


def fit(examples: list[Example]) -> NaiveBayes:
    """The category model trained on these examples."""
    return train(
        (features(item.notice.title or "", item.notice.text or ""), item.category) for item in examples
    )


def _fields(label: dict[str, object]) -> tuple[object, object, object]:
    return label["category"], label["apis"], label["environment"]


def _score(examples: list[Example], answers: list[Classification]) -> tuple[int, int, int, int]:
    category = apis = environment = missed = 0
    for item, answer in zip(examples, answers, strict=True):
        got = answer.as_label(item.notice.notice_id)
        category += got["category"] == item.label["category"]
        apis += got["apis"] == item.label["apis"]
        environment += got["environment"] == item.label["environment"]
        missed += item.label["category"] in OUTAGES and got["category"] in ("info", "api_change")
    return category, apis, environment, missed


def _cell(category: int, apis: int, environment: int, missed: int, count: int, alone: bool = False) -> str:
    if alone:
        return f"{category / count:.3f} / - / - / {missed}"
    return f"{category / count:.3f} / {apis / count:.3f} / {environment / count:.3f} / {missed}"


def _predict(model: NaiveBayes, item: Example) -> Category:
    return model.predict(features(item.notice.title or "", item.notice.text or "")).category


def _alone(model: NaiveBayes, held: list[Example]) -> tuple[int, int, int, int]:
    answers = [_predict(model, item) for item in held]
    hits = sum(answer == item.category for answer, item in zip(answers, held, strict=True))
    lost = sum(
        item.category in OUTAGES and answer in ("info", "api_change")
        for answer, item in zip(answers, held, strict=True)
    )
    return hits, 0, 0, lost


def _blend_old(
    model: NaiveBayes, held: list[Example], old: dict[str, dict[str, object]], threshold: float
) -> tuple[int, int, int, int]:
    category = apis = environment = missed = 0
    for item in held:
        rules = old[item.notice.notice_id]
        reasons = [str(reason) for reason in rules["reasons"]]  # type: ignore[attr-defined]
        weak = any("safety net" in reason for reason in reasons)
        prediction = model.predict(features(item.notice.title or "", item.notice.text or ""))
        got, _ = blend_category(rules["category"], reasons, weak, prediction, threshold)  # type: ignore[arg-type]
        category += got == item.category
        apis += rules["apis"] == item.label["apis"]
        environment += rules["environment"] == item.label["environment"]
        missed += item.category in OUTAGES and got in ("info", "api_change")
    return category, apis, environment, missed


def _print_table(
    title: str, rows: dict[str, dict[str, tuple[int, int, int, int]]], sizes: dict[str, int]
) -> None:
    print(f"\n{title}\n(category / apis / environment / missed outages; model alone: category only)")
    names = list(next(iter(rows.values())))
    print("| batch | n | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    totals = {name: [0, 0, 0, 0] for name in names}
    for batch, columns in rows.items():
        for name, values in columns.items():
            totals[name] = [total + value for total, value in zip(totals[name], values, strict=True)]
        cells = [_cell(*columns[name], sizes[batch], alone=name.startswith("model alone")) for name in names]
        print(f"| {batch} | {sizes[batch]} | " + " | ".join(cells) + " |")
    count = sum(sizes[batch] for batch in rows)
    print(
        f"| all | {count} | "
        + " | ".join(_cell(*totals[name], count, alone=name.startswith("model alone")) for name in names)
        + " |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thresholds", default="0.9,0.99,0.999")
    thresholds = [float(value) for value in parser.parse_args().thresholds.split(",")]
    everything = labelled_examples()
    batches = blind_batches()
    commits = first_sight_commits()
    sizes = {batch: sum(item.group == batch for item in everything) for batch in batches}
    today: dict[str, dict[str, tuple[int, int, int, int]]] = {}
    replayed: dict[str, dict[str, tuple[int, int, int, int]]] = {}
    for position, batch in enumerate(batches):
        held = [item for item in everything if item.group == batch]
        others = fit([item for item in everything if item.group != batch])
        rules = [classify(item.notice, components=component_apis, use_model=False) for item in held]
        columns = {"rules now (have seen it)": _score(held, rules), "model alone": _alone(others, held)}
        for value in thresholds:
            answers = [
                classify(item.notice, components=component_apis, category_model=others, model_threshold=value)
                for item in held
            ]
            columns[f"blend with rules now, p>={value}"] = _score(held, answers)
        today[batch] = columns
        if batch not in commits:
            continue
        earlier = fit([item for item in everything if item.group not in batches[position:]])
        old = replay(commits[batch], BLIND / batch)
        columns = {
            "rules at first sight": _blend_old(others, held, old, 2.0),
            "model alone, earlier data": _alone(earlier, held),
        }
        for value in thresholds:
            columns[f"blend, p>={value}, all other data"] = _blend_old(others, held, old, value)
            columns[f"blend, p>={value}, earlier data"] = _blend_old(earlier, held, old, value)
        replayed[batch] = columns
    _print_table(
        "A. Leave-one-batch-out against today's rules (fixed on batches 1-8, so optimistic there; "
        "never changed for 9 on)",
        today,
        sizes,
    )
    _print_table(
        "B. The rules replayed at each batch's logged first-sight commit, blended with a model that has not "
        "seen the batch\n(all other data: every other labelled notice; earlier data: dev, red team, earlier "
        "batches only)",
        replayed,
        sizes,
    )


if __name__ == "__main__":
    main()
