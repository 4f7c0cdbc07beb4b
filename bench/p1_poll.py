"""P1: CPU per poll of an unchanged feed (304), the running daemon against urlwatch 2.29.

python3 bench/p1_poll.py [--polls 2000] [--urlwatch-runs 15]

One local server (in this process) serves the real atom.xml with ETag/Last-Modified. The daemon
side runs in a child process: `Daemon.poll` (the scheduler's job: fetch, record, metrics) after a
baseline and a warm-up, CPU measured with `time.process_time()` around the polls. urlwatch is
installed with pip into a venv this script makes (kept in the temp folder for the next run) and
watches the same URL; it is a run-per-check tool (cron), so its figure is CPU per run, measured
as the children's rusage. Last line: `P1 ratio=1/NN ...` (target: 1/50 or better).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchkit import REPO, child_env, children_cpu, machine, median, quiet_logging, rss_mb, run_child

sys.path.insert(0, str(REPO))

FEED = REPO / "tests" / "fixtures" / "skatteetaten" / "corpus" / "html" / "nyheter-og-driftsvarsler__atom.xml"
URLWATCH = "urlwatch==2.29"
VENV = Path(tempfile.gettempdir()) / "driftsvarsel-bench-urlwatch"
RULES = """\
settings:
  state_dir: {state}
  smtp: {{host: 127.0.0.1, port: 2525, security: none, sender: driftsvarsel@bench.localhost}}
sources:
  - {{name: nyheter-atom, kind: atom, url: "{url}", interval_seconds: 60}}
probes:
  enabled: false
kommuner:
  - kommunenummer: "0301"
    apis: ["*"]
    channels:
      - {{name: epost, kind: email, to: [drift@oslo.bench.localhost]}}
admin:
  - {{name: epost, kind: email, to: [admin@bench.localhost]}}
"""
WARM_UP = 20


def child(rules: str, polls: int) -> None:
    """The daemon's poll job, `polls` times, on an unchanged feed; prints CPU per poll as JSON."""
    quiet_logging()
    from monitor.service.daemon import Daemon
    from monitor.store import sources as source_store

    daemon = Daemon(Path(rules))
    name = daemon.rules.sources[0].name
    for _ in range(1 + WARM_UP):  # the baseline, then the client and caches warm up
        daemon.poll(name)
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(polls):
        daemon.poll(name)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - started
    state = source_store.get_source_state(daemon.db(), name)
    print(
        json.dumps(
            {"cpu_ms": cpu / polls * 1000, "wall_ms": wall / polls * 1000, "status": state.last_status,
             "rss_mb": rss_mb()}
        )
    )  # fmt: skip


def urlwatch_python() -> Path:
    python = VENV / "bin" / "python"
    if not (VENV / "bin" / "urlwatch").exists():
        print(f"installing {URLWATCH} into {VENV} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", URLWATCH], check=True, timeout=600)
    return VENV / "bin" / "urlwatch"


def urlwatch_cpu_ms(url: str, folder: Path, runs: int) -> float:
    """CPU per `urlwatch` run (median), each a fresh process as from cron, after one first run."""
    executable = urlwatch_python()
    (folder / "urls.yaml").write_text(f"name: feed\nurl: {url}\n", encoding="utf-8")
    command = [
        str(executable), "--urls", str(folder / "urls.yaml"), "--config", str(folder / "urlwatch.yaml"),
        "--cache", str(folder / "cache.db"), "--hooks", str(folder / "hooks.py"),
    ]  # fmt: skip
    env = child_env({"HOME": str(folder), "EDITOR": "true", "VISUAL": "true"})
    subprocess.run(command, env=env, capture_output=True, check=False, timeout=120)  # creates config, cache
    figures = []
    for _ in range(runs):
        before = children_cpu()
        done = subprocess.run(command, env=env, capture_output=True, check=False, timeout=120)
        if done.returncode != 0:
            raise SystemExit(f"urlwatch failed: {done.stderr.decode()[-2000:]}")
        figures.append((children_cpu() - before) * 1000)
    return median(figures)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=2000, help="daemon polls measured (default 2000)")
    parser.add_argument("--urlwatch-runs", type=int, default=15, help="urlwatch runs measured (default 15)")
    parser.add_argument("--repeats", type=int, default=3, help="daemon measurements; the median counts")
    parser.add_argument("--child", nargs=2, metavar=("RULES", "POLLS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return 0
    from monitor.demo.localserver import LocalServer, Route

    with LocalServer() as server, tempfile.TemporaryDirectory(prefix="p1-") as temp:
        folder = Path(temp)
        server.route("/atom.xml", Route(FEED.read_bytes(), "application/atom+xml; charset=utf-8"))
        url = server.url("/atom.xml")
        ours = []
        for repeat in range(args.repeats):
            rules = folder / f"rules{repeat}.yaml"
            rules.write_text(RULES.format(state=folder / f"state{repeat}", url=url), encoding="utf-8")
            result = run_child(Path(__file__), [str(rules), str(args.polls)])
            print(f"driftsvarsel: {result['cpu_ms']:.2f} ms CPU per poll (status {result['status']}, "
                  f"{result['wall_ms']:.2f} ms wall, RSS {result['rss_mb']:.0f} MB)", flush=True)  # fmt: skip
            ours.append(result["cpu_ms"])
        theirs = urlwatch_cpu_ms(url, folder, args.urlwatch_runs)
    mine = median(ours)
    print(f"urlwatch 2.29: {theirs:.0f} ms CPU per run (median of {args.urlwatch_runs})")
    print(f"machine: {machine()}")
    ratio = f"1/{theirs / mine:.0f}"
    print(f"P1 ratio={ratio} driftsvarsel_cpu_ms={mine:.2f} urlwatch_cpu_ms={theirs:.0f} target=1/50")
    return 0


if __name__ == "__main__":
    sys.exit(main())
