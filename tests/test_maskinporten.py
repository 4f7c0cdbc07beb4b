"""Maskinporten JWT grants, the token cache, and the authenticated test-environment probe, against a
loopback Maskinporten that validates grants the way Digdir documents it."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from probe_servers import (
    CertificateFiles,
    HttpsServer,
    MaskinportenStandIn,
    json_answer,
    kommune,
    make_ca_and_leaf,
    make_rules,
)

from monitor.config.types import MaskinportenSettings, ProbeSettings
from monitor.demo.localserver import Request, Response
from monitor.errors import SecretError
from monitor.probes.check import make_client, probe
from monitor.probes.maskinporten import (
    REFRESH_MARGIN_SECONDS,
    ClientCredentials,
    MaskinportenError,
    TokenClient,
    load_credentials,
    make_grant,
)
from monitor.probes.plan import ProbeTarget
from monitor.probes.round import run_probe_round
from monitor.store import open_db

FGS = "formuesgrunnlageiendomsskatt"
FGS_SCOPE = "skatteetaten:formuesgrunnlageiendomsskatt"
FGS_PATH = "/v1/kommuneEiendomsskatt/2020/4203/921782775543322"
CLIENT_ID = "0a1b2c3d-test-client"


@pytest.fixture(scope="module")
def server_tls(tmp_path_factory: pytest.TempPathFactory) -> CertificateFiles:
    return make_ca_and_leaf(tmp_path_factory.mktemp("server"), valid_days=365)


@pytest.fixture(scope="module")
def client_files(tmp_path_factory: pytest.TempPathFactory) -> CertificateFiles:
    """The integration's (test) virksomhetssertifikat and key, as systemd credential files."""
    return make_ca_and_leaf(tmp_path_factory.mktemp("credentials"), valid_days=365, name="client")


@pytest.fixture
def settings(client_files: CertificateFiles) -> MaskinportenSettings:
    return MaskinportenSettings(
        enabled=True,
        client_id=CLIENT_ID,
        key_credential=client_files.key_file.name,
        certificate_credential=client_files.cert_file.name,
    )


@pytest.fixture
def credentials(settings: MaskinportenSettings, client_files: CertificateFiles) -> ClientCredentials:
    return load_credentials(settings, client_files.key_file.parent)


@pytest.fixture
def maskinporten(
    server_tls: CertificateFiles, credentials: ClientCredentials
) -> Iterator[MaskinportenStandIn]:
    with HttpsServer(server_tls.cert_file, server_tls.key_file) as server:
        yield MaskinportenStandIn(server, CLIENT_ID, credentials.certificate_chain[0])


@pytest.fixture
def http(server_tls: CertificateFiles) -> Iterator[httpx.Client]:
    with make_client(str(server_tls.ca_file)) as client:
        yield client


def test_make_grant_has_exactly_the_documented_claims(credentials: ClientCredentials) -> None:
    now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    grant = make_grant(credentials, issuer="https://test.maskinporten.no", scope=FGS_SCOPE, now=now)
    header = jwt.get_unverified_header(grant)
    assert header["alg"] == "RS256"
    assert isinstance(header["x5c"], list)
    assert base64.b64decode(header["x5c"][0]) == credentials.certificate_chain[0]
    claims = jwt.decode(grant, options={"verify_signature": False})
    assert set(claims) == {"aud", "iss", "scope", "iat", "exp", "jti"}
    assert claims["aud"] == "https://test.maskinporten.no/"
    assert claims["iss"] == CLIENT_ID and claims["scope"] == FGS_SCOPE
    assert claims["iat"] == int(now.timestamp()) and 0 < claims["exp"] - claims["iat"] <= 120
    again = jwt.decode(
        make_grant(credentials, issuer="x", scope="s", now=now), options={"verify_signature": False}
    )
    assert again["jti"] != claims["jti"]


def test_make_grant_with_kid_sends_no_certificate(credentials: ClientCredentials) -> None:
    with_kid = ClientCredentials(CLIENT_ID, credentials.private_key, (), kid="my-key-1")
    header = jwt.get_unverified_header(make_grant(with_kid, issuer="x", scope="s", now=datetime.now(UTC)))
    assert header["kid"] == "my-key-1" and "x5c" not in header


def test_load_credentials_names_the_missing_credential_only(
    tmp_path: Path, settings: MaskinportenSettings
) -> None:
    with pytest.raises(SecretError, match="maskinporten|client-key"):
        load_credentials(settings, tmp_path)
    (tmp_path / settings.key_credential).write_text(
        "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n"
    )
    with pytest.raises(SecretError) as raised:
        load_credentials(settings, tmp_path)
    assert "c2VjcmV0" not in str(raised.value) and settings.key_credential in str(raised.value)


