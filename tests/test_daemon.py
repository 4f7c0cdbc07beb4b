"""The daemon as systemd runs it: a real `python -m monitor run` process, real signals, a real
sd_notify socket, a loopback feed (the real Skatteetaten feed, replayed) and loopback receivers.

Every test polls for what it waits for (with a deadline) and kills the child in teardown.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from monitor.config.load import load_rules
from monitor.demo.localserver import LocalServer, Route
from monitor.demo.receivers import SlackReceiver, SmtpReceiver
from monitor.demo.replay import FEED_PATH, build_feed
from monitor.demo.run import Gateway
from monitor.pipeline import poll_source
from monitor.service import metrics
from monitor.service import ops as service
from monitor.service.daemon import Daemon
from monitor.store import open_db

REPO = Path(__file__).resolve().parent.parent
#: The baseline shows the 30 oldest entries of the real feed; entry 31 (an error on "flere
#: systemer", so about every API) then reaches every kommune.
BASELINE_ENTRIES = 30
ENTRY_31_TITLE = "Flere systemer og tjenester opplever problemer"
#: Python start-up, migrations and the first jobs; generous for a loaded CI machine.
START_TIMEOUT = 30.0
WAIT_TIMEOUT = 20.0
WATCHDOG_USEC = 2_000_000
SLACK_TOKEN = "xoxb-daemon-test-token"
OSLO = ZoneInfo("Europe/Oslo")

RULES = """\
settings:
  state_dir: {state_dir}
  database: driftsvarsel.db
  slack_api_url: {slack_api}
  metrics_listen: 127.0.0.1:0
  healthz_max_age_seconds: 600
{heartbeat}  smtp:
    host: 127.0.0.1
    port: {smtp_port}
    security: none
    sender: driftsvarsel@test.localhost
sources:
  - {{name: nyheter-atom, kind: atom, url: "{feed}", interval_seconds: {interval}, jitter_seconds: 0}}
kommuner:
  - kommunenummer: "0301"
    navn: Oslo
    rettighetspakker: [kommuneForeldrebetaling, kommuneBoligsosialeFormaal]
    channels:
      - {{name: slack, kind: slack_webhook, webhook: "env:TEST_OSLO_SLACK_WEBHOOK"}}
      - {{name: epost, kind: email, to: [drift@oslo.test.localhost]}}
{more_kommuner}admin:
  - {{name: epost, kind: email, to: [admin@test.localhost]}}
probes:
{probes}
"""
BERGEN = """\
  - kommunenummer: "4601"
    navn: Bergen
    rettighetspakker: [saernamsmann]
    channels:
      - {name: epost, kind: email, to: [it-drift@bergen.test.localhost]}
"""
#: A problem `rules check` finds (a misspelt key), so the whole new file must be refused.
BERGEN_MISSPELT = BERGEN.replace("rettighetspakker:", "rettighetspaker:")
PROBES_OFF = "  enabled: false"


class NotifySocket:
    """The AF_UNIX datagram socket systemd holds for a Type=notify service; keeps every datagram."""

    def __init__(self) -> None:
        # AF_UNIX paths are limited to 108 bytes; pytest's tmp_path can be longer.
        self.directory = tempfile.TemporaryDirectory(prefix="sd")
        self.path = str(Path(self.directory.name) / "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages: list[list[str]] = []

    def close(self) -> None:
        self.sock.close()
        self.directory.cleanup()

    def _receive(self, timeout: float) -> None:
        readable, _, _ = select.select([self.sock], [], [], max(timeout, 0))
        while readable:
            self.messages.append(self.sock.recv(65536).decode().split("\n"))
            readable, _, _ = select.select([self.sock], [], [], 0)

    def wait_for(self, key: str, *, after: int = 0, count: int = 1, timeout: float = WAIT_TIMEOUT) -> int:
        """Wait until `count` datagrams from index `after` on hold the field `key` (e.g. "READY=1").

        Returns the index of the last one of them; fails the test at the deadline.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = [i for i, fields in enumerate(self.messages) if i >= after and key in fields]
            if len(found) >= count:
                return found[count - 1]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"no {count} x {key} from the daemon in {timeout} s; got {self.messages}")
            self._receive(min(remaining, 0.5))

    def fields(self, index: int) -> dict[str, str]:
        return dict(field.split("=", 1) for field in self.messages[index])


