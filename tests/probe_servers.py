"""Loopback HTTPS stand-ins for the API gateway and Maskinporten, for the probe tests.

`HttpsServer` is a `LocalServer` whose socket speaks TLS with a certificate made in the test
(trustme, or `make_ca_and_leaf` from `cryptography` when the expiry date matters).
`MaskinportenStandIn` validates JWT-bearer grants the way Maskinporten documents it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import socket
import ssl
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from monitor.config.types import ChannelConfig, KommuneConfig, ProbeSettings, Rules, Settings
from monitor.demo.localserver import LocalServer, Request, Response

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
#: Claims Maskinporten's grant documentation lists; anything else is "Invalid assertion".
DOCUMENTED_CLAIMS = frozenset(
    {"aud", "iss", "iat", "exp", "jti", "scope", "resource", "pid", "consumer_org", "iss_onbehalfof"}
)


@dataclass
class CertificateFiles:
    ca_file: Path
    cert_file: Path
    key_file: Path
    not_after: dt.datetime


def make_ca_and_leaf(directory: Path, *, valid_days: float, name: str = "leaf") -> CertificateFiles:
    """A CA and a leaf certificate for 127.0.0.1 that expires `valid_days` from now."""
    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "probe test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    not_after = (now + dt.timedelta(days=valid_days)).replace(microsecond=0)
    import ipaddress

    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(not_after)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    files = CertificateFiles(
        directory / f"{name}-ca.pem", directory / f"{name}.pem", directory / f"{name}-key.pem", not_after
    )
    files.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    files.key_file.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return files


class HttpsServer(LocalServer):
    """A LocalServer on 127.0.0.1 that speaks TLS with the given certificate and key files."""

    def __init__(self, cert_file: Path, key_file: Path) -> None:
        super().__init__()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert_file), str(key_file))
        # The handshake runs in the handler thread, so a stalled client cannot block accept().
        self._server.socket = context.wrap_socket(
            self._server.socket, server_side=True, do_handshake_on_connect=False
        )
        # Failed handshakes (the untrusted-certificate test) are expected: keep stderr quiet.
        self._server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]

    def __enter__(self) -> HttpsServer:
        self.start()
        return self

    def https(self, path: str = "") -> str:
        return f"https://127.0.0.1:{self.port}{path}"


def json_answer(status: int, body: object) -> Response:
    return Response(status, json.dumps(body).encode(), "application/json")


@contextmanager
def resetting_server() -> Iterator[int]:
    """A TCP port that accepts and immediately resets every connection (RST, via SO_LINGER 0)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        listener.close()


@contextmanager
def refused_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound but not listening, and held for the whole
    `with` block, so no other process can take it meanwhile (as a closed port could be)."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield int(holder.getsockname()[1])