def test_load_credentials_reads_credentials_directory(
    monkeypatch: pytest.MonkeyPatch, settings: MaskinportenSettings, client_files: CertificateFiles
) -> None:
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(client_files.key_file.parent))
    loaded = load_credentials(settings)
    expected = x509.load_pem_x509_certificate(client_files.cert_file.read_bytes())
    assert loaded.certificate_chain[0] == expected.public_bytes(serialization.Encoding.DER)
    assert loaded.certificate_expires == expected.not_valid_after_utc


def test_token_client_gets_and_caches_token(
    maskinporten: MaskinportenStandIn, credentials: ClientCredentials, http: httpx.Client
) -> None:
    tokens = TokenClient(maskinporten.issuer, credentials, client=http)
    first = tokens.token(FGS_SCOPE)
    assert maskinporten.scope_of(f"Bearer {first}") == FGS_SCOPE
    assert tokens.token(FGS_SCOPE) == first
    assert maskinporten.token_requests == 1


def test_token_client_renews_token_shortly_before_expiry(
    maskinporten: MaskinportenStandIn, credentials: ClientCredentials, http: httpx.Client
) -> None:
    maskinporten.expires_in = REFRESH_MARGIN_SECONDS  # already inside the refresh margin when issued
    tokens = TokenClient(maskinporten.issuer, credentials, client=http)
    first = tokens.token(FGS_SCOPE)
    assert tokens.token(FGS_SCOPE) != first
    assert maskinporten.token_requests == 2 and len(maskinporten.used_jti) == 2


def test_stand_in_rejects_what_maskinporten_rejects(
    maskinporten: MaskinportenStandIn, credentials: ClientCredentials, http: httpx.Client
) -> None:
    """The stand-in is strict, so the passing token tests above mean something."""
    token_url = maskinporten.server.https("/token")
    now = datetime.now(UTC)

    def post(assertion: str, grant_type: str = "urn:ietf:params:oauth:grant-type:jwt-bearer") -> str:
        answer = http.post(token_url, data={"grant_type": grant_type, "assertion": assertion})
        return "ok" if answer.status_code == 200 else answer.json()["error_description"]

    grant = make_grant(credentials, issuer=maskinporten.issuer, scope=FGS_SCOPE, now=now)
    assert post(grant) == "ok"
    assert post(grant) == "Grant is used before"
    assert "Invalid JWT claim aud" in post(
        make_grant(credentials, issuer=maskinporten.issuer.rstrip("/") + "/token", scope=FGS_SCOPE, now=now)
    )
    assert "grant_type" in post(
        make_grant(credentials, issuer=maskinporten.issuer, scope="s", now=now), "password"
    )
    issued_at = int(now.timestamp())
    claims = {"aud": maskinporten.issuer, "iss": CLIENT_ID, "scope": FGS_SCOPE, "iat": issued_at}
    headers: dict[str, object] = {"x5c": [base64.b64encode(credentials.certificate_chain[0]).decode()]}
    too_long = {**claims, "exp": issued_at + 300, "jti": "a"}
    assert "120" in post(jwt.encode(too_long, credentials.private_key, algorithm="RS256", headers=headers))
    extra = {**claims, "exp": issued_at + 60, "jti": "b", "sub": CLIENT_ID}
    assert "Invalid assertion" in post(
        jwt.encode(extra, credentials.private_key, algorithm="RS256", headers=headers)
    )


def test_token_client_refuses_production_issuer(credentials: ClientCredentials, http: httpx.Client) -> None:
    with pytest.raises(MaskinportenError, match="production"):
        TokenClient("https://maskinporten.no/", credentials, client=http)


def test_token_client_reports_refusal(
    maskinporten: MaskinportenStandIn, credentials: ClientCredentials, http: httpx.Client
) -> None:
    wrong = ClientCredentials("someone-else", credentials.private_key, credentials.certificate_chain)
    with pytest.raises(MaskinportenError, match="invalid_grant") as raised:
        TokenClient(maskinporten.issuer, wrong, client=http).token(FGS_SCOPE)
    assert raised.value.refused


class FgsGateway:
    """The FGS test gateway: needs a bearer token with the FGS scope; records concurrent calls."""

    def __init__(self, server: HttpsServer, maskinporten: MaskinportenStandIn, delay: float = 0.0) -> None:
        self.maskinporten = maskinporten
        self.delay = delay
        self.active = 0
        self.most_active = 0
        self.calls: list[str | None] = []
        self._lock = threading.Lock()
        server.route(FGS_PATH, self.answer)
        server.route("/v1", lambda request: json_answer(401, {"kode": "FGS-004"}))

    def answer(self, request: Request) -> Response:
        with self._lock:
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        try:
            time.sleep(self.delay)
            scope = self.maskinporten.scope_of(request.headers.get("authorization"))
            self.calls.append(scope)
            if scope != FGS_SCOPE:
                return json_answer(401, {"kode": "FGS-004", "melding": "Ikke autentisert"})
            return json_answer(200, {"eksternIdentifikator": "921782775543322", "kommunenummer": "4203"})
        finally:
            with self._lock:
                self.active -= 1


