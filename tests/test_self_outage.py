"""Our own outage is not theirs, end to end: when every probe fails to connect and the known-good
reference cannot be reached either, the monitor's network is down, not the APIs. The admin hears
"monitoren har mistet nettverket" once; no kommune gets an outage alert, then or when the network
comes back. With the reference reachable, the same failures are a real outage and alerted.

Real parts: a stand-in gateway and reference on loopback (stopped to refuse connections), SQLite,
the SMTP stand-in receiving what the outbox worker delivers.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.config.load import load_rules
from monitor.config.types import Rules
from monitor.deliver.worker import drain
from monitor.demo.localserver import LocalServer, Route
from monitor.demo.receivers import SmtpReceiver
from monitor.demo.replay import build_feed, build_statuspage
from monitor.pipeline import poll_source
from monitor.probes.round import run_probe_round
from monitor.store import open_db

START = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
METADATA = "/.well-known/oauth-authorization-server"
RULES = """\
settings:
  state_dir: {state}
  network_check_url: http://127.0.0.1:{reference}/
  smtp: {{host: 127.0.0.1, port: {smtp}, security: none, sender: driftsvarsel@test.localhost}}
sources:
  - {{name: nyheter-atom, kind: atom, url: "http://127.0.0.1:{reference}/atom.xml", interval_seconds: 1}}
probes:
  interval_seconds: 1
  failure_threshold: 2
  success_threshold: 1
  base_urls:
    inntekt: {{prod: "http://127.0.0.1:{gateway}/inntekt"}}
    summertskattegrunnlag: {{prod: "http://127.0.0.1:{gateway}/ssg"}}
    maskinporten: {{prod: "http://127.0.0.1:{gateway}"}}
kommuner:
  - kommunenummer: "0301"
    rettighetspakker: [kommuneBoligsosialeFormaal]
    channels:
      - {{name: epost, kind: email, to: [drift@oslo.test.localhost]}}