def wait_until(condition: Callable[[], Any], what: str, timeout: float = WAIT_TIMEOUT) -> Any:
    """Poll `condition` until it returns something truthy; returns that, or fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


@dataclass
class DaemonProcess:
    """A running `python -m monitor run`; its stderr goes to a file the test reads at any time."""

    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def send(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait_exit(self, timeout: float) -> int:
        return self.process.wait(timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@dataclass
class Harness:
    """The loopback world of one test: feed, receivers, gateway, notify socket, rules file."""

    tmp_path: Path
    feed: LocalServer
    slack: SlackReceiver
    smtp: SmtpReceiver
    gateway: Gateway
    notify: NotifySocket
    daemons: list[DaemonProcess] = field(default_factory=list)

    @property
    def rules_path(self) -> Path:
        return self.tmp_path / "rules.yaml"

    @property
    def database(self) -> Path:
        return self.tmp_path / "state" / "driftsvarsel.db"

    @property
    def metrics_url(self) -> str:
        """Where the newest daemon serves /metrics: it binds port 0 and logs the port it got."""
        urls = re.findall(r"metrics at (http://127\.0\.0\.1:\d+)/metrics", self.daemons[-1].log())
        assert urls, "the daemon logged no metrics address"
        return str(urls[-1])

    def write_rules(
        self,
        *,
        more_kommuner: str = "",
        probes: str = PROBES_OFF,
        heartbeat_hour: int | None = None,
        interval: int = 1,
    ) -> None:
        heartbeat = "" if heartbeat_hour is None else f"  heartbeat_hour: {heartbeat_hour}\n"
        text = RULES.format(
            state_dir=self.tmp_path / "state",
            slack_api=self.slack.api_url,
            heartbeat=heartbeat,
            smtp_port=self.smtp.port,
            feed=self.feed.url(FEED_PATH),
            interval=interval,
            more_kommuner=more_kommuner,
            probes=probes,
        )
        self.rules_path.write_text(text, encoding="utf-8")

    def gateway_probes(self) -> str:
        return "  interval_seconds: 1\n  failure_threshold: 2\n  base_urls:\n" + self.gateway.base_urls_yaml()

    def serve_feed(self, entries: int) -> None:
        self.feed.route(FEED_PATH, Route(build_feed(entries), "application/atom+xml; charset=utf-8"))

    def start(
        self, *args: str, journal: bool = False, watchdog: bool = True, watchdog_pid: int | None = None
    ) -> DaemonProcess:
        env = {
            key: value
            for key, value in os.environ.items()
            if key
            not in ("NOTIFY_SOCKET", "WATCHDOG_PID", "WATCHDOG_USEC", "JOURNAL_STREAM", "INVOCATION_ID")
        }
        env.update(
            NOTIFY_SOCKET=self.notify.path,
            TEST_OSLO_SLACK_WEBHOOK=self.slack.webhook_url,
            PYTHONUNBUFFERED="1",
            PYTHONPATH=str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
        )
        if watchdog:
            # No WATCHDOG_PID: the variable is then meant for whoever reads it (sd_watchdog_enabled(3)).
            env["WATCHDOG_USEC"] = str(WATCHDOG_USEC)
        if watchdog_pid is not None:
            env["WATCHDOG_PID"] = str(watchdog_pid)
        if journal:
            env.update(JOURNAL_STREAM="8:123456", INVOCATION_ID="0123456789abcdef0123456789abcdef")
        log_path = self.tmp_path / f"daemon-{len(self.daemons)}.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                [sys.executable, "-m", "monitor", "run", "--rules", str(self.rules_path), *args],
                cwd=self.tmp_path,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        daemon = DaemonProcess(process, log_path)
        self.daemons.append(daemon)
        return daemon

    def start_ready(self, *args: str, **options: Any) -> tuple[DaemonProcess, int]:
        """Start a daemon and wait for READY=1 and its baseline poll; returns it and READY's index."""
        after = len(self.notify.messages)
        daemon = self.start(*args, **options)
        ready = self.notify.wait_for("READY=1", after=after, timeout=START_TIMEOUT)
        wait_until(lambda: self.baselined(), "the baseline poll")
        return daemon, ready

    # -- what the daemon stored ---------------------------------------------------------
    def query(self, sql: str, *parameters: object) -> list[sqlite3.Row]:
        if not self.database.exists():
            return []
        connection = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=5)
        connection.row_factory = sqlite3.Row
        try:
            return connection.execute(sql, parameters).fetchall()
        except sqlite3.OperationalError:  # the daemon has not created the table yet
            return []
        finally:
            connection.close()

    def baselined(self) -> bool:
        return bool(self.query("SELECT 1 FROM sources WHERE baselined_at IS NOT NULL"))

    def fetch_count(self) -> int:
        # A repeated outcome counts up its line's `repeats` instead of adding a line.
        rows = self.query("SELECT coalesce(sum(repeats), 0) FROM fetch_log")
        return int(rows[0][0]) if rows else 0

    def outbox(self) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM outbox ORDER BY id")

    # -- what the receivers got ------------------------------------------------------------
    def mails_to(self, address: str) -> list[str]:
        """Subject and text of every mail `address` received."""
        return [
            f"{mail.message['Subject']}\n{_mail_text(mail.message)}"
            for mail in self.smtp.received()
            if address in mail.rcpt_tos
        ]

    def slack_texts(self) -> list[str]:
        return [message.text or "" for message in self.slack.received()]