@dataclass
class MaskinportenStandIn:
    """Validates grants as Maskinporten documents: RS256 signed by the registered certificate (x5c)
    or registered key (kid), aud == issuer, exp − iat ≤ 120, a jti used once, only documented claims,
    the jwt-bearer grant_type. Issues opaque tokens valid `expires_in` seconds.
    """

    server: HttpsServer
    client_id: str
    certificate_der: bytes
    kid_keys: dict[str, rsa.RSAPublicKey] = field(default_factory=dict)
    expires_in: int = 120
    used_jti: set[str] = field(default_factory=set)
    issued: dict[str, str] = field(default_factory=dict)  # token → scope
    token_requests: int = 0

    def __post_init__(self) -> None:
        self.server.route(
            "/.well-known/oauth-authorization-server",
            lambda request: json_answer(
                200, {"issuer": self.issuer, "token_endpoint": self.server.https("/token")}
            ),
        )
        self.server.route("/token", self.token)

    @property
    def issuer(self) -> str:
        return self.server.https("/")

    def token(self, request: Request) -> Response:
        self.token_requests += 1
        form = {key: values[0] for key, values in parse_qs(request.body.decode()).items()}
        if form.get("grant_type") != GRANT_TYPE:
            return _error("unsupported_grant_type", "Invalid grant_type")
        assertion = form.get("assertion", "")
        try:
            header = jwt.get_unverified_header(assertion)
            key = self._key(header)
            claims = jwt.decode(
                assertion,
                key,
                algorithms=["RS256"],
                audience=self.issuer,
                options={"require": ["aud", "iss", "iat", "exp", "jti", "scope"]},
            )
        except _Refusal as refusal:
            return _error("invalid_grant", str(refusal))
        except jwt.InvalidAudienceError:
            return _error("invalid_grant", "Invalid assertion. Invalid JWT claim aud (MP-110)")
        except jwt.PyJWTError as error:
            return _error("invalid_grant", f"Invalid assertion. {error}")
        if set(claims) - DOCUMENTED_CLAIMS:
            return _error("invalid_request", "Invalid assertion. Invalid parameter value")
        if claims["iss"] != self.client_id:
            return _error("invalid_grant", "Invalid assertion. Client authentication failed.")
        if claims["exp"] - claims["iat"] > 120:
            return _error("invalid_grant", "Invalid assertion. exp is more than 120 s after iat")
        if claims["jti"] in self.used_jti:
            return _error("invalid_grant", "Grant is used before")
        self.used_jti.add(claims["jti"])
        token = secrets.token_urlsafe(24)
        self.issued[token] = claims["scope"]
        return json_answer(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.expires_in,
                "scope": claims["scope"],
            },
        )

    def _key(self, header: dict[str, object]) -> rsa.RSAPublicKey:
        if header.get("alg") != "RS256":
            raise _Refusal("Invalid assertion. alg must be RS256")
        if "kid" in header:
            key = self.kid_keys.get(str(header["kid"]))
            if key is None:
                raise _Refusal("Invalid assertion. Unknown kid")
            return key
        chain = header.get("x5c")
        if not isinstance(chain, list) or not chain:
            raise _Refusal("Failed to extract certificate from jwt")
        der = base64.b64decode(chain[0])
        if der != self.certificate_der:
            raise _Refusal("Invalid assertion. Client authentication failed. (MP-120)")
        public_key = x509.load_der_x509_certificate(der).public_key()
        assert isinstance(public_key, rsa.RSAPublicKey)
        return public_key

    def scope_of(self, authorization: str | None) -> str | None:
        if not authorization or not authorization.startswith("Bearer "):
            return None
        return self.issued.get(authorization.removeprefix("Bearer "))


class _Refusal(Exception):
    pass


def _error(code: str, description: str) -> Response:
    return json_answer(400, {"error": code, "error_description": description})


def channel(name: str = "slack") -> ChannelConfig:
    return ChannelConfig(name=name, kind="slack_webhook", secret="env:SLACK_HOOK")


def kommune(
    number: str, name: str, apis: tuple[str, ...], channels: tuple[str, ...] = ("slack",)
) -> KommuneConfig:
    return KommuneConfig(
        number=number,
        name=name,
        rettighetspakker=(),
        apis=apis,
        channels=tuple(channel(item) for item in channels),
    )


def make_rules(
    tmp_path: Path,
    probes: ProbeSettings,
    kommuner: tuple[KommuneConfig, ...] = (),
    admin: tuple[ChannelConfig, ...] = (),
) -> Rules:
    """Rules built directly (no rules.yaml): a temp database, the given kommuner and probe settings."""
    kommuner = kommuner or (
        kommune("0301", "Oslo", ("inntekt", "summertskattegrunnlag")),
        kommune("4203", "Arendal", ("formuesgrunnlageiendomsskatt",)),
    )
    settings = Settings(state_dir=tmp_path, database=tmp_path / "driftsvarsel.db")
    return Rules(
        tmp_path / "rules.yaml", settings, (), kommuner, admin or (channel("admin-mail"),), probes=probes
    )
