"""What the P1–P6 benchmarks share: a child-process runner, CPU and RSS readings, the machine.

Each bench runs the measured side in a child process (the servers and receivers stay in the
parent), so the child's CPU time is the monitor's own and not the loopback servers'.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def machine() -> str:
    """ "N cores, M GB RAM, Python X" for the result lines."""
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return f"{os.cpu_count()} cores, {pages / 2**30:.1f} GB RAM, Python {platform.python_version()}"


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, **(extra or {}), "PYTHONPATH": str(REPO)}
    for name in ("NOTIFY_SOCKET", "JOURNAL_STREAM", "INVOCATION_ID", "WATCHDOG_USEC"):
        env.pop(name, None)
    return env


def run_child(script: Path, args: list[str], env: dict[str, str] | None = None, timeout: float = 900) -> Any:
    """Run `script --child ARGS` and return the JSON object on its last stdout line."""
    done = subprocess.run(
        [sys.executable, str(script), "--child", *args],
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"{script.name} child failed (exit {done.returncode})")
    return json.loads(lines[-1])


def children_cpu() -> float:
    """CPU seconds (user + system) of every waited-for child so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def rss_mb(pid: int | None = None) -> float:
    """Resident set size of `pid` (default: this process) in MB, from /proc."""
    status = Path(f"/proc/{pid or os.getpid()}/status").read_text()
    kilobytes = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return kilobytes / 1024


def median(values: list[float]) -> float:
    return statistics.median(values)


def quiet_logging() -> None:
    """Log like the daemon (INFO, one line per fetch), to /dev/null: the formatting is paid for."""
    import logging

    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 (lives as long as the process)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
