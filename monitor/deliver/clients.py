"""Long-lived HTTP clients for the chat channels, one per kind of endpoint.

Building a client builds a TLS context (~20 ms of CPU with the system CA bundle); doing that per
message dominated a fan-out. Teams posts and Slack webhook posts each go through one pooled httpx
client (the two share httpx's default TLS context); slack-sdk's Web API client (urllib) and
smtplib get a shared TLS context (one per CA file). Idle SMTP connections are kept per (host,
port, security, user) for reuse, up to SMTP_IDLE_EXPIRY. `close` drops them all (shutdown,
reload: a changed CA file is read again then); the next message builds fresh ones. Safe to use
from the delivery lanes' threads.
"""

from __future__ import annotations

import functools
import smtplib
import ssl
import threading
import time

import httpx

#: Connections a chat client keeps (one per lane at most; see monitor.deliver.pace).
CHAT_LIMITS = httpx.Limits(max_connections=16, max_keepalive_connections=16, keepalive_expiry=60.0)

_lock = threading.Lock()
_teams: httpx.Client | None = None
_slack: httpx.Client | None = None
_tls: dict[str | None, ssl.SSLContext] = {}
#: httpx's own default TLS context (its CA bundle, SSL_CERT_FILE/DIR), built once for both clients.
_chat_tls: ssl.SSLContext | None = None


def teams_client() -> httpx.Client:
    """The shared client for Teams Workflows webhooks (built on first use)."""
    global _teams
    with _lock:
        if _teams is None or _teams.is_closed:
            _teams = httpx.Client(limits=CHAT_LIMITS, verify=_chat_tls_locked())
        return _teams


def slack_client() -> httpx.Client:
    """The shared client for Slack incoming webhooks (built on first use)."""
    global _slack
    with _lock:
        if _slack is None or _slack.is_closed:
            _slack = httpx.Client(limits=CHAT_LIMITS, verify=_chat_tls_locked())
        return _slack


def _chat_tls_locked() -> ssl.SSLContext:
    """What `httpx.Client()` would build for itself (~20 ms of CPU), shared; call with _lock held."""
    global _chat_tls
    if _chat_tls is None:
        _chat_tls = httpx.create_ssl_context()
    return _chat_tls


@functools.lru_cache(maxsize=4096)
def webhook_url(url: str) -> httpx.URL:
    """`url` parsed once: httpx parses a str URL again on every request.

    Raises httpx.InvalidURL, as a request with the str would.
    """
    return httpx.URL(url)


def tls_context(cafile: str | None = None) -> ssl.SSLContext:
    """The shared verifying TLS context trusting `cafile` (None: the system's CAs).

    Raises OSError or ssl.SSLError, as `ssl.create_default_context`, when `cafile` is unusable.
    """
    with _lock:
        if cafile not in _tls:
            _tls[cafile] = ssl.create_default_context(cafile=cafile)
        return _tls[cafile]


def close() -> None:
    """Close the pooled connections; the next message builds new clients."""
    global _teams, _slack, _chat_tls, _smtp_generation
    with _lock:
        closing, _teams, _slack = (_teams, _slack), None, None
        _tls.clear()
        _chat_tls = None
        idle = [client for clients in _smtp_idle.values() for _, client in clients]
        _smtp_idle.clear()
        _smtp_generation += 1
    for client in closing:
        if client is not None:
            client.close()
    for smtp in idle:
        _quit(smtp)


# --- SMTP connections -------------------------------------------------------------------------

#: An idle SMTP connection older than this is closed rather than reused (servers drop idle ones).
SMTP_IDLE_EXPIRY = 30.0
#: Idle connections kept per server key (at most one per delivery lane is in use at a time).
SMTP_MAX_IDLE = 8

#: host, port, security, user, a digest of the password, CA file: a pooled connection is reused
#: only under the settings it was opened and authenticated with.
SmtpKey = tuple[str, int, str, str | None, str, str | None]
_smtp_idle: dict[SmtpKey, list[tuple[float, smtplib.SMTP]]] = {}
_smtp_generation = 0


def smtp_checkout(key: SmtpKey) -> tuple[smtplib.SMTP | None, int]:
    """An idle connection to `key` (None if there is none) and the pool generation to check it in with.

    Connections idle past SMTP_IDLE_EXPIRY are closed here; the caller checks the one it gets
    (its first command retries on a fresh connection if the server had dropped it).
    """
    now = time.monotonic()
    stale: list[smtplib.SMTP] = []
    found: smtplib.SMTP | None = None
    with _lock:
        idle = _smtp_idle.get(key, [])
        while idle:
            since, client = idle.pop()
            if now - since <= SMTP_IDLE_EXPIRY:
                found = client
                break
            stale.append(client)
        generation = _smtp_generation
    for client in stale:
        _quit(client)
    return found, generation


def smtp_checkin(key: SmtpKey, client: smtplib.SMTP, generation: int) -> None:
    """Keep `client` for reuse, unless the pool was closed since its checkout or is full."""
    with _lock:
        idle = _smtp_idle.setdefault(key, [])
        if generation == _smtp_generation and len(idle) < SMTP_MAX_IDLE:
            idle.append((time.monotonic(), client))
            return
    _quit(client)


def _quit(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
