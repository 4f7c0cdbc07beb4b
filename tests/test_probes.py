"""Single probes against loopback HTTPS gateways, the answer classification, the plan, and whole rounds."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import trustme
from probe_servers import (
    CertificateFiles,
    HttpsServer,
    json_answer,
    kommune,
    make_ca_and_leaf,
    make_rules,
    refused_port,
    resetting_server,
)

from monitor.config.types import MaskinportenSettings, ProbeSettings, Rules
from monitor.demo.localserver import Request, Response
from monitor.model import Classification, Window
from monitor.probes.check import (
    ProductionLookupRefused,
    classify_answer,
    classify_metadata,
    make_client,
    probe,
)
from monitor.probes.plan import ProbeTarget, plan_probes
from monitor.probes.round import run_probe_round
from monitor.store import open_db, outbox
from monitor.store import probes as probe_store

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
METADATA = "/.well-known/oauth-authorization-server"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> CertificateFiles:
    """A trustme CA and a leaf for 127.0.0.1 (expiry far away)."""
    directory = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    files = CertificateFiles(directory / "ca.pem", directory / "leaf.pem", directory / "leaf-key.pem", NOW)
    ca.cert_pem.write_to_path(str(files.ca_file))
    leaf.cert_chain_pems[0].write_to_path(str(files.cert_file))
    leaf.private_key_pem.write_to_path(str(files.key_file))
    return files


@pytest.fixture
def gateway(tls: CertificateFiles) -> Iterator[HttpsServer]:
    with HttpsServer(tls.cert_file, tls.key_file) as server:
        yield server


@pytest.fixture
def client(tls: CertificateFiles) -> Iterator[httpx.Client]:
    with make_client(str(tls.ca_file)) as made:
        yield made


def target(url: str, api: str = "inntekt", environment: str = "prod") -> ProbeTarget:
    return ProbeTarget(api, environment, url, (api,))  # type: ignore[arg-type]


def error_body(code: str) -> bytes:
    return json.dumps({"kode": code, "melding": "...", "korrelasjonsid": "13a865f5"}).encode()


# -- classify_answer (pure) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("api", "status", "body", "state"),
    [
        ("summertskattegrunnlag", 401, error_body("SSG-004"), "up"),
        ("summertskattegrunnlag", 403, error_body("SSG-005"), "up"),
        ("beregnetskatt", 404, error_body("BSA-003"), "up"),
        ("inntekt", 401, b"", "up"),
        ("inntekt", 403, b"<html>Forbidden</html>", "up"),
        ("inntekt", 403, error_body("DAS-008"), "up"),
        ("inntekt", 500, error_body("DAS-003"), "down"),
        ("inntekt", 500, error_body("IM-001"), "down"),
        ("inntekt", 503, b"<html>Service Unavailable</html>", "down"),
        ("inntekt", 404, b"<html>404 NOT FOUND</html>", "misconfigured"),
        ("inntekt", 400, b"Unknown instance. ID=1234", "misconfigured"),
        ("inntekt", 404, error_body("DAS-002"), "misconfigured"),
        ("inntekt", 401, error_body("SSG-004"), "misconfigured"),
    ],
)
def test_classify_answer_without_token(api: str, status: int, body: bytes, state: str) -> None:
    assert classify_answer(api, status, body).state == state


def test_classify_answer_with_token() -> None:
    api = "formuesgrunnlageiendomsskatt"
    assert classify_answer(api, 200, b'{"x": 1}', authenticated=True).state == "up"
    assert classify_answer(api, 404, error_body("FGS-007"), authenticated=True).state == "up"
    assert classify_answer(api, 401, error_body("FGS-004"), authenticated=True).state == "misconfigured"
    assert classify_answer(api, 500, error_body("FGS-001"), authenticated=True).state == "down"


def test_classify_metadata_needs_token_endpoint() -> None:
    assert classify_metadata(200, b'{"issuer": "x", "token_endpoint": "y"}').state == "up"
    assert classify_metadata(200, b"<html>maintenance</html>").state == "down"
    assert classify_metadata(502, b"").state == "down"
    assert classify_metadata(404, b"").state == "misconfigured"


# -- probe against loopback servers -----------------------------------------------------


def test_probe_json_401_is_up_with_latency_and_certificate(
    gateway: HttpsServer, client: httpx.Client
) -> None:
    gateway.route("/v2", lambda request: json_answer(401, {"kode": "SSG-004", "melding": "Ikke autentisert"}))
    found = probe(target(gateway.https("/v2"), "summertskattegrunnlag"), now=NOW, client=client)
    assert (found.state, found.status) == ("up", 401)
    assert found.latency_ms is not None and found.latency_ms > 0
    assert found.cert_expires is not None and found.cert_expires > datetime.now(UTC)
    sent = gateway.requests[-1].headers
    assert sent["user-agent"].startswith("driftsvarsel-monitor/") and "authorization" not in sent
    assert len(sent["korrelasjonsid"]) == 36


def test_probe_das003_500_is_down(gateway: HttpsServer, client: httpx.Client) -> None:
    gateway.route("/v1", lambda request: json_answer(500, {"kode": "DAS-003", "melding": "utilgjengelig"}))
    found = probe(target(gateway.https("/v1")), now=NOW, client=client)
    assert found.state == "down" and "DAS-003" in found.detail


def test_probe_non_json_404_is_misconfigured(gateway: HttpsServer, client: httpx.Client) -> None:
    found = probe(target(gateway.https("/wrong/v1")), now=NOW, client=client)
    assert found.state == "misconfigured" and found.status == 404


def test_probe_slow_answer_times_out(gateway: HttpsServer, client: httpx.Client) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return json_answer(401, {"kode": "IM-004"})

    gateway.route("/v1", slow)
    # Without the timeout the probe would wait for the answer and report the API up (IM-004).
    found = probe(target(gateway.https("/v1")), now=NOW, client=client, timeout=0.3)
    assert found.state == "down" and "tidsavbrudd" in found.detail


def test_probe_connection_refused_is_down(client: httpx.Client) -> None:
    with refused_port() as port:
        found = probe(target(f"https://127.0.0.1:{port}/v1"), now=NOW, client=client)
    assert (found.state, found.detail) == ("down", "tilkoblingen ble avvist")


def test_probe_connection_reset_is_down(client: httpx.Client) -> None:
    with resetting_server() as port:
        found = probe(target(f"https://127.0.0.1:{port}/v1"), now=NOW, client=client)
    assert found.state == "down" and found.status is None


def test_probe_untrusted_certificate_is_down(gateway: HttpsServer) -> None:
    gateway.route("/v1", lambda request: json_answer(401, {"kode": "IM-004"}))
    with make_client() as system_store_only:
        found = probe(target(gateway.https("/v1")), now=NOW, client=system_store_only)
    assert found.state == "down" and "sertifikatet" in found.detail


def test_probe_dns_failure_is_down(client: httpx.Client) -> None:
    def no_such_host(host: str, port: int) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    found = probe(
        target("https://inntekt.api.skatteetaten.no/v1"), now=NOW, client=client, resolver=no_such_host
    )
    assert found.state == "down" and "DNS" in found.detail


def test_probe_refuses_authenticated_probe_in_production(client: httpx.Client) -> None:
    def token_for(scope: str) -> str:
        raise AssertionError("no token may be fetched for production")

    prod = replace(target("https://127.0.0.1:1/v1", "formuesgrunnlageiendomsskatt"), auth_path="a/b")
    with pytest.raises(ProductionLookupRefused):
        probe(prod, now=NOW, client=client, token_source=token_for)
    real_host = replace(
        target(
            "https://formuesgrunnlageiendomsskatt.api.skatteetaten.no/v1",
            "formuesgrunnlageiendomsskatt",
            "test",
        ),
        auth_path="a/b",
    )
    with pytest.raises(ProductionLookupRefused):
        probe(real_host, now=NOW, client=client, token_source=token_for)


# -- plan ----------------------------------------------------------------------------------


def test_plan_probes_covers_used_apis_and_maskinporten(tmp_path: Path) -> None:
    rules = make_rules(
        tmp_path,
        ProbeSettings(environments=("prod", "test")),
        kommuner=(kommune("0301", "Oslo", ("inntekt", "spesifisertsummertskattegrunnlag")),),
    )
    planned = {(t.api, t.environment): t for t in plan_probes(rules)}
    assert set(planned) == {
        ("inntekt", "prod"),
        ("inntekt", "test"),
        ("maskinporten", "prod"),
        ("maskinporten", "test"),
    }
    assert planned[("inntekt", "prod")].url == "https://inntekt.api.skatteetaten.no/v1"
    assert planned[("inntekt", "test")].url == "https://inntekt.api.skatteetaten-test.no/v1"
    assert planned[("maskinporten", "test")].url == "https://test.maskinporten.no" + METADATA
    assert planned[("maskinporten", "prod")].routes_to == ("*",)


def test_plan_probes_authenticates_only_in_test(tmp_path: Path) -> None:
    settings = ProbeSettings(environments=("prod", "test"), maskinporten=MaskinportenSettings(enabled=True))
    rules = make_rules(tmp_path, settings)
    auth = [(t.api, t.environment, t.auth_path) for t in plan_probes(rules) if t.auth_path]
    assert auth == [
        ("formuesgrunnlageiendomsskatt", "test", "kommuneEiendomsskatt/2020/4203/921782775543322")
    ]


# -- whole rounds --------------------------------------------------------------------------


class Gateway:
    """A gateway whose answer can be switched between up (401 JSON) and down (500 DAS-003)."""

    def __init__(self, server: HttpsServer) -> None:
        self.down = False
        server.route("/v1", self.answer)
        server.route(METADATA, lambda request: json_answer(200, {"issuer": "x", "token_endpoint": "y"}))

    def answer(self, request: Request) -> Response:
        if self.down:
            return json_answer(500, {"kode": "DAS-003", "melding": "For øyeblikket utilgjengelig"})
        return json_answer(401, {"kode": "IM-004", "melding": "Ikke autentisert"})


def round_rules(tmp_path: Path, server: HttpsServer, ca_file: Path) -> Rules:
    settings = ProbeSettings(
        base_urls={("inntekt", "prod"): server.https("/v1"), ("maskinporten", "prod"): server.https()},
        ca_file=str(ca_file),
    )
    return make_rules(tmp_path, settings, kommuner=(kommune("0301", "Oslo", ("inntekt",)),))


def rounds(
    tmp_path: Path, rules: Rules, count: int, start: datetime, announced: list[tuple[str, Classification]]
) -> list[str]:
    """Run `count` rounds five minutes apart; returns the outbox subjects, in order."""
    db = open_db(rules.settings.database)
    for index in range(count):
        run_probe_round(db, rules, now=start + timedelta(minutes=5 * index), announced=announced)
    return [item.message.subject for item in outbox.list_items(db)]


def test_run_probe_round_alerts_unannounced_outage_and_recovery(
    tmp_path: Path, gateway: HttpsServer, tls: CertificateFiles
) -> None:
    switch = Gateway(gateway)
    rules = round_rules(tmp_path, gateway, tls.ca_file)
    assert rounds(tmp_path, rules, 2, NOW, []) == []
    switch.down = True
    subjects = rounds(tmp_path, rules, 3, NOW + timedelta(minutes=10), [])
    assert (
        len(subjects) == 1 and "Inntekt API (prod) svarer ikke – ikke varslet av Skatteetaten" in subjects[0]
    )
    switch.down = False
    subjects = rounds(tmp_path, rules, 2, NOW + timedelta(minutes=25), [])
    assert len(subjects) == 2 and "Inntekt API (prod) svarer normalt igjen" in subjects[1]
    db = open_db(rules.settings.database)
    items = outbox.list_items(db)
    assert [item.kommune for item in items] == ["0301", "0301"]
    assert items[1].thread_key == items[0].idem_key
    state = probe_store.load_state(db, "inntekt", "prod")
    assert state is not None and state.display == "oppe"


def test_run_probe_round_announced_downtime_is_not_alerted(
    tmp_path: Path, gateway: HttpsServer, tls: CertificateFiles
) -> None:
    switch = Gateway(gateway)
    switch.down = True
    rules = round_rules(tmp_path, gateway, tls.ca_file)
    notice = Classification(
        "downtime", True, ("inntekt",), "prod", Window("2026-11-26T09:00", "2026-11-26T14:00")
    )
    assert rounds(tmp_path, rules, 4, NOW, [("atom:planlagt-nedetid", notice)]) == []
    db = open_db(rules.settings.database)
    state = probe_store.load_state(db, "inntekt", "prod")
    assert state is not None and state.display == "varslet nedetid"
    assert state.announced_by == "atom:planlagt-nedetid"


def test_run_probe_round_warns_about_certificate_once_per_threshold(tmp_path: Path) -> None:
    files = make_ca_and_leaf(tmp_path, valid_days=10)
    with HttpsServer(files.cert_file, files.key_file) as server:
        Gateway(server)
        rules = round_rules(tmp_path, server, files.ca_file)
        db = open_db(rules.settings.database)
        now = datetime.now(UTC)
        for days in (0, 0, 1, 4, 5):
            run_probe_round(db, rules, now=now + timedelta(days=days), announced=[])
    subjects = [item.message.subject for item in outbox.list_items(db) if item.kommune == "admin"]
    # Two targets share the certificate (API and metadata host): one 14-day and one 7-day warning each.
    assert len(subjects) == 4
    assert (
        sum("utløper om 9 dager" in subject or "utløper om 10 dager" in subject for subject in subjects) == 2
    )
    assert sum("utløper om 5 dager" in subject for subject in subjects) == 2
