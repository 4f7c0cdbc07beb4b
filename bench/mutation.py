"""Mutation testing of the core modules with mutmut: how many small code changes the tests catch.

    python bench/mutation.py --write          # the sampled run (SAMPLES below), table into RESULTS.md
    python bench/mutation.py --all            # every mutant (hours on 2 shared cores: config is big)
    python bench/mutation.py --only 'monitor/config/*'   # just those modules again, same sample
    python bench/mutation.py --only 'monitor/config/*' --only 'monitor/deliver/*'   # several globs
    python bench/mutation.py --report-only    # the table of the last runs (.mutation-results.json)

Which modules are mutated and which test files run is `[tool.mutmut]` in pyproject.toml; mutmut
runs, for each mutant, only the tests that cover the mutated function. The run is niced and works in
./mutants/ (a copy of the tree; never committed). Not part of CI's default run: it is slow.
--write rewrites the table in bench/RESULTS.md; a module with no result in .mutation-results.json
(not run from this checkout) keeps the row already in the table, with the date it was measured.
Survivors are written to mutants/survivors.diff for review; each one left over is listed in
bench/RESULTS.md with why it is harmless.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MUTANTS = REPO / "mutants"
RESULTS = REPO / "bench" / "RESULTS.md"
#: The last results per module, kept across runs (a run of some modules keeps the others' results).
CACHE = REPO / ".mutation-results.json"
#: Modules with more mutants than 2 shared cores test in reasonable time: how many to sample from
#: each. Every other module runs all its mutants.
SAMPLES = {
    "monitor/config/*": 40,
    "monitor/classify/category.py": 150,
    "monitor/store/outbox.py": 150,
    "monitor/deliver/render.py": 120,
}
BEGIN, END = "<!-- mutation-table:begin -->", "<!-- mutation-table:end -->"
#: mutmut's exit codes per mutant (mutmut/stats.py): a failing test, a timeout, a crash or a type
#: error means the change was caught; 0 means every test passed; 5/33 means no test covers it.
KILLED = {1, 3, 24, -24, 152, 255, 36, -11, -9, 37}
SURVIVED = {0}
NO_TESTS = {5, 33}


@dataclass
class Score:
    """Mutants of one module by outcome."""

    killed: int = 0
    survived: list[str] = field(default_factory=list)

    @property
    def mutants(self) -> int:
        return self.killed + len(self.survived)

    @property
    def percent(self) -> float:
        return 100.0 * self.killed / self.mutants if self.mutants else 0.0


def mutmut(*args: str) -> int:
    """Run mutmut from the repository root at the lowest CPU priority; its exit code."""
    command = ["nice", "-n", "19", sys.executable, "-m", "mutmut", *args]
    return subprocess.run(command, cwd=REPO, check=False).returncode


def exit_codes() -> dict[str, int | None]:
    """Mutant name → exit code of its test run (None: not run), from mutmut's .meta files."""
    codes: dict[str, int | None] = {}
    for meta in sorted((MUTANTS / "monitor").rglob("*.meta")):
        codes.update(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
    return codes


def module_of(name: str) -> str:
    """ "monitor.diff.x_diff__mutmut_4" → "monitor/diff.py"."""
    dotted = re.sub(r"\.(x_|xǁ)[^.]*$", "", name)
    return dotted.replace(".", "/") + ".py"


def scores(codes: dict[str, int | None]) -> dict[str, Score]:
    """Module → its score over the mutants that were run (not-run ones are left out)."""
    table: dict[str, Score] = {}
    for name, code in codes.items():
        if code is None:
            continue
        score = table.setdefault(module_of(name), Score())
        if code in KILLED:
            score.killed += 1
        elif code in SURVIVED or code in NO_TESTS:
            score.survived.append(name)
        else:
            raise SystemExit(f"mutant {name}: unknown mutmut exit code {code}; see mutmut/stats.py")
    return dict(sorted(table.items()))


def sample(codes: dict[str, int | None], sizes: dict[str, int], seed: int) -> list[str]:
    """Per module, every mutant, or `sizes[glob]` random ones (fixed seed, per module) for a module
    matching that glob. The same seed picks the same mutants as long as the module is unchanged."""
    by_module: dict[str, list[str]] = {}
    for name in sorted(codes):
        by_module.setdefault(module_of(name), []).append(name)
    chosen: list[str] = []
    for module, names in sorted(by_module.items()):
        size = next((size for glob, size in sizes.items() if fnmatch.fnmatch(module, glob)), len(names))
        chooser = random.Random(f"{seed}:{module}")
        chosen += chooser.sample(names, size) if size < len(names) else names
    return chosen


def how_chosen(module: str, sizes: dict[str, int], seed: int) -> str:
    """ "all", or "sample of N (seed S)" for a sampled module."""
    size = next((size for glob, size in sizes.items() if fnmatch.fnmatch(module, glob)), None)
    return "all" if size is None else f"sample of {size} (seed {seed})"


def markdown(table: dict[str, Score], runs: dict[str, dict[str, object]], kept: Sequence[str] = ()) -> str:
    """The RESULTS.md block: one row per module with its score, when it was run and how; `kept`
    rows (earlier runs, see `kept_rows`) are merged in by module name and counted in the total."""
    rows: dict[str, str] = {}
    counts: dict[str, tuple[int, int]] = {}  # module → (mutants, killed)
    for module, score in table.items():
        runs_of = runs[module]
        rows[module] = (
            f"| `{module}` | {score.mutants} | {score.killed} | {len(score.survived)} "
            f"| {score.percent:.1f} % | {runs_of['run']} | {runs_of['how']} |"
        )
        counts[module] = (score.mutants, score.killed)
    for row in kept:
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        module = cells[0].strip("`")
        rows[module] = row
        counts[module] = (int(cells[1]), int(cells[2]))
    mutants = sum(count[0] for count in counts.values())
    killed = sum(count[1] for count in counts.values())
    percent = 100.0 * killed / mutants if mutants else 0.0
    lines = [
        "| module | mutants | killed | survived | score | run | mutants chosen |",
        "|---|---:|---:|---:|---:|---|---|",
        *(rows[module] for module in sorted(rows)),
        f"| **all** | {mutants} | {killed} | {mutants - killed} | {percent:.1f} % | | |",
    ]
    return "\n".join(lines)


def kept_rows(text: str, fresh: set[str]) -> list[str]:
    """The module rows of the table in `text` whose module is not in `fresh`: results of earlier
    runs (their own date in the "run" column) that this checkout's cache does not hold."""
    if BEGIN not in text or END not in text:
        return []
    table = text.split(BEGIN, 1)[1].split(END, 1)[0]
    rows = []
    for line in table.splitlines():
        found = re.match(r"\| `([^`]+)` \|", line)
        if found and found.group(1) not in fresh:
            rows.append(line)
    return rows


def write_results(block: str) -> None:
    """Replace the table between the markers in bench/RESULTS.md (under "Mutation testing")."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if BEGIN not in text:
        text = text.rstrip("\n") + f"\n\n## Mutation testing\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    RESULTS.write_text(f"{head}{BEGIN}\n{block}\n{END}{tail}", encoding="utf-8")


def write_survivors(table: dict[str, Score]) -> Path:
    """Every survivor's diff (mutmut show) into mutants/survivors.diff, for review."""
    path = MUTANTS / "survivors.diff"
    with path.open("w", encoding="utf-8") as out:
        for score in table.values():
            for name in score.survived:
                shown = subprocess.run(
                    [sys.executable, "-m", "mutmut", "show", name],
                    cwd=REPO,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                out.write(shown.stdout + "\n")
    return path


def load_cache() -> dict[str, dict[str, object]]:
    """Module → {"run": date, "how": how its mutants were chosen, "codes": {name: exit code}}."""
    return json.loads(CACHE.read_text(encoding="utf-8")) if CACHE.exists() else {}


def update_cache(
    codes: dict[str, int | None], modules: set[str], sizes: dict[str, int], seed: int
) -> dict[str, dict[str, object]]:
    """Replace the cached results of `modules` by this run's (other modules keep their last run)."""
    cache = load_cache()
    today = f"{datetime.now(UTC):%Y-%m-%d}"
    for module in modules:
        every = [name for name in codes if module_of(name) == module]
        run = {name: codes[name] for name in every if codes[name] is not None}
        how = "all" if len(run) == len(every) else how_chosen(module, sizes, seed)  # a small module
        cache[module] = {"run": today, "how": how, "codes": run}
    CACHE.write_text(json.dumps(cache, indent=1, sort_keys=True), encoding="utf-8")
    return cache


def run(options: argparse.Namespace) -> set[str]:
    """Generate every mutant, run the chosen ones; the modules that were run."""
    shutil.rmtree(MUTANTS, ignore_errors=True)  # a fresh copy of the code and tests, fresh coverage
    children = ["--max-children", str(options.children)]
    subprocess.run(  # generates mutants/ and the coverage map, then finds no such mutant to run
        ["nice", "-n", "19", sys.executable, "-m", "mutmut", "run", *children, "no-such-mutant"],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    every = exit_codes()
    globs = options.only or ["*"]
    chosen = {
        name: code
        for name, code in every.items()
        if any(fnmatch.fnmatch(module_of(name), glob) for glob in globs)
    }
    names = list(chosen) if options.all else sample(chosen, SAMPLES, options.seed)
    if names:
        mutmut("run", *children, *names)
    return {module_of(name) for name in names}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument(
        "--only",
        action="append",
        metavar="GLOB",
        help="modules to run, e.g. 'monitor/config/*' (repeat for several; default every module)",
    )
    parser.add_argument("--all", action="store_true", help="every mutant, no sampling (hours)")
    parser.add_argument("--seed", type=int, default=18, help="the sample's seed (default 18)")
    parser.add_argument("--children", type=int, default=os.cpu_count() or 1, help="parallel test runs")
    parser.add_argument("--report-only", action="store_true", help="report the last runs; run nothing")
    parser.add_argument("--write", action="store_true", help="put the table into bench/RESULTS.md")
    options = parser.parse_args()

    if options.report_only:
        cache = load_cache()
    else:
        modules = run(options)
        cache = update_cache(exit_codes(), modules, {} if options.all else SAMPLES, options.seed)
    if not cache:
        print("no results yet: run without --report-only first", file=sys.stderr)
        return 1
    table: dict[str, Score] = {}
    for module, entry in sorted(cache.items()):
        codes: dict[str, int | None] = entry["codes"]  # type: ignore[assignment]
        table[module] = scores(codes).get(module, Score())
    existing = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    block = markdown(
        table, {module: entry for module, entry in cache.items()}, kept_rows(existing, set(table))
    )
    print(block)
    print(f"\nsurvivors: {write_survivors(table)}")
    if options.write:
        write_results(block)
        print(f"written to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
