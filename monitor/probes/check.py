"""One health probe of one API host → `ProbeResult`: DNS, TLS (certificate expiry), HTTP status, latency.

`classify_answer` (pure) reads an HTTP answer the way external-apis.md A.4 describes the gateway:
a JSON error body with the API's own code, or a gateway 401/403, means the API answers; 5xx,
DAS-003 and other DAS-00x server codes mean down; a 404 that is not JSON, DAS-002 or "Unknown
instance" means a wrong address (misconfigured). `probe` never raises for network problems.

The authenticated probe (a bearer token and documented synthetic test data) runs only in the test
environment: `probe` refuses it for any other environment or for a production host.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

import httpx

from monitor import USER_AGENT
from monitor.model import ProbeResult
from monitor.probes.maskinporten import MaskinportenError
from monitor.probes.plan import ERROR_PREFIXES, MASKINPORTEN, ProbeTarget

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0
MAX_BODY_BYTES = 64_000
PRODUCTION_SUFFIXES = (".api.skatteetaten.no", "maskinporten.no")

State = Literal["up", "down", "misconfigured"]
Resolver = Callable[[str, int], object]
TokenSource = Callable[[str], str]

#: At most one authenticated call at a time per API and environment (bruk.md: limit concurrency).
_AUTH_LOCKS: dict[tuple[str, str], threading.Lock] = {}
_AUTH_LOCKS_GUARD = threading.Lock()


class ProductionLookupRefused(ValueError):
    """An authenticated (data) probe was asked for production. We never look up data there."""


@dataclass(frozen=True)
class Verdict:
    state: State
    detail: str


def classify_answer(api: str, status: int, body: bytes, *, authenticated: bool = False) -> Verdict:
    """What an HTTP answer from `api`'s gateway host says about the API (pure).

    Without a token (`authenticated` False) a 401/403 or the API's own error code means it answers.
    With a token, a 401/403 means our token was refused (misconfigured) and 200 or the API's own
    4xx code (e.g. FGS-007 not found) means up.
    """
    code = _error_code(body)
    answer = f"HTTP {status} {code}" if code else f"HTTP {status}"
    if code is not None and code.startswith("DAS-"):
        if code == "DAS-002":
            return Verdict("misconfigured", f"{answer}: ukjent endepunkt i gatewayen")
        if code == "DAS-008" and not authenticated:
            return Verdict("up", f"{answer}: gatewayen svarer (ikke autorisert)")
        return Verdict("down", f"{answer}: gatewayen melder feil")
    if status >= 500:
        return Verdict("down", answer)
    prefix = ERROR_PREFIXES.get(api)
    if code is not None and not (prefix and code.startswith(prefix)):
        return Verdict("misconfigured", f"{answer}: feilkode fra et annet API")
    if status in (401, 403):
        if authenticated:
            return Verdict("misconfigured", f"{answer}: tokenet ble avvist")
        return Verdict("up", f"{answer if code else answer + ' uten token'}: API-et svarer")
    if code is not None:
        return Verdict("up", f"{answer}: API-et svarer")
    if status == 404 or b"Unknown instance" in body:
        return Verdict("misconfigured", f"{answer} uten JSON-feilformat: feil adresse")
    if authenticated and status != 200:
        return Verdict("down", f"{answer}: uventet svar")
    return Verdict("up", answer)


def classify_metadata(status: int, body: bytes) -> Verdict:
    """Maskinporten's /.well-known/oauth-authorization-server: up when it is JSON with a token_endpoint."""
    if status >= 500:
        return Verdict("down", f"HTTP {status}")
    if status == 404:
        return Verdict("misconfigured", "HTTP 404: feil adresse")
    data = _json(body)
    if status == 200 and isinstance(data, dict) and "token_endpoint" in data:
        return Verdict("up", "HTTP 200: metadata med token_endpoint")
    return Verdict("down", f"HTTP {status}: ikke gyldige metadata")


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _error_code(body: bytes) -> str | None:
    data = _json(body)
    code = data.get("kode") if isinstance(data, dict) else None
    return code if isinstance(code, str) else None


def probe(
    target: ProbeTarget,
    *,
    now: datetime,
    client: httpx.Client,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    token_source: TokenSource | None = None,
    resolver: Resolver = socket.getaddrinfo,
) -> ProbeResult:
    """Probe `target` once. `client` must verify TLS (its trust store decides what is valid).

    With `token_source` and `target.auth_path` the call is authenticated; that raises
    `ProductionLookupRefused` unless the target is in the test environment. Never raises for
    DNS, TLS, HTTP or Maskinporten problems: they are the result.
    """
    authenticated = token_source is not None and target.auth_path is not None
    if authenticated:
        refuse_production(target)
    parts = urlsplit(target.url)
    host = parts.hostname or ""
    try:
        resolver(host, parts.port or 443)
    except (OSError, UnicodeError) as error:
        return _result(target, target.url, now, "down", f"DNS-oppslag for {host} feilet: {error}")
    if authenticated and token_source is not None and target.scope and target.auth_path:
        return _authenticated(target, now=now, client=client, timeout=timeout, token_source=token_source)
    return _get(target, target.url, now=now, client=client, timeout=timeout)


