"""Maskinporten access tokens by the JWT-bearer grant (external-apis.md B), for the test-only probe.

`load_credentials` reads the private key and certificate from systemd credential files,
`make_grant` signs one grant (RS256, aud = issuer with trailing slash, exp ≤ 120 s after iat,
fresh jti, scope; x5c or kid in the header; no other claims), and `TokenClient` reads the token
endpoint from the issuer's metadata and caches each scope's token until shortly before it expires.
Tokens and keys are never logged.
"""

from __future__ import annotations

import base64
import logging
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from monitor import USER_AGENT
from monitor.config.types import MaskinportenSettings
from monitor.errors import SecretError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

# cryptography and PyJWT (about 8 MB of the daemon's memory) are imported only where a Maskinporten
# probe is configured: the functions below import them when first called.

log = logging.getLogger(__name__)

TOKEN_TIMEOUT_SECONDS = 10.0
#: Maskinporten accepts at most 120 s between iat and exp; stay below for clock skew.
GRANT_LIFETIME_SECONDS = 100
#: A cached token is renewed this long before `expires_in` runs out.
REFRESH_MARGIN_SECONDS = 30
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
METADATA_PATH = "/.well-known/oauth-authorization-server"
#: Production Maskinporten; the authenticated probe never asks it for a token.
PRODUCTION_HOSTS = frozenset({"maskinporten.no"})


class MaskinportenError(Exception):
    """No token. `refused` is True when Maskinporten answered with an error (our setup is wrong),
    False when it could not be reached (timeout, connection, 5xx)."""

    def __init__(self, message: str, *, refused: bool) -> None:
        super().__init__(message)
        self.refused = refused


@dataclass(frozen=True)
class ClientCredentials:
    """The client's identity: client_id, signing key, and either a certificate chain (x5c) or kid."""

    client_id: str
    private_key: RSAPrivateKey
    certificate_chain: tuple[bytes, ...] = ()  # DER, leaf first
    kid: str | None = None

    @property
    def certificate_expires(self) -> datetime | None:
        if not self.certificate_chain:
            return None
        from cryptography import x509

        return x509.load_der_x509_certificate(self.certificate_chain[0]).not_valid_after_utc


@dataclass(frozen=True)
class AccessToken:
    value: str
    scope: str
    expires_at: datetime


def credential_path(name: str, directory: Path | None = None) -> Path:
    """$CREDENTIALS_DIRECTORY/<name>. Raises SecretError when the directory is not set."""
    if directory is None:
        env = os.environ.get("CREDENTIALS_DIRECTORY")
        if not env:
            raise SecretError(
                f"credential {name!r}: $CREDENTIALS_DIRECTORY is not set "
                "(run under systemd with LoadCredential=, or export it for a manual run)"
            )
        directory = Path(env)
    return directory / name


def load_credentials(settings: MaskinportenSettings, directory: Path | None = None) -> ClientCredentials:
    """Read the PEM private key (RSA, unencrypted) and optional PEM certificate chain.

    Raises SecretError naming the credential (never its content) when a file is missing or unreadable.
    """
    if not settings.client_id:
        raise SecretError("probes.maskinporten.client_id is not set (the integration's client id)")
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    key_path = credential_path(settings.key_credential, directory)
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise SecretError(
            f"credential {settings.key_credential!r}: cannot read an unencrypted PEM private key "
            f"({type(error).__name__})"
        ) from None
    if not isinstance(key, RSAPrivateKey):
        raise SecretError(f"credential {settings.key_credential!r}: RS256 needs an RSA key")
    chain: tuple[bytes, ...] = ()
    if settings.certificate_credential and settings.kid is None:
        cert_path = credential_path(settings.certificate_credential, directory)
        try:
            certificates = x509.load_pem_x509_certificates(cert_path.read_bytes())
        except (OSError, ValueError) as error:
            raise SecretError(
                f"credential {settings.certificate_credential!r}: cannot read a PEM certificate "
                f"({type(error).__name__})"
            ) from None
        chain = tuple(cert.public_bytes(serialization.Encoding.DER) for cert in certificates)
    if not chain and settings.kid is None:
        raise SecretError("probes.maskinporten: set certificate_credential (x5c) or kid")
    return ClientCredentials(settings.client_id, key, chain, settings.kid)


def audience(issuer: str) -> str:
    """The grant's aud: the issuer identifier with exactly one trailing slash."""
    return issuer.rstrip("/") + "/"


