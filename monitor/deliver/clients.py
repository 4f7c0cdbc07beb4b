"""Long-lived HTTP clients for the chat channels, one per kind of endpoint.

Building a client builds a TLS context (~20 ms of CPU with the system CA bundle); doing that per
message dominated a fan-out. Teams posts go through one pooled httpx client; slack-sdk talks
through urllib, so it gets one shared TLS context. `close` drops both (shutdown, reload); the next
message builds fresh ones. Safe to use from the delivery lanes' threads.
"""

from __future__ import annotations

import ssl
import threading

import httpx

#: Connections the Teams client keeps (one per lane at most; see monitor.deliver.pace).
TEAMS_LIMITS = httpx.Limits(max_connections=16, max_keepalive_connections=16, keepalive_expiry=60.0)

_lock = threading.Lock()
_teams: httpx.Client | None = None
_tls: ssl.SSLContext | None = None


def teams_client() -> httpx.Client:
    """The shared client for Teams Workflows webhooks (built on first use)."""
    global _teams
    with _lock:
        if _teams is None or _teams.is_closed:
            _teams = httpx.Client(limits=TEAMS_LIMITS)
        return _teams


def tls_context() -> ssl.SSLContext:
    """The shared verifying TLS context for slack-sdk's urllib requests."""
    global _tls
    with _lock:
        if _tls is None:
            _tls = ssl.create_default_context()
        return _tls


def close() -> None:
    """Close the pooled connections; the next message builds new clients."""
    global _teams, _tls
    with _lock:
        client, _teams, _tls = _teams, None, None
    if client is not None:
        client.close()