def test_authenticated_probe_calls_test_gateway_with_token(
    maskinporten: MaskinportenStandIn, credentials: ClientCredentials, http: httpx.Client
) -> None:
    gateway = FgsGateway(maskinporten.server, maskinporten)
    tokens = TokenClient(maskinporten.issuer, credentials, client=http)
    target = ProbeTarget(
        FGS, "test", maskinporten.server.https("/v1"), (FGS,), FGS_SCOPE,
        "kommuneEiendomsskatt/2020/4203/921782775543322",
    )  # fmt: skip
    found = probe(target, now=datetime.now(UTC), client=http, token_source=tokens.token)
    assert (found.state, found.status) == ("up", 200)
    assert found.url.endswith(FGS_PATH) and gateway.calls == [FGS_SCOPE]


def test_authenticated_probe_makes_one_call_at_a_time(
    maskinporten: MaskinportenStandIn, credentials: ClientCredentials, http: httpx.Client
) -> None:
    gateway = FgsGateway(maskinporten.server, maskinporten, delay=0.4)
    tokens = TokenClient(maskinporten.issuer, credentials, client=http)
    target = ProbeTarget(FGS, "test", maskinporten.server.https("/v1"), (FGS,), FGS_SCOPE, FGS_PATH[4:])
    results = []

    def one() -> None:
        results.append(probe(target, now=datetime.now(UTC), client=http, token_source=tokens.token))

    threads = [threading.Thread(target=one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert gateway.most_active == 1
    skipped = [result for result in results if any("pågår" in reason for reason in result.reasons)]
    assert len(gateway.calls) + len(skipped) == 3 and skipped
    assert [result.state for result in results] == ["up", "up", "up"]


def test_run_probe_round_uses_credentials_from_systemd(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    maskinporten: MaskinportenStandIn,
    settings: MaskinportenSettings,
    client_files: CertificateFiles,
    server_tls: CertificateFiles,
) -> None:
    gateway = FgsGateway(maskinporten.server, maskinporten)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(client_files.key_file.parent))
    base = maskinporten.server.https()
    probes = ProbeSettings(
        environments=("test",),
        base_urls={(FGS, "test"): base + "/v1", ("maskinporten", "test"): base},
        ca_file=str(server_tls.ca_file),
        maskinporten=MaskinportenSettings(**{**settings.__dict__, "issuer": maskinporten.issuer}),
    )
    rules = make_rules(tmp_path, probes, kommuner=(kommune("4203", "Arendal", (FGS,)),))
    report = run_probe_round(open_db(rules.settings.database), rules, now=datetime.now(UTC), announced=[])
    by_api = {result.api: result for result in report.results}
    assert by_api[FGS].state == "up" and by_api[FGS].status == 200
    assert by_api["maskinporten"].state == "up"
    assert gateway.calls == [FGS_SCOPE]


def test_run_probe_round_warns_before_client_certificate_expires(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    maskinporten: MaskinportenStandIn,
    server_tls: CertificateFiles,
) -> None:
    short = make_ca_and_leaf(tmp_path, valid_days=6, name="expiring-client")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    base = maskinporten.server.https()
    probes = ProbeSettings(
        environments=("test",),
        base_urls={(FGS, "test"): base + "/v1", ("maskinporten", "test"): base},
        ca_file=str(server_tls.ca_file),
        maskinporten=MaskinportenSettings(
            enabled=True,
            client_id=CLIENT_ID,
            issuer=maskinporten.issuer,
            key_credential=short.key_file.name,
            certificate_credential=short.cert_file.name,
        ),
    )
    rules = make_rules(tmp_path, probes, kommuner=(kommune("4203", "Arendal", (FGS,)),))
    db = open_db(rules.settings.database)
    first = run_probe_round(db, rules, now=datetime.now(UTC), announced=[])
    again = run_probe_round(db, rules, now=datetime.now(UTC), announced=[])
    assert [item.message.subject for item in first.admin] == [
        "[Driftsvarsel admin] Virksomhetssertifikatet for Maskinporten utløper om 5 dager"
    ]
    assert again.admin == ()
    # Maskinporten does not know this certificate: the probe falls back to an unauthenticated call.
    fgs = next(result for result in first.results if result.api == FGS)
    assert any("autentisert kall hoppet over" in reason for reason in fgs.reasons)
