"""`driftsvarsel probe --once [--dry-run] [--json]` against a loopback HTTPS gateway: exit codes,
the JSON shape, and a dry run that records nothing and queues nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from probe_servers import CertificateFiles, HttpsServer, json_answer, make_ca_and_leaf

from monitor.cli.main import main
from monitor.demo.localserver import Response
from monitor.store import open_db

TABLES = ("probe_results", "probe_state", "cert_warnings", "outbox")


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> CertificateFiles:
    return make_ca_and_leaf(tmp_path_factory.mktemp("tls"), valid_days=30)


@pytest.fixture
def gateway(tls: CertificateFiles) -> Iterator[HttpsServer]:
    with HttpsServer(tls.cert_file, tls.key_file) as server:
        server.route(
            "/.well-known/oauth-authorization-server",
            lambda request: json_answer(200, {"issuer": "x", "token_endpoint": "y"}),
        )
        yield server


def write_rules(tmp_path: Path, gateway: HttpsServer, tls: CertificateFiles) -> Path:
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(
        f"""\
settings:
  state_dir: .
kommuner:
  - kommunenummer: "0301"
    navn: Oslo
    apis: [inntekt]
    channels:
      - name: slack
        kind: slack_webhook
        webhook: env:OSLO_SLACK_WEBHOOK
admin:
  - {{name: drift, kind: slack_webhook, webhook: env:ADMIN_SLACK_WEBHOOK}}
probes:
  ca_file: {tls.ca_file}
  base_urls:
    inntekt: {{prod: "{gateway.https("/v1")}"}}
    maskinporten: {{prod: "{gateway.https()}"}}
""",
        encoding="utf-8",
    )
    return rules_file


def snapshot(database: Path) -> dict[str, list[tuple[object, ...]]]:
    db = open_db(database)
    return {table: [tuple(row) for row in db.execute(f"SELECT * FROM {table}")] for table in TABLES}


def test_probe_once_exits_8_when_an_api_is_down_and_0_when_all_answer(
    tmp_path: Path, gateway: HttpsServer, tls: CertificateFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    rules_file = write_rules(tmp_path, gateway, tls)
    gateway.route("/v1", lambda request: json_answer(401, {"kode": "IM-004"}))
    assert main(["probe", "--once", "--rules", str(rules_file)]) == 0
    first = capsys.readouterr().out.splitlines()
    assert first[0].startswith("Probes at ") and first[0].endswith("(0 message(s) queued)")
    gateway.route("/v1", lambda request: Response(503, b"<html>Service Unavailable</html>"))
    assert main(["probe", "--once", "--rules", str(rules_file)]) == 8
    assert "HTTP 503" in capsys.readouterr().out


def test_probe_once_json_has_the_documented_shape(
    tmp_path: Path, gateway: HttpsServer, tls: CertificateFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    rules_file = write_rules(tmp_path, gateway, tls)
    gateway.route("/v1", lambda request: Response(503, b"<html>Service Unavailable</html>"))
    for _ in range(3):  # failure_threshold 3: the third round opens the outage
        assert main(["probe", "--once", "--json", "--rules", str(rules_file)]) == 8
        report = json.loads(capsys.readouterr().out)
    assert set(report) == {"exit_code", "dry_run", "results", "transitions", "queued"}
    assert (report["exit_code"], report["dry_run"], report["queued"]) == (8, False, 1)
    by_api = {result["api"]: result for result in report["results"]}
    assert sorted(by_api) == ["inntekt", "maskinporten"]
    inntekt = by_api["inntekt"]
    assert (inntekt["name"], inntekt["environment"], inntekt["state"], inntekt["status"]) == (
        "Inntekt API",
        "prod",
        "down",
        503,
    )
    assert inntekt["url"] == gateway.https("/v1")
    assert inntekt["checked_at"][-6:] in ("+01:00", "+02:00")
    assert by_api["maskinporten"]["state"] == "up"
    assert [(t["api"], t["kind"], t["state"], t["alerted"]) for t in report["transitions"]] == [
        ("inntekt", "outage", "down", True)
    ]


def test_probe_dry_run_records_nothing_and_queues_nothing(
    tmp_path: Path, gateway: HttpsServer, tls: CertificateFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    rules_file = write_rules(tmp_path, gateway, tls)
    database = tmp_path / "driftsvarsel.db"
    gateway.route("/v1", lambda request: json_answer(401, {"kode": "IM-004"}))
    assert main(["probe", "--once", "--rules", str(rules_file)]) == 0
    before = snapshot(database)
    assert len(before["probe_results"]) == 2 and before["outbox"] == []
    gateway.route("/v1", lambda request: Response(503, b"<html>Service Unavailable</html>"))
    capsys.readouterr()
    for _ in range(3):  # three failing rounds would open an outage and queue its alert
        assert main(["probe", "--once", "--dry-run", "--rules", str(rules_file)]) == 8
    out = capsys.readouterr().out
    assert out.count("dry run: nothing recorded, no alerts queued") == 3
    assert out.count("HTTP 503") == 3
    assert snapshot(database) == before
    assert main(["probe", "--once", "--dry-run", "--json", "--rules", str(rules_file)]) == 8
    report = json.loads(capsys.readouterr().out)
    assert (report["dry_run"], report["queued"], report["transitions"]) == (True, 0, [])
    assert snapshot(database) == before


def test_probe_dry_run_creates_no_database(
    tmp_path: Path, gateway: HttpsServer, tls: CertificateFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    rules_file = write_rules(tmp_path, gateway, tls)
    gateway.route("/v1", lambda request: json_answer(401, {"kode": "IM-004"}))
    assert main(["probe", "--once", "--dry-run", "--rules", str(rules_file)]) == 0
    assert "Inntekt API" in capsys.readouterr().out
    assert not (tmp_path / "driftsvarsel.db").exists()
