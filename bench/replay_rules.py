"""Replay the rules classifier of an old commit on a folder of posts (for bench/model_cv.py).

    python bench/replay_rules.py COMMIT FOLDER   -> per post: id, category, reasons, apis, environment

The commit's `monitor/` package is extracted with `git archive` into a temporary folder and run in a
child process, so today's package is not disturbed. The commits are those logged in
tests/fixtures/redteam/FIRST_SIGHT.md: the rules as they were when each batch was first seen (the
rules alone, also where that commit blended them with the category model).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import json, sys
from pathlib import Path
from monitor.classify import classify
from monitor.sources.postfile import read_post
try:
    from monitor.catalogue.components import component_apis
except ImportError:
    component_apis = None
for path in sorted(Path(sys.argv[1]).glob("*.md")):
    notice = read_post(path)
    try:  # the rules alone: commits with the category model take use_model
        answer = classify(notice, components=component_apis, use_model=False)
    except TypeError:
        answer = classify(notice, components=component_apis) if component_apis else classify(notice)
    print(json.dumps({"id": path.name, "category": answer.category, "reasons": list(answer.reasons),
                      "apis": list(answer.apis), "environment": answer.environment}, ensure_ascii=False))
"""


def replay(commit: str, folder: Path) -> dict[str, dict[str, object]]:
    """The old commit's answers per post id."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "monitor"],
        check=True,
        capture_output=True,
    ).stdout
    with tempfile.TemporaryDirectory(prefix="replay-rules-") as temporary:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(temporary, filter="data")
        output = subprocess.run(
            [sys.executable, "-c", CHILD, str(folder.resolve())],
            check=True,
            capture_output=True,
            text=True,
            cwd=temporary,
            env={"PYTHONPATH": temporary, "PATH": "/usr/bin:/bin"},
        ).stdout
    answers = [json.loads(line) for line in output.splitlines() if line.strip()]
    return {str(answer["id"]): answer for answer in answers}


if __name__ == "__main__":
    for answer in replay(sys.argv[1], Path(sys.argv[2])).values():
        print(json.dumps(answer, ensure_ascii=False))
