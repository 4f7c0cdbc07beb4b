"""`driftsvarsel status` on a database filled by real probe rounds against loopback gateways."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from probe_servers import CertificateFiles, HttpsServer, json_answer, kommune, make_ca_and_leaf, make_rules

from monitor.cli.main import main
from monitor.config.types import ProbeSettings, Rules
from monitor.demo.localserver import Request, Response
from monitor.model import Classification, Window
from monitor.probes.round import run_probe_round
from monitor.probes.status import status_rows
from monitor.store import open_db


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> CertificateFiles:
    return make_ca_and_leaf(tmp_path_factory.mktemp("tls"), valid_days=30)


@pytest.fixture
def gateway(tls: CertificateFiles) -> Iterator[HttpsServer]:
    with HttpsServer(tls.cert_file, tls.key_file) as server:
        yield server


def populate(tmp_path: Path, server: HttpsServer, ca_file: Path) -> tuple[Rules, datetime]:
    """Four rounds: Inntekt answers 401 JSON (up), Beregnet skatt 503 (down, announced),
    Formuesgrunnlag a non-JSON 404 (misconfigured), Maskinporten metadata (up)."""
    server.route("/inntekt/v1", lambda request: json_answer(401, {"kode": "IM-004"}))
    server.route("/beregnetskatt/v2", lambda request: Response(503, b"<html>Service Unavailable</html>"))
    server.route(
        "/.well-known/oauth-authorization-server",
        lambda request: json_answer(200, {"issuer": "x", "token_endpoint": "y"}),
    )

    def wrong_address(request: Request) -> Response:
        return Response(404, b"404 NOT FOUND")

    server.route("/fgs/v1", wrong_address)
    base_urls = {
        ("inntekt", "prod"): server.https("/inntekt/v1"),
        ("beregnetskatt", "prod"): server.https("/beregnetskatt/v2"),
        ("formuesgrunnlageiendomsskatt", "prod"): server.https("/fgs/v1"),
        ("maskinporten", "prod"): server.https(),
    }
    probes = ProbeSettings(base_urls=base_urls, ca_file=str(ca_file))
    apis = ("inntekt", "beregnetskatt", "formuesgrunnlageiendomsskatt")
    rules = make_rules(tmp_path, probes, kommuner=(kommune("0301", "Oslo", apis),))
    db = open_db(rules.settings.database)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=20)
    announced = Classification("downtime", True, ("beregnetskatt",), "prod", Window(None, None))
    for index in range(4):
        now = start + timedelta(minutes=5 * index)
        run_probe_round(db, rules, now=now, announced=[("atom:bsa-vedlikehold", announced)])
    return rules, start + timedelta(minutes=15)


def test_status_rows_show_state_uptime_and_certificate(
    tmp_path: Path, gateway: HttpsServer, tls: CertificateFiles
) -> None:
    rules, now = populate(tmp_path, gateway, tls.ca_file)
    rows = {row[0]: row for row in status_rows(open_db(rules.settings.database), now)}
    assert rows["Inntekt API"][1:3] == ("prod", "oppe")
    assert rows["Inntekt API"][6:8] == ("100.0 %", "100.0 %")
    assert rows["Beregnet skatt API"][2] == "varslet nedetid"
    assert rows["Beregnet skatt API"][6] == "0.0 %"
    assert rows["Formuesgrunnlag for eiendomsskatt API"][2] == "feilkonfigurert"
    assert rows["Maskinporten"][2] == "oppe"
    assert rows["Inntekt API"][8].endswith("(29 d)") or rows["Inntekt API"][8].endswith("(30 d)")
    assert rows["Inntekt API"][5].endswith(" ms")


def test_status_command_prints_table(
    tmp_path: Path, gateway: HttpsServer, tls: CertificateFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    rules, _ = populate(tmp_path, gateway, tls.ca_file)
    assert main(["status", "--db", str(rules.settings.database)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Status at ") and lines[0][-6:] in ("+01:00", "+02:00")
    assert lines[1].split() == [
        "API",
        "ENV",
        "STATE",
        "SINCE",
        "LAST",
        "CHECKED",
        "LATENCY",
        "UP",
        "24H",
        "UP",
        "7D",
        "CERT",
        "EXPIRES",
    ]
    assert len(lines) == 6
    beregnet = next(line for line in lines if line.startswith("Beregnet skatt API"))
    assert "varslet nedetid" in beregnet


def test_status_command_without_database_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--db", str(tmp_path / "missing.db")]) == 1
    assert "Error: no database at" in capsys.readouterr().err


def test_status_command_on_empty_database_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "empty.db"
    open_db(database)
    assert main(["status", "--db", str(database)]) == 0
    assert "No health probes recorded yet" in capsys.readouterr().out


def test_probe_once_command_records_a_round_from_rules_yaml(
    tmp_path: Path, gateway: HttpsServer, tls: CertificateFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    gateway.route("/v1", lambda request: json_answer(401, {"kode": "IM-004"}))
    gateway.route(
        "/.well-known/oauth-authorization-server",
        lambda request: json_answer(200, {"issuer": "x", "token_endpoint": "y"}),
    )
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(
        f"""\
