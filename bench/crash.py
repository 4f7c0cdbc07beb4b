"""Crash safety: SIGKILL the real daemon N times while it sends one notice to every kommune.

python3 bench/crash.py --kills N [--seed S] [--kommuner 357] [--timeout SECONDS] [--keep]

The bench runs, in this process, a replay of the real Atom feed (LocalServer) and local
receivers: one Slack webhook and one Teams Workflows URL per kommune (the receivers' own payload
checks, one path each) and one SMTP server (one address per kommune). It writes a rules file in
a temp folder, starts `python3 -m monitor run --rules ...` as a subprocess, waits for the quiet
baseline, then adds a notice that concerns "alle våre delingstjenester" (classified error, apis
["*"]) so every kommune is owed one message on each of its three channels. It kills the daemon
with SIGKILL N times at random moments (mostly while it delivers, some while it starts and
polls), restarts it each time, lets the last run finish, and counts what the receivers got per
(kommune, channel).

After each kill it reads, from the database, how many outbox items were claimed but not marked:
those were "in flight" and may have been delivered without being recorded, so each may arrive
twice. The target: lost = 0 and duplicates <= in flight. The last line is exactly
`lost=L duplicates=D deliveries=K kills=N`; the exit code is 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from monitor.demo.localserver import LocalServer, Request, Response, Route  # noqa: E402
from monitor.demo.receivers import SlackReceiver, SmtpReceiver, TeamsReceiver  # noqa: E402
from monitor.demo.replay import FEED_PATH, build_feed, feed_entry_count  # noqa: E402

SOURCE = "nyheter-atom"
CHANNELS = ("slack", "teams", "epost")
ATOM_TYPE = "application/atom+xml; charset=utf-8"
#: The notice every kommune is owed: "alle våre delingstjenester" → apis ["*"], "Vi undersøker" → error.
NOTICE_ID = "https://skatteetaten.github.io/api-dokumentasjon/nyheter-og-driftsvarsler/2024/01/29/crash-bench"
NEW_ENTRY = f"""    <entry>
        <title type="html"><![CDATA[Driftsproblemer på alle våre delingstjenester]]></title>
        <id>{NOTICE_ID}</id>
        <link href="{NOTICE_ID}"/>
        <updated>2024-01-29T08:00:00.000Z</updated>
        <summary type="html"><![CDATA[Vi har driftsproblemer på alle våre delingstjenester.]]></summary>
        <content type="html"><![CDATA[<p>Vi har for tiden driftsproblemer på alle våre delingstjenester.
Vi undersøker saken og oppdaterer når vi vet mer.</p>]]></content>
        <category label="driftsmelding" term="driftsmelding"/>
    </entry>
"""
#: Seconds to wait for a start (imports, migrations, first poll) before a kill anyway.
START_WAIT_SECONDS = 15.0
#: Share of kills aimed at start-up and polling rather than at delivery.
STARTUP_KILL_SHARE = 0.2
#: A first guess of the delivery rate (messages/s), replaced by the measured one.
RATE_GUESS = 40.0
POLL_SECONDS = 0.05

RULES_HEAD = """\
# Written by bench/crash.py: {count} kommuner x 3 channels, everything on loopback.
settings:
  state_dir: {state_dir}
  database: driftsvarsel.db
  smtp: {{host: 127.0.0.1, port: {smtp_port}, security: none, sender: driftsvarsel@bench.localhost}}
sources:
  - {{name: {source}, kind: atom, url: "{feed}", interval_seconds: 1, jitter_seconds: 0}}
probes:
  enabled: false
admin:
  - {{name: epost, kind: email, to: [admin@bench.localhost]}}
kommuner:
"""
KOMMUNE = """\
  - kommunenummer: "{number}"
    rettighetspakker: [kommuneForeldrebetaling]
    channels:
      - {{name: slack, kind: slack_webhook, webhook: "env:BENCH_SLACK_{number}"}}
      - {{name: teams, kind: teams, webhook: "env:BENCH_TEAMS_{number}"}}
      - {{name: epost, kind: email, to: [drift@k{number}.bench.localhost]}}