def refuse_production(target: ProbeTarget) -> None:
    """Raise ProductionLookupRefused unless `target` is a test-environment, non-production host."""
    host = (urlsplit(target.url).hostname or "").lower()
    if target.environment != "test" or host.endswith(PRODUCTION_SUFFIXES) or host == "maskinporten.no":
        raise ProductionLookupRefused(
            f"refusing an authenticated probe of {target.url} ({target.environment}): "
            "data lookups run only in the test environment"
        )


def _authenticated(
    target: ProbeTarget, *, now: datetime, client: httpx.Client, timeout: float, token_source: TokenSource
) -> ProbeResult:
    lock_key = (target.api, target.environment)
    with _AUTH_LOCKS_GUARD:
        lock = _AUTH_LOCKS.setdefault(lock_key, threading.Lock())
    if not lock.acquire(blocking=False):
        result = _get(target, target.url, now=now, client=client, timeout=timeout)
        return _with_reason(result, "autentisert kall hoppet over: forrige kall pågår fortsatt")
    try:
        try:
            token = token_source(target.scope or "")
        except MaskinportenError as error:
            log.warning("probe %s: no Maskinporten token: %s", target.label, error)
            result = _get(target, target.url, now=now, client=client, timeout=timeout)
            return _with_reason(result, f"autentisert kall hoppet over: {error}")
        url = f"{target.url}/{(target.auth_path or '').lstrip('/')}"
        return _get(target, url, now=now, client=client, timeout=timeout, token=token)
    finally:
        lock.release()


def _get(
    target: ProbeTarget,
    url: str,
    *,
    now: datetime,
    client: httpx.Client,
    timeout: float,
    token: str | None = None,
) -> ProbeResult:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json", "Korrelasjonsid": str(uuid.uuid4())}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    started = time.monotonic()
    cert_expires: datetime | None = None
    try:
        with client.stream("GET", url, headers=headers, timeout=timeout) as response:
            cert_expires = _peer_cert_expiry(response)
            body = _read_capped(response)
    except httpx.TimeoutException:
        return _result(target, url, now, "down", f"tidsavbrudd etter {timeout:g} s")
    except httpx.HTTPError as error:
        return _result(target, url, now, "down", _describe_error(error))
    latency_ms = (time.monotonic() - started) * 1000
    if target.api == MASKINPORTEN:
        verdict = classify_metadata(response.status_code, body)
    else:
        verdict = classify_answer(target.api, response.status_code, body, authenticated=token is not None)
    reasons = ("autentisert kall med testdata",) if token is not None else ()
    log.info("probe %s: %s (%s) %.0f ms", target.label, verdict.state, verdict.detail, latency_ms)
    return ProbeResult(
        api=target.api,
        environment=target.environment,
        url=url,
        state=verdict.state,
        checked_at=now,
        latency_ms=latency_ms,
        status=response.status_code,
        detail=verdict.detail,
        cert_expires=cert_expires,
        reasons=reasons,
    )


def _read_capped(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_BODY_BYTES:
            break
    return b"".join(chunks)[:MAX_BODY_BYTES]


def _peer_cert_expiry(response: httpx.Response) -> datetime | None:
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    # httpcore hands out the low-level _ssl._SSLSocket; every variant has getpeercert(binary_form).
    getpeercert = getattr(ssl_object, "getpeercert", None)
    if getpeercert is None:
        return None
    der = getpeercert(True)
    if not der:
        return None
    from cryptography import x509  # only a TLS probe reads a certificate (keeps it out of start-up)

    return x509.load_der_x509_certificate(der).not_valid_after_utc


def _describe_error(error: httpx.HTTPError) -> str:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS: sertifikatet kunne ikke verifiseres ({cause.verify_message})"
        if isinstance(cause, ssl.SSLError):
            return f"TLS-håndtrykket feilet ({cause.reason or cause})"
        if isinstance(cause, ConnectionRefusedError):
            return "tilkoblingen ble avvist"
        if isinstance(cause, ConnectionResetError):
            return "forbindelsen ble brutt (reset)"
        cause = cause.__cause__ or cause.__context__
    if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError):
        return f"forbindelsen ble brutt ({error})"
    return f"kunne ikke koble til ({type(error).__name__}: {error})"


def _result(target: ProbeTarget, url: str, now: datetime, state: State, detail: str) -> ProbeResult:
    log.info("probe %s: %s (%s)", target.label, state, detail)
    return ProbeResult(target.api, target.environment, url, state, now, None, None, detail)


def _with_reason(result: ProbeResult, reason: str) -> ProbeResult:
    return ProbeResult(
        result.api,
        result.environment,
        result.url,
        result.state,
        result.checked_at,
        result.latency_ms,
        result.status,
        result.detail,
        result.cert_expires,
        (*result.reasons, reason),
    )


def make_client(ca_file: str | None = None) -> httpx.Client:
    """An httpx client that verifies TLS against the system store (plus `ca_file`), no redirects,
    no connection reuse."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    # No keep-alive: every probe does its own DNS lookup, TCP connect and TLS handshake.
    return httpx.Client(
        verify=context,
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
        limits=httpx.Limits(max_keepalive_connections=0),
    )