def _mail_text(message: Any) -> str:
    body = message.get_body(("plain",))
    return str(body.get_content()) if body is not None else ""


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    with (
        LocalServer() as feed,
        SlackReceiver(token=SLACK_TOKEN) as slack,
        SmtpReceiver() as smtp,
    ):
        notify = NotifySocket()
        world = Harness(tmp_path, feed, slack, smtp, Gateway(feed), notify)
        world.serve_feed(BASELINE_ENTRIES)
        try:
            yield world
        finally:
            for daemon in world.daemons:
                daemon.kill()
            notify.close()


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(harness: Harness) -> Samples:
    """The daemon's /metrics, parsed as Prometheus text: (name, labels) -> value."""
    response = httpx.get(f"{harness.metrics_url}/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def labels(**values: str) -> frozenset[tuple[str, str]]:
    return frozenset(values.items())


# -- start, watchdog, polls, deliveries, metrics, journal logging ------------------------------
def test_run_under_systemd_notifies_polls_delivers_and_serves_metrics(harness: Harness) -> None:
    harness.write_rules(probes=harness.gateway_probes())
    started = time.time()
    daemon, ready = harness.start_ready(journal=True)

    assert harness.notify.fields(ready)["STATUS"] == "watching 1 sources for 1 kommuner"
    harness.notify.wait_for("WATCHDOG=1", after=ready, count=2, timeout=WATCHDOG_USEC / 1e6 * 3)
    # The baseline's existing notices are not news: they are not counted.
    assert ("driftsvarsel_notices_total", labels(category="error")) not in scrape(harness)

    harness.serve_feed(BASELINE_ENTRIES + 1)
    wait_until(lambda: harness.slack_texts(), "the Slack alert")
    wait_until(lambda: harness.mails_to("drift@oslo.test.localhost"), "the Oslo mail")
    assert ENTRY_31_TITLE in harness.slack_texts()[0]
    # A receiver records the message just before the daemon hears back and marks it done.
    wait_until(lambda: [row["state"] for row in harness.outbox()] == ["done", "done"], "2 items done")

    def scraped() -> Samples | None:
        samples = scrape(harness)
        # The outbox gauge is refreshed after each delivery round; wait for the one that sent both.
        done = samples.get(("driftsvarsel_outbox_depth", labels(state="done")))
        return samples if done == 2 else None

    samples = wait_until(scraped, "/metrics to show both deliveries")
    assert samples[("driftsvarsel_fetches_total", labels(source="nyheter-atom", result="ok"))] >= 2
    assert samples[("driftsvarsel_notices_total", labels(category="error"))] == 1
    assert samples[("driftsvarsel_deliveries_total", labels(channel_kind="slack_webhook", result="ok"))] == 1
    assert samples[("driftsvarsel_deliveries_total", labels(channel_kind="email", result="ok"))] == 1
    assert samples[("driftsvarsel_probe_state", labels(api="inntekt", environment="prod"))] == 1
    last_poll = samples[("driftsvarsel_last_good_poll_timestamp_seconds", labels(source="nyheter-atom"))]
    assert started <= last_poll <= time.time()
    health = httpx.get(f"{harness.metrics_url}/healthz", timeout=5)
    assert health.status_code == 200 and health.text.startswith("ok: last good poll")

    daemon.send(signal.SIGTERM)
    stopping = harness.notify.wait_for("STOPPING=1", after=ready)
    assert harness.notify.fields(stopping)["STATUS"].startswith("stopping")
    assert daemon.wait_exit(timeout=30) == 0
    assert sum("READY=1" in fields for fields in harness.notify.messages) == 1

    lines = daemon.log().splitlines()
    assert lines and all(re.match(r"<[0-7]>", line) for line in lines), lines[:5]
    # journald adds its own timestamps
    assert not any(re.match(r"<\d>\d{4}-\d\d-\d\d", line) for line in lines)
    text = "\n".join(lines)
    # One line per fetch, probe and delivery.
    fetch_lines = re.findall(r"^<6>monitor\.fetch: fetch http://127\.0\.0\.1:\d+/.* status=", text, re.M)
    assert len(fetch_lines) == harness.fetch_count() >= 2
    assert re.search(r"^<6>monitor\.probes\.check: probe Inntekt API \(prod\): up", text, re.M)
    delivered = re.findall(r"^<6>monitor\.deliver\.worker: delivered outbox \d+ to 0301/(\w+)", text, re.M)
    assert sorted(delivered) == ["epost", "slack"]
    # Our own lines only: the scheduler's "Running job" chatter (every watchdog ping) stays quiet.
    assert not re.search(r"^<6>apscheduler", text, re.M)
    assert "Traceback" not in text


def test_run_log_format_json_writes_one_object_a_line(harness: Harness) -> None:
    harness.write_rules()
    # WATCHDOG_PID of another process (inherited, say): the watchdog is not ours to feed.
    daemon, ready = harness.start_ready("--log-format", "json", watchdog_pid=os.getpid())
    fetches = harness.fetch_count()
    wait_until(lambda: harness.fetch_count() > fetches, "a poll after the baseline")
    daemon.send(signal.SIGINT)
    assert daemon.wait_exit(timeout=30) == 0
    harness.notify.wait_for("STOPPING=1", after=ready)
    assert not any("WATCHDOG=1" in fields for fields in harness.notify.messages)

    entries = [json.loads(line) for line in daemon.log().splitlines()]
    assert entries and all({"ts", "level", "logger", "message"} <= entry.keys() for entry in entries)
    assert any(entry["logger"] == "monitor.fetch" for entry in entries)
    assert entries[-1]["message"] == "stopped"


def test_health_stale_when_the_only_source_keeps_failing(harness: Harness) -> None:
    """/healthz turns 503 once the last good poll is older than healthz_max_age_seconds (600 here).

    Driven with explicit times (the minimum age is 60 s, too long to wait for in a daemon).
    """
    harness.write_rules()
    rules = load_rules(harness.rules_path)
    start = datetime.now(UTC)
    poll_source(open_db(rules.settings.database), rules, rules.sources[0], now=start)
    harness.feed.route(FEED_PATH, Route(b"<html>Service Unavailable</html>", "text/html", status=503))
    for minutes in (5, 15, 30):
        failed = poll_source(
            open_db(rules.settings.database), rules, rules.sources[0], now=start + timedelta(minutes=minutes)
        )
        assert failed.outcome == "failed"
    clock = [start + timedelta(minutes=5)]

    def health() -> tuple[bool, str]:
        # A connection per request: sqlite3 connections stay in the thread that opened them.
        return service.health(open_db(rules.settings.database), rules, clock[0], start)

    server = metrics.serve("127.0.0.1:0", health, metrics.Metrics())
    try:
        fresh = httpx.get(f"{server.url}/healthz", timeout=5)
        clock[0] = start + timedelta(minutes=30)
        stale = httpx.get(f"{server.url}/healthz", timeout=5)
    finally:
        server.stop()
    assert (fresh.status_code, fresh.text) == (200, "ok: last good poll 5m ago\n")
    assert (stale.status_code, stale.text) == (503, "stale: last good poll 30m ago\n")


# -- SIGHUP -------------------------------------------------------------------------------------
def test_sighup_valid_rules_applies_them_between_ready_notifications(harness: Harness) -> None:
    harness.write_rules()
    daemon, ready = harness.start_ready()
    fetches_before = harness.fetch_count()

    harness.write_rules(more_kommuner=BERGEN)
    daemon.send(signal.SIGHUP)
    reloading = harness.notify.wait_for("RELOADING=1", after=ready + 1)
    monotonic = int(harness.notify.fields(reloading)["MONOTONIC_USEC"])
    assert 0 < monotonic <= time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    reloaded = harness.notify.wait_for("READY=1", after=reloading)
    assert harness.notify.fields(reloaded)["STATUS"] == "watching 1 sources for 2 kommuner"

    harness.serve_feed(BASELINE_ENTRIES + 1)
    bergen = wait_until(lambda: harness.mails_to("it-drift@bergen.test.localhost"), "Bergen's mail")
    assert ENTRY_31_TITLE in bergen[0]
    wait_until(lambda: harness.slack_texts(), "Oslo's Slack alert")
    # The schedules survived the reload: polling goes on, the outbox was kept and drained.
    wait_until(lambda: harness.fetch_count() > fetches_before + 2, "polls after the reload")
    wait_until(lambda: [r["state"] for r in harness.outbox()] == ["done"] * 3, "three delivered items")
    assert "Traceback" not in daemon.log()


def test_sighup_invalid_rules_keeps_old_rules_and_tells_admin(harness: Harness) -> None:
    harness.write_rules()
    daemon, ready = harness.start_ready()

    harness.write_rules(more_kommuner=BERGEN_MISSPELT)
    daemon.send(signal.SIGHUP)
    reloading = harness.notify.wait_for("RELOADING=1", after=ready + 1)
    after_reload = harness.notify.wait_for("READY=1", after=reloading)
    assert "refused" in harness.notify.fields(after_reload)["STATUS"]

    admin = wait_until(lambda: harness.mails_to("admin@test.localhost"), "the admin's mail")
    assert "avvist" in admin[0]
    assert "rettighetspaker" in admin[0]
    problem = re.search(rf"{re.escape(str(harness.rules_path))}:\d+: .*rettighetspaker", daemon.log())
    assert problem is not None, daemon.log()

    harness.serve_feed(BASELINE_ENTRIES + 1)
    wait_until(lambda: harness.slack_texts(), "Oslo's Slack alert under the old rules")
    wait_until(lambda: harness.mails_to("drift@oslo.test.localhost"), "Oslo's mail under the old rules")
    assert harness.mails_to("it-drift@bergen.test.localhost") == []
    assert {row["kommune"] for row in harness.outbox()} == {"0301", "admin"}
    assert daemon.process.poll() is None


def test_reload_keeps_the_next_poll_of_a_source_whose_interval_is_unchanged(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    harness.write_rules(interval=3600)
    daemon = Daemon(harness.rules_path)
    daemon.scheduler.start(paused=True)  # jobs are scheduled but never run
    try:
        daemon.schedule()
        job = daemon.scheduler.get_job("poll:nyheter-atom")
        daemon.scheduler.modify_job(job.id, next_run_time=datetime.now(UTC) + timedelta(minutes=20))
        planned = daemon.scheduler.get_job(job.id).next_run_time

        harness.write_rules(interval=3600, more_kommuner=BERGEN)
        assert daemon.reload()
        assert daemon.scheduler.get_job(job.id).next_run_time == planned
        assert len(daemon.rules.kommuner) == 2

        harness.write_rules(interval=1800, more_kommuner=BERGEN)
        before = datetime.now(UTC)
        assert daemon.reload()
        after = datetime.now(UTC)
        rescheduled = daemon.scheduler.get_job(job.id)
        # A changed interval does restart it: the next poll is one new interval from the reload.
        interval = timedelta(seconds=1800)
        assert before + interval <= rescheduled.next_run_time <= after + interval
        assert rescheduled.trigger.interval_length == 1800
        assert rescheduled.trigger.jitter is None  # these rules ask for jitter_seconds: 0

        # Polls are spread: a source's jitter goes into its trigger.
        rules = harness.rules_path.read_text(encoding="utf-8")
        harness.rules_path.write_text(
            rules.replace("jitter_seconds: 0", "jitter_seconds: 45"), encoding="utf-8"
        )
        assert daemon.reload()
        assert daemon.scheduler.get_job(job.id).trigger.jitter == 45
    finally:
        daemon.scheduler.shutdown(wait=False)


# -- SIGTERM ------------------------------------------------------------------------------------
def test_sigterm_lets_the_delivery_in_flight_finish_and_exits_0(harness: Harness) -> None:
    harness.write_rules()
    daemon, ready = harness.start_ready()
    harness.slack.delay = 3.0

    harness.serve_feed(BASELINE_ENTRIES + 1)
    wait_until(lambda: harness.slack.server.requests, "a Slack request in flight")
    daemon.send(signal.SIGTERM)
    harness.notify.wait_for("STOPPING=1", after=ready)
    assert daemon.wait_exit(timeout=30) == 0

    assert sum("STOPPING=1" in fields for fields in harness.notify.messages) == 1
    assert ENTRY_31_TITLE in harness.slack_texts()[0]
    states = {row["channel"]: row["state"] for row in harness.outbox()}
    assert states["slack"] == "done"
    # Nothing lost: the Oslo mail was either sent before the stop or waits for the next start.
    assert states["epost"] in ("done", "pending")
    log = daemon.log()
    assert "stopping: no new polls" in log and log.rstrip().endswith("stopped")


# -- heartbeat ----------------------------------------------------------------------------------
def test_run_heartbeat_reaches_admin_once_per_day_across_restarts(harness: Harness) -> None:
    harness.write_rules(heartbeat_hour=0)  # hour 0: today's heartbeat is always due already
    # The day before the first daemon starts and after the last check bracket every heartbeat key,
    # so the test holds across midnight (Oslo time), when a second day's heartbeat is owed.
    before = datetime.now(OSLO).date()
    first, _ = harness.start_ready()
    beat = wait_until(lambda: harness.mails_to("admin@test.localhost"), "the heartbeat mail")
    # Sent after the first poll, so it reports it.
    assert beat[0].startswith("[Driftsvarsel admin] driftsvarsel lever\n")
    assert "driftsvarsel lever: 1 kilde OK, siste vellykkede henting" in beat[0]
    first.send(signal.SIGTERM)
    assert first.wait_exit(timeout=30) == 0

    fetches = harness.fetch_count()
    second, _ = harness.start_ready()
    # Every poll of the second daemon checks the heartbeat; wait for a few, then an alert.
    wait_until(lambda: harness.fetch_count() >= fetches + 2, "polls by the restarted daemon")
    harness.serve_feed(BASELINE_ENTRIES + 1)
    wait_until(lambda: harness.slack_texts(), "an alert from the restarted daemon")
    wait_until(lambda: harness.mails_to("drift@oslo.test.localhost"), "Oslo's mail")
    admin_keys = [row["idem_key"] for row in harness.outbox() if row["kommune"] == "admin"]
    after = datetime.now(OSLO).date()
    days = [f"admin:heartbeat:{day.isoformat()}|admin|epost" for day in sorted({before, after})]
    if before == after:
        assert admin_keys == days
    else:
        assert admin_keys in (days, days[:1], days[1:])
    assert len(harness.mails_to("admin@test.localhost")) == len(admin_keys)
    second.send(signal.SIGTERM)
    assert second.wait_exit(timeout=30) == 0


# -- secrets checked at start and reload ----------------------------------------------------------
#: Bergen's Slack webhook is an env: reference the daemon's environment does not have.
BERGEN_NO_SECRET = """\
  - kommunenummer: "4601"
    navn: Bergen
    rettighetspakker: [saernamsmann]
    channels:
      - {name: slack, kind: slack_webhook, webhook: "env:TEST_BERGEN_SLACK_WEBHOOK", fallback: reserve}
      - {name: reserve, kind: email, to: [reserve@bergen.test.localhost], categories: [api_change]}
"""


def test_run_missing_secret_tells_admin_degrades_health_and_uses_the_fallback(harness: Harness) -> None:
    harness.write_rules(more_kommuner=BERGEN_NO_SECRET)
    daemon, _ = harness.start_ready()

    admin = wait_until(lambda: harness.mails_to("admin@test.localhost"), "the admin's mail")
    assert admin[0].startswith("[Driftsvarsel admin] 1 hemmelighet i rules.yaml kan ikke leses\n")
    assert "env:TEST_BERGEN_SLACK_WEBHOOK" in admin[0]
    assert "kanalen «slack» for Bergen (4601): varsler går til reservekanalen «reserve»" in admin[0]
    health = httpx.get(f"{harness.metrics_url}/healthz", timeout=5)
    assert health.status_code == 503
    assert health.text.startswith(
        "degraded: secret missing: env:TEST_BERGEN_SLACK_WEBHOOK "
        "(kommuner[1].channels[0].webhook; channels 4601/slack)\n"
    )

    harness.serve_feed(BASELINE_ENTRIES + 1)
    reserve = wait_until(lambda: harness.mails_to("reserve@bergen.test.localhost"), "Bergen's fallback mail")
    assert ENTRY_31_TITLE in reserve[0]
    # Oslo is not affected: its Slack and mail arrive as usual; Bergen's Slack is never tried.
    wait_until(lambda: harness.mails_to("drift@oslo.test.localhost"), "Oslo's mail")
    wait_until(lambda: harness.slack_texts(), "Oslo's Slack alert")
    wait_until(
        lambda: all(row["state"] != "pending" for row in harness.outbox() if row["kommune"] != "admin"),
        "every kommune item settled",
    )
    states = {
        (row["kommune"], row["channel"]): row["state"]
        for row in harness.outbox()
        if row["kommune"] != "admin"
    }
    assert states == {
        ("0301", "slack"): "done",
        ("0301", "epost"): "done",
        ("4601", "slack"): "dead",
        ("4601", "reserve"): "done",
    }
    assert len(harness.slack_texts()) == 1 and ENTRY_31_TITLE in harness.slack_texts()[0]
    assert "Traceback" not in daemon.log()
    assert "secret missing: " in daemon.log() and "kommuner[1].channels[0].webhook" in daemon.log()


def test_reload_checks_secrets_again_and_tells_admin(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.setenv("TEST_OSLO_SLACK_WEBHOOK", harness.slack.webhook_url)
    monkeypatch.delenv("TEST_BERGEN_SLACK_WEBHOOK", raising=False)
    harness.write_rules(interval=3600)
    daemon = Daemon(harness.rules_path)
    daemon.check_secrets()
    assert daemon.secret_problems == []

    harness.write_rules(interval=3600, more_kommuner=BERGEN_NO_SECRET)
    assert daemon.reload()
    assert [problem.use.ref for problem in daemon.secret_problems] == ["env:TEST_BERGEN_SLACK_WEBHOOK"]
    admin = [row for row in harness.outbox() if row["kommune"] == "admin"]
    assert len(admin) == 1 and admin[0]["idem_key"].startswith("admin:secrets-missing:")

    harness.write_rules(interval=3600)
    assert daemon.reload()
    assert daemon.secret_problems == []
    assert len([row for row in harness.outbox() if row["kommune"] == "admin"]) == 1