settings:
  database: driftsvarsel.db
kommuner:
  - kommunenummer: "0301"
    navn: Oslo
    apis: [inntekt]
    channels:
      - name: slack
        kind: slack_webhook
        webhook: env:OSLO_SLACK_WEBHOOK
probes:
  ca_file: {tls.ca_file}
  base_urls:
    inntekt: {{prod: "{gateway.https("/v1")}"}}
    maskinporten: {{prod: "{gateway.https()}"}}
""",
        encoding="utf-8",
    )
    assert main(["probe", "--once", "--rules", str(rules_file), "--db", str(tmp_path / "p.db")]) == 0
    out = capsys.readouterr().out
    assert "Inntekt API" in out and "HTTP 401 IM-004: API-et svarer" in out
    assert main(["status", "--rules", str(rules_file), "--db", str(tmp_path / "p.db")]) == 0
    assert "ukjent" in capsys.readouterr().out  # one success is not yet "oppe" (threshold 2)


def test_add_probe_job_runs_rounds_for_the_daemon(
    tmp_path: Path, gateway: HttpsServer, tls: CertificateFiles
) -> None:
    from monitor.service.daemon import Daemon
    from monitor.service.probejob import JOB_ID, add_probe_job
    from monitor.store import probes as probe_store

    gateway.route("/v1", lambda request: json_answer(401, {"kode": "IM-004"}))
    gateway.route(
        "/.well-known/oauth-authorization-server",
        lambda request: json_answer(200, {"issuer": "x", "token_endpoint": "y"}),
    )
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(
        f"""\
settings:
  state_dir: state
kommuner:
  - kommunenummer: "0301"
    navn: Oslo
    apis: [inntekt]
    channels:
      - name: slack
        kind: slack_webhook
        webhook: env:OSLO_SLACK_WEBHOOK
probes:
  interval_seconds: 5
  jitter_seconds: 1
  ca_file: {tls.ca_file}
  base_urls:
    inntekt: {{prod: "{gateway.https("/v1")}"}}
    maskinporten: {{prod: "{gateway.https()}"}}
""",
        encoding="utf-8",
    )
    daemon = Daemon(rules_file)
    daemon.extra_jobs.append(add_probe_job)
    daemon.schedule()
    job = daemon.scheduler.get_job(JOB_ID)
    assert job is not None and job.trigger.interval.total_seconds() == 5
    job.func()
    job.func()
    state = probe_store.load_state(daemon.db(), "inntekt", "prod")
    assert state is not None and state.display == "oppe"


def test_note_for_describes_probes_for_outage_notices(
    tmp_path: Path, gateway: HttpsServer, tls: CertificateFiles
) -> None:
    from monitor.probes.round import note_for

    rules, now = populate(tmp_path, gateway, tls.ca_file)
    note = note_for(open_db(rules.settings.database), now)
    outage = Classification("downtime", False, ("beregnetskatt", "inntekt"), "prod", None)
    text = note(outage)
    assert text is not None and text.startswith("Helseprobene ser nå: Beregnet skatt API (prod) nede siden ")
    assert text.endswith("; Inntekt API (prod) svarer normalt.")
    assert note(Classification("api_change", None, ("inntekt",), "prod", None)) is None
    # Only prod is probed here: a test-environment notice gets no word about prod probes.
    assert note(Classification("downtime", True, ("inntekt",), "test", None)) is None
    assert note(Classification("downtime", True, ("inntekt",), "unspecified", None)) is not None
