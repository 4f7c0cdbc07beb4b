"""Rebuild the shipped category model, monitor/data/category_model.json, from the labelled notices.

    python bench/train_model.py           write the file
    python bench/train_model.py --check   exit 1 when the file differs from a rebuild

Trained on every labelled notice in the repository (tests/fixtures: dev labels + corpus posts, the
red-team set, every blind batch in tests/fixtures/blind). Deterministic: the same notices give the
same bytes. A blind batch joins the training data only after its first-sight row is logged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from model_cv import fit, labelled_examples  # noqa: E402

MODEL = Path(__file__).resolve().parent.parent / "monitor" / "data" / "category_model.json"


def build() -> str:
    """The model file's text, trained on every labelled notice in the repository."""
    return fit(labelled_examples()).to_json()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with the shipped file instead of writing"
    )
    text = build()
    if parser.parse_args().check:
        same = MODEL.is_file() and MODEL.read_text(encoding="utf-8") == text
        print(f"{MODEL.name}: {'up to date' if same else 'differs from a rebuild: run bench/train_model.py'}")
        return 0 if same else 1
    MODEL.write_text(text, encoding="utf-8")
    print(f"wrote {MODEL} ({len(text.encode())} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
