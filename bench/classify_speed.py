"""Time to classify every corpus post (reading the files is timed separately).

python3 bench/classify_speed.py [POSTS_DIR]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from monitor.classify import classify, load_vocabulary  # noqa: E402
from monitor.sources.postfile import read_post  # noqa: E402


def main() -> int:
    corpus = REPO / "tests" / "fixtures" / "skatteetaten" / "corpus" / "posts"
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else corpus
    paths = sorted(folder.glob("*.md"))
    started = time.perf_counter()
    notices = [read_post(path) for path in paths]
    read = time.perf_counter() - started
    started = time.perf_counter()
    load_vocabulary()
    compiled = time.perf_counter() - started
    started = time.perf_counter()
    for notice in notices:
        classify(notice)
    first = time.perf_counter() - started
    rounds = 5
    started = time.perf_counter()
    for _ in range(rounds):
        for notice in notices:
            classify(notice)
    per_round = (time.perf_counter() - started) / rounds
    print(f"{len(notices)} posts from {folder}")
    print(f"read:       {read * 1000:8.1f} ms")
    print(f"vocabulary: {compiled * 1000:8.1f} ms (once per process)")
    each = per_round / max(len(notices), 1) * 1000
    print(f"first pass: {first * 1000:8.1f} ms for all posts")
    print(f"classify:   {per_round * 1000:8.1f} ms for all posts ({each:.2f} ms each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