"""


class Tally:
    """Accepted messages per (kommune, channel), counted by the receivers' HTTP handlers."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def counting(self, check: Callable[[Request], Response], key: tuple[str, str]) -> Callable[..., Any]:
        """A handler that lets `check` (a receiver's own) judge the request and counts a 2xx."""

        def answer(request: Request) -> Response:
            response = check(request)
            if 200 <= response.status < 300:
                with self._lock:
                    self.counts[key] += 1
            return response

        return answer

    def snapshot(self) -> Counter[tuple[str, str]]:
        with self._lock:
            return Counter(self.counts)


@dataclass
class World:
    """The feed, the receivers and the files of one bench run."""

    folder: Path
    kommuner: list[str]
    feed: LocalServer
    slack: SlackReceiver
    teams: TeamsReceiver
    smtp: SmtpReceiver
    tally: Tally = field(default_factory=Tally)
    env: dict[str, str] = field(default_factory=dict)

    @property
    def database(self) -> Path:
        return self.folder / "state" / "driftsvarsel.db"

    def received(self) -> Counter[tuple[str, str]]:
        counts = self.tally.snapshot()
        for mail in self.smtp.received():
            for recipient in mail.rcpt_tos:
                if recipient.startswith("drift@k"):
                    counts[(recipient[len("drift@k") :].split(".")[0], "epost")] += 1
        return counts

    def delivered(self) -> int:
        return sum(self.received().values())


def load_kommuner(count: int) -> list[str]:
    text = resources.files("monitor").joinpath("data", "kommuner.csv").read_text("utf-8")
    numbers = [row["kommunenummer"] for row in csv.DictReader(io.StringIO(text))]
    if not 1 <= count <= len(numbers):
        raise SystemExit(f"--kommuner must be between 1 and {len(numbers)}, not {count}")
    return numbers[:count]


@contextmanager
def world(folder: Path, kommuner: list[str]) -> Iterator[World]:
    with ExitStack() as stack:
        here = World(
            folder=folder,
            kommuner=kommuner,
            feed=stack.enter_context(LocalServer()),
            slack=stack.enter_context(SlackReceiver()),
            teams=stack.enter_context(TeamsReceiver(sig="bench-signature")),
            smtp=stack.enter_context(SmtpReceiver()),
        )
        for number in kommuner:
            slack_path = f"/services/T0BENCH/B{number}/benchwebhook{number}"
            here.slack.server.route(slack_path, here.tally.counting(here.slack._webhook, (number, "slack")))
            teams_path = f"/workflows/k{number}/triggers/manual/paths/invoke"
            here.teams.server.route(teams_path, here.tally.counting(here.teams._invoke, (number, "teams")))
            here.env[f"BENCH_SLACK_{number}"] = here.slack.server.url(slack_path)
            here.env[f"BENCH_TEAMS_{number}"] = (
                here.teams.server.url(teams_path)
                + "?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sig=bench-signature"
            )
        yield here


def write_rules(here: World) -> Path:
    text = RULES_HEAD.format(
        count=len(here.kommuner),
        state_dir=here.folder / "state",
        smtp_port=here.smtp.port,
        source=SOURCE,
        feed=here.feed.url(FEED_PATH),
    ) + "".join(KOMMUNE.format(number=number) for number in here.kommuner)
    path = here.folder / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def serve_feed(feed: LocalServer, *, with_notice: bool) -> None:
    body = build_feed(feed_entry_count()).decode("utf-8")
    if with_notice:
        body = body.replace("<entry>", NEW_ENTRY.strip() + "\n    <entry>", 1)
        body = body.replace(
            "<updated>2024-01-26T12:00:00.000Z</updated>", "<updated>2024-01-29T08:00:00.000Z</updated>", 1
        )
    feed.route(FEED_PATH, Route(body.encode("utf-8"), ATOM_TYPE))