admin:
  - {{name: epost, kind: email, to: [admin@test.localhost]}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def unauthorised(code: str) -> Route:
    return Route(
        f'{{"kode": "{code}", "melding": "Ikke autentisert"}}'.encode(), "application/json", status=401
    )


@dataclass
class Net:
    """The gateway and the reference, each switchable off (connections refused) and on again."""

    rules: Rules
    smtp: SmtpReceiver
    gateway_port: int
    reference_port: int
    gateway: LocalServer | None = None
    reference: LocalServer | None = None
    clock: datetime = START

    def up(self, gateway: bool, reference: bool) -> None:
        if gateway and self.gateway is None:
            self.gateway = LocalServer(port=self.gateway_port).start()
            self.gateway.route("/inntekt", unauthorised("IM-004"))
            self.gateway.route("/ssg", unauthorised("SSG-004"))
            self.gateway.route(METADATA, Route(b'{"issuer": "x", "token_endpoint": "y"}', "application/json"))
        if not gateway and self.gateway is not None:
            self.gateway.stop()
            self.gateway = None
        if reference and self.reference is None:
            self.reference = LocalServer(port=self.reference_port).start()
            self.reference.route("/", Route(b"<html>ok</html>", "text/html"))
        if not reference and self.reference is not None:
            self.reference.stop()
            self.reference = None

    def rounds(self, count: int) -> None:
        db = open_db(self.rules.settings.database)
        for _ in range(count):
            self.clock += timedelta(minutes=5)
            run_probe_round(db, self.rules, now=self.clock, announced=[])
            drain(db, self.rules, now_fn=lambda: self.clock)

    def subjects(self, who: str) -> list[str]:
        return [str(mail.message["Subject"]) for mail in self.smtp.received() if who in mail.rcpt_tos[0]]


@pytest.fixture()
def net(tmp_path: Path) -> Iterator[Net]:
    smtp = SmtpReceiver().start()
    gateway_port, reference_port = free_port(), free_port()
    path = tmp_path / "rules.yaml"
    path.write_text(
        RULES.format(
            state=tmp_path / "state", reference=reference_port, smtp=smtp.port, gateway=gateway_port
        ),
        encoding="utf-8",
    )
    instance = Net(load_rules(path), smtp, gateway_port, reference_port)
    yield instance
    instance.up(gateway=False, reference=False)
    smtp.stop()


def test_probe_rounds_without_network_tell_the_admin_once_and_no_kommune(net: Net) -> None:
    net.up(gateway=True, reference=True)
    net.rounds(2)
    net.up(gateway=False, reference=False)  # the monitor's network is gone: nothing connects
    net.rounds(4)
    assert net.subjects("oslo") == []
    assert net.subjects("admin") == ["[Driftsvarsel admin] Monitoren har mistet nettverket"]
    net.up(gateway=True, reference=True)
    net.rounds(3)
    assert net.subjects("oslo") == []
    assert net.subjects("admin") == [
        "[Driftsvarsel admin] Monitoren har mistet nettverket",
        "[Driftsvarsel admin] Monitoren har nettverket tilbake",
    ]


def test_probe_rounds_with_the_reference_reachable_alert_a_real_outage(net: Net) -> None:
    net.up(gateway=True, reference=True)
    net.rounds(2)
    net.up(gateway=False, reference=True)  # only the gateway refuses: its outage, not ours
    net.rounds(3)
    alerts = net.subjects("oslo")
    assert len(alerts) == 3  # Inntekt, Summert skattegrunnlag and Maskinporten
    assert any("Inntekt API (prod) svarer ikke – ikke varslet av Skatteetaten" in alert for alert in alerts)
    assert net.subjects("admin") == []


SOURCES_RULES = """\
settings:
  state_dir: {state}
  smtp: {{host: 127.0.0.1, port: 2525, security: none, sender: driftsvarsel@test.localhost}}
sources:
  - {{name: nyheter-atom, kind: atom, url: "http://127.0.0.1:{port}/atom.xml", interval_seconds: 1}}
  - {{name: status-incidents, kind: statuspage_api, url: "http://127.0.0.1:{port}/incidents.json"}}
kommuner:
  - kommunenummer: "0301"
    apis: ["*"]
    channels:
      - {{name: epost, kind: email, to: [drift@oslo.test.localhost]}}
admin:
  - {{name: epost, kind: email, to: [admin@test.localhost]}}
"""


def test_every_source_failing_to_connect_is_our_network(tmp_path: Path) -> None:
    port = free_port()
    path = tmp_path / "rules.yaml"
    path.write_text(SOURCES_RULES.format(state=tmp_path / "state", port=port), encoding="utf-8")
    rules = load_rules(path)
    db = open_db(rules.settings.database)
    clock = START

    def poll_all() -> list[str]:
        nonlocal clock
        clock += timedelta(minutes=1)
        return [poll_source(db, rules, source, now=clock).outcome for source in rules.sources]

    def admin_subjects() -> list[str]:
        rows = db.execute("SELECT message FROM outbox WHERE kommune = 'admin' ORDER BY id").fetchall()
        return [str(json.loads(row[0])["subject"]) for row in rows]

    def serve() -> LocalServer:
        server = LocalServer(port=port).start()
        server.route("/atom.xml", Route(build_feed(5), "application/atom+xml; charset=utf-8"))
        server.route("/incidents.json", Route(build_statuspage(5), "application/json; charset=utf-8"))
        return server

    server = serve()
    assert poll_all() == ["baseline", "baseline"]
    server.stop()
    for _ in range(3):
        assert poll_all() == ["failed", "failed"]
    lost = "[Driftsvarsel admin] Monitoren har mistet nettverket"
    assert admin_subjects().count(lost) == 1
    server = serve()
    try:
        assert poll_all() == ["not_modified", "not_modified"]
        poll_all()
    finally:
        server.stop()
    subjects = admin_subjects()
    assert subjects.count(lost) == 1
    assert subjects.count("[Driftsvarsel admin] Monitoren har nettverket tilbake") == 1
    assert db.execute("SELECT count(*) FROM outbox WHERE kommune != 'admin'").fetchone()[0] == 0
