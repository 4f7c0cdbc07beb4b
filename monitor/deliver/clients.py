"""Long-lived HTTP clients for the chat channels, one per kind of endpoint.

Building a client builds a TLS context (~20 ms of CPU with the system CA bundle); doing that per
message dominated a fan-out. Teams posts and Slack webhook posts each go through one pooled httpx
client; slack-sdk's Web API client (urllib) and smtplib get a shared TLS context (one per CA
file). `close` drops them all (shutdown, reload: a changed CA file is read again then); the next
message builds fresh ones. Safe to use from the delivery lanes' threads.
"""

from __future__ import annotations

import ssl
import threading

import httpx

#: Connections a chat client keeps (one per lane at most; see monitor.deliver.pace).
CHAT_LIMITS = httpx.Limits(max_connections=16, max_keepalive_connections=16, keepalive_expiry=60.0)

_lock = threading.Lock()
_teams: httpx.Client | None = None
_slack: httpx.Client | None = None
_tls: dict[str | None, ssl.SSLContext] = {}


def teams_client() -> httpx.Client:
    """The shared client for Teams Workflows webhooks (built on first use)."""
    global _teams
    with _lock:
        if _teams is None or _teams.is_closed:
            _teams = httpx.Client(limits=CHAT_LIMITS)
        return _teams


def slack_client() -> httpx.Client:
    """The shared client for Slack incoming webhooks (built on first use)."""
    global _slack
    with _lock:
        if _slack is None or _slack.is_closed:
            _slack = httpx.Client(limits=CHAT_LIMITS)
        return _slack


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
    global _teams, _slack
    with _lock:
        closing, _teams, _slack = (_teams, _slack), None, None
        _tls.clear()
    for client in closing:
        if client is not None:
            client.close()