def query(database: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a read-only query, or [] while the database or table does not exist yet."""
    if not database.exists():
        return []
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        return connection.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        connection.close()


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(POLL_SECONDS)
    return condition()


class DaemonRunner:
    """Starts `python3 -m monitor run` and kills it; only ever the process it started itself."""

    def __init__(self, rules: Path, env: dict[str, str], log: TextIO) -> None:
        self.rules, self.log = rules, log
        self.env = {**os.environ, **env, "PYTHONPATH": str(REPO)}
        self.env.pop("JOURNAL_STREAM", None)
        self.env.pop("INVOCATION_ID", None)
        self.env.pop("NOTIFY_SOCKET", None)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "--rules", str(self.rules)],
            cwd=REPO,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()  # reaped: its pid no longer looks alive to the next start
        self.process = None

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()
            return -9
        self.process = None
        return code


@dataclass
class Run:
    """What the bench measured."""

    kills: int = 0
    in_flight: list[int] = field(default_factory=list)
    claims_seen: set[tuple[int, str]] = field(default_factory=set)
    delivering_seconds: float = 0.0
    delivered_while_timed: int = 0

    def rate(self) -> float:
        if self.delivering_seconds < 0.5 or self.delivered_while_timed < 10:
            return RATE_GUESS
        return self.delivered_while_timed / self.delivering_seconds


def finished(here: World) -> bool:
    owed = len(here.kommuner) * len(CHANNELS)
    rows = query(
        here.database,
        "SELECT count(*), sum(state = 'pending') FROM outbox WHERE kommune != 'admin'",
    )
    return bool(rows) and rows[0][0] == owed and not rows[0][1]


def claims(database: Path) -> set[tuple[int, str]]:
    """(outbox id, holder) of every item claimed and not marked: in flight when the holder died."""
    rows = query(
        database, "SELECT id, claimed_by FROM outbox WHERE state = 'pending' AND claimed_by IS NOT NULL"
    )
    return {(int(row[0]), str(row[1])) for row in rows}


def one_kill(
    here: World,
    daemon: DaemonRunner,
    run: Run,
    rng: random.Random,
    kills_left: int,
    *,
    start: bool,
    since: float,
) -> str:
    """Start the daemon (unless it runs), kill it at a random moment; returns a progress line."""
    owed = len(here.kommuner) * len(CHANNELS)
    before = here.delivered()
    started = time.monotonic()
    if start:
        daemon.start()
    if rng.random() < STARTUP_KILL_SHARE or finished(here):
        moment = "start-up"
        time.sleep(rng.uniform(0.0, 2.0))
    else:
        moment = "delivery"
        if not wait_for(lambda: here.delivered() > before or finished(here), START_WAIT_SECONDS):
            moment = "start-up (no delivery yet)"
        resumed = time.monotonic()
        remaining = max(owed - here.delivered(), 0)
        budget = remaining / run.rate() / (kills_left + 1)
        time.sleep(rng.uniform(0.0, 2.0 * budget))
        run.delivering_seconds += time.monotonic() - resumed
    daemon.kill()
    after = here.delivered()
    if moment == "delivery":
        run.delivered_while_timed += after - before
    run.kills += 1
    # Counted once per (item, holder): a start killed before it released the claims of the
    # one before does not count them again.
    new = claims(here.database) - run.claims_seen
    run.claims_seen |= new
    flying = len(new)
    run.in_flight.append(flying)
    return (
        f"kill {run.kills:>3} at {time.monotonic() - since:6.1f} s,"
        f" {time.monotonic() - started:5.2f} s after start ({moment}): "
        f"{after}/{owed} delivered (+{after - before}), in flight {flying}"
    )


def bench(kills: int, seed: int, kommune_count: int, timeout: float, keep: bool) -> int:
    rng = random.Random(seed)
    kommuner = load_kommuner(kommune_count)
    owed = len(kommuner) * len(CHANNELS)
    folder = Path(tempfile.mkdtemp(prefix="crash-bench-"))
    began = time.monotonic()
    with world(folder, kommuner) as here, open(folder / "daemon.log", "w", encoding="utf-8") as log:
        serve_feed(here.feed, with_notice=False)
        daemon = DaemonRunner(write_rules(here), here.env, log)
        print(f"crash bench: {len(kommuner)} kommuner x {len(CHANNELS)} channels = {owed} deliveries owed")
        print(f"folder: {folder} (seed {seed})", flush=True)
        try:
            daemon.start()
            baselined = (
                f"SELECT baselined_at FROM sources WHERE name = '{SOURCE}' AND baselined_at IS NOT NULL"
            )
            if not wait_for(lambda: bool(query(here.database, baselined)), 60):
                raise SystemExit(f"the daemon did not poll its baseline within 60 s; see {folder}/daemon.log")
            print(
                f"baseline polled after {time.monotonic() - began:.1f} s; the notice goes out now", flush=True
            )
            serve_feed(here.feed, with_notice=True)
            delivery_began = time.monotonic()
            run = Run()
            for index in range(kills):
                # The first kill hits the run that polled the baseline; it polls the notice next.
                print(
                    one_kill(
                        here, daemon, run, rng, kills - index - 1, start=index > 0, since=delivery_began
                    ),
                    flush=True,
                )
            if kills > 0:
                daemon.start()
            done = wait_for(lambda: finished(here), max(timeout - (time.monotonic() - began), 1.0))
            time.sleep(0.5)  # a straggler still on the wire would show up now
            code = daemon.stop()
            elapsed = time.monotonic() - delivery_began
            received = here.received()
        finally:
            if daemon.process is not None:  # an error above must not leave our daemon running
                daemon.kill()
    return report(received, kommuner, run, elapsed, done, code, folder, keep)


def report(
    received: Counter[tuple[str, str]],
    kommuner: list[str],
    run: Run,
    elapsed: float,
    done: bool,
    exit_code: int,
    folder: Path,
    keep: bool,
) -> int:
    owed = [(number, channel) for number in kommuner for channel in CHANNELS]
    lost = sum(1 for key in owed if received[key] == 0)
    duplicates = sum(max(received[key] - 1, 0) for key in owed)
    deliveries = sum(received[key] for key in owed)
    stray = sum(count for key, count in received.items() if key not in set(owed))
    flying = sum(run.in_flight)
    print(f"finished: {'yes' if done else 'NO (timeout)'}; last daemon exited with {exit_code}")
    print(
        f"elapsed {elapsed:.1f} s from the notice to the end; {deliveries / elapsed:.1f} deliveries/s overall"
    )
    print(f"delivery rate while running (measured between resume and kill): {run.rate():.1f}/s")
    print(f"in flight at kills: {flying} (per kill: {' '.join(map(str, run.in_flight)) or '-'})")
    print(f"deliveries to unknown targets: {stray}")
    target = lost == 0 and duplicates <= flying and stray == 0
    print(f"target (lost = 0, duplicates <= in flight): {'met' if target else 'MISSED'}")
    if keep or not target:
        print(f"kept: {folder}")
    else:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    print(f"lost={lost} duplicates={duplicates} deliveries={deliveries} kills={run.kills}")
    return 0 if target else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--kills", type=int, required=True, help="how many times to SIGKILL the daemon")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the kill moments (default 1)")
    parser.add_argument("--kommuner", type=int, default=357, help="how many kommuner (default: all 357)")
    parser.add_argument("--timeout", type=float, default=900.0, help="give up after this many seconds")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (rules, database, log)")
    args = parser.parse_args(argv)
    if args.kills < 0:
        parser.error("--kills must be 0 or more")
    return bench(args.kills, args.seed, args.kommuner, args.timeout, args.keep)


if __name__ == "__main__":
    raise SystemExit(main())