def make_grant(credentials: ClientCredentials, *, issuer: str, scope: str, now: datetime) -> str:
    """One signed JWT grant with exactly aud, iss, scope, iat, exp and jti (a fresh uuid4)."""
    issued_at = int(now.timestamp())
    claims = {
        "aud": audience(issuer),
        "iss": credentials.client_id,
        "scope": scope,
        "iat": issued_at,
        "exp": issued_at + GRANT_LIFETIME_SECONDS,
        "jti": str(uuid.uuid4()),
    }
    headers: dict[str, object]
    if credentials.kid is not None:
        headers = {"kid": credentials.kid}
    else:
        headers = {"x5c": [base64.b64encode(der).decode("ascii") for der in credentials.certificate_chain]}
    import jwt

    return jwt.encode(claims, credentials.private_key, algorithm="RS256", headers=headers)


def refuse_production_issuer(issuer: str) -> None:
    """Raise MaskinportenError for the production issuer: the authenticated probe is test-only."""
    if (urlsplit(issuer).hostname or "").lower() in PRODUCTION_HOSTS:
        raise MaskinportenError(
            f"{issuer} is production Maskinporten; the authenticated probe runs only against "
            "test (set probes.maskinporten.issuer to https://test.maskinporten.no/)",
            refused=True,
        )


class TokenClient:
    """Tokens per scope from one issuer, cached until `REFRESH_MARGIN_SECONDS` before expiry.

    Thread-safe: one lock serialises metadata and token requests, so a scope is fetched once.
    """

    def __init__(
        self,
        issuer: str,
        credentials: ClientCredentials,
        *,
        client: httpx.Client,
        now_fn: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        refuse_production_issuer(issuer)
        self.issuer = issuer
        self.credentials = credentials
        self.client = client
        self.now_fn = now_fn
        self._lock = threading.Lock()
        self._token_endpoint: str | None = None
        self._tokens: dict[str, AccessToken] = {}

    def token(self, scope: str) -> str:
        """A valid access token for `scope`. Raises MaskinportenError."""
        with self._lock:
            now = self.now_fn()
            cached = self._tokens.get(scope)
            if cached is not None and now < cached.expires_at - timedelta(seconds=REFRESH_MARGIN_SECONDS):
                return cached.value
            fresh = self._fetch(scope, now)
            self._tokens[scope] = fresh
            return fresh.value

    def token_endpoint(self) -> str:
        """The token_endpoint from the issuer's RFC 8414 metadata (read once)."""
        if self._token_endpoint is None:
            url = self.issuer.rstrip("/") + METADATA_PATH
            data = self._post_or_get("GET", url)
            issuer = data.get("issuer")
            endpoint = data.get("token_endpoint")
            if isinstance(issuer, str) and audience(issuer) != audience(self.issuer):
                raise MaskinportenError(f"{url} names issuer {issuer}, not {self.issuer}", refused=True)
            if not isinstance(endpoint, str):
                raise MaskinportenError(f"{url} has no token_endpoint", refused=True)
            self._token_endpoint = endpoint
        return self._token_endpoint

    def _fetch(self, scope: str, now: datetime) -> AccessToken:
        endpoint = self.token_endpoint()
        grant = make_grant(self.credentials, issuer=self.issuer, scope=scope, now=now)
        data = self._post_or_get("POST", endpoint, form={"grant_type": GRANT_TYPE, "assertion": grant})
        value = data.get("access_token")
        expires_in = data.get("expires_in")
        if not isinstance(value, str) or not isinstance(expires_in, int | float):
            raise MaskinportenError(f"{endpoint}: answer has no access_token/expires_in", refused=True)
        log.info("maskinporten token for %s, expires in %s s", scope, expires_in)
        return AccessToken(value, scope, now + timedelta(seconds=float(expires_in)))

    def _post_or_get(self, method: str, url: str, form: dict[str, str] | None = None) -> dict[str, object]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        try:
            response = self.client.request(
                method, url, data=form, headers=headers, timeout=TOKEN_TIMEOUT_SECONDS
            )
        except httpx.HTTPError as error:
            raise MaskinportenError(f"{url}: {type(error).__name__}: {error}", refused=False) from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 500 or not isinstance(data, dict):
            raise MaskinportenError(f"{url}: HTTP {response.status_code}", refused=response.status_code < 500)
        if response.status_code != 200:
            code = data.get("error", "?")
            description = data.get("error_description", "")
            raise MaskinportenError(
                f"Maskinporten refused ({response.status_code}): {code}: {description}", refused=True
            )
        return data
