"""Time and peak memory for the hostile inputs of issue 13 (each must end in well under a second).

python3 bench/hostile.py
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from delivery_samples import make_alert  # noqa: E402

from monitor.config.types import SourceConfig  # noqa: E402
from monitor.deliver import mail, slack, teams  # noqa: E402
from monitor.deliver.render import render_alert  # noqa: E402
from monitor.sources import SourceFormatError, parse_body  # noqa: E402


def alias_chain(levels: int) -> bytes:
    lines = ["openapi: 3.0.0", "paths: {}", 'a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    lines.append(f"info: {{title: *a{levels}}}")
    return "\n".join(lines).encode()


def measure(name: str, call: Callable[[], object]) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        call()
        outcome = "ok"
    except SourceFormatError as error:
        outcome = f"refused: {str(error)[:70]}"
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{name:<34} {seconds * 1000:8.1f} ms  peak {peak / 1e6:7.1f} MB  {outcome}")


def main() -> int:
    spec = SourceConfig(name="spec", kind="openapi", url="https://x.api.skatteetaten.no/spec.yaml")
    status = SourceConfig(name="status", kind="statuspage_api", url="https://status.skatteetaten.no/x")
    deep = b'{"incidents": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    measure("OpenAPI YAML alias chain, 9 levels", lambda: parse_body(alias_chain(9), spec))
    measure("incidents.json nested 100,000", lambda: parse_body(deep, status))
    message = render_alert(make_alert(title="x" * 100_000, text="y " * 50_000))
    measure("render 100,000-character title", lambda: render_alert(make_alert(title="x" * 100_000)))
    measure("Teams card of it", lambda: teams.payload_bytes(message))
    measure("Slack blocks of it", lambda: slack.build_payload(message))
    now = datetime(2024, 5, 1, tzinfo=UTC)
    measure("email of it", lambda: mail.build_email(message, sender="a@b.no", to=("c@d.no",), now=now))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
