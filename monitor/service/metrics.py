"""Prometheus metrics and the /metrics + /healthz HTTP endpoint.

The metrics live in their own CollectorRegistry (never prometheus_client's global one), so
tests and a second instance cannot collide. The daemon calls the `record_*`/`set_*`/`mark_*`
functions; `serve()` starts a small threaded HTTP server on `settings.metrics_listen`.
All metric names carry the `driftsvarsel_` prefix.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from http.server import BaseHTTPRequestHandler

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest

from monitor.listen import Listening, start

logger = logging.getLogger(__name__)

NAMESPACE = "driftsvarsel"
DEFAULT_LISTEN = "127.0.0.1:9464"
# A scraper or health checker that stops sending mid-request must not hold a thread forever.
REQUEST_TIMEOUT_SECONDS = 10.0

Health = Callable[[], tuple[bool, str]]


class Metrics:
    """The collectors, registered in `self.registry`."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry = CollectorRegistry() if registry is None else registry
        self.fetches = Counter(
            "fetches",
            "Source fetches by result (ok, error).",
            ["source", "result"],
            NAMESPACE,
            registry=registry,
        )
        self.notices = Counter(
            "notices", "New or changed notices by category.", ["category"], NAMESPACE, registry=registry
        )
        self.deliveries = Counter(
            "deliveries",
            "Delivery attempts by channel kind and result.",
            ["channel_kind", "result"],
            NAMESPACE,
            registry=registry,
        )
        self.outbox_depth = Gauge(
            "outbox_depth", "Outbox rows by state.", ["state"], NAMESPACE, registry=registry
        )
        self.probe_state = Gauge(
            "probe_state", "API probe: 1 up, 0 down.", ["api", "environment"], NAMESPACE, registry=registry
        )
        self.probe_latency = Gauge(
            "probe_latency_seconds",
            "Duration of the last API probe.",
            ["api", "environment"],
            NAMESPACE,
            registry=registry,
        )
        self.last_good_poll = Gauge(
            "last_good_poll_timestamp_seconds",
            "Unix time of the last successful fetch.",
            ["source"],
            NAMESPACE,
            registry=registry,
        )
        self._outbox_states: set[str] = set()


METRICS = Metrics()


def record_fetch(source: str, ok: bool, metrics: Metrics = METRICS) -> None:
    metrics.fetches.labels(source=source, result="ok" if ok else "error").inc()


def record_notice(category: str, metrics: Metrics = METRICS) -> None:
    metrics.notices.labels(category=category).inc()


def record_delivery(kind: str, result: str, metrics: Metrics = METRICS) -> None:
    """`result`: a short word such as "ok", "retry" or "dead"."""
    metrics.deliveries.labels(channel_kind=kind, result=result).inc()


def set_outbox_depth(depth: Mapping[str, int], metrics: Metrics = METRICS) -> None:
    """Set the row count per state; a state seen before but missing from `depth` drops to 0."""
    for state in metrics._outbox_states - set(depth):
        metrics.outbox_depth.labels(state=state).set(0)
    for state, count in depth.items():
        metrics.outbox_depth.labels(state=state).set(count)
    metrics._outbox_states |= set(depth)


def set_probe(api: str, env: str, up: bool, latency: float | None, metrics: Metrics = METRICS) -> None:
    """Record a probe outcome; `latency` None (no answer) leaves the last latency in place."""
    metrics.probe_state.labels(api=api, environment=env).set(1 if up else 0)
    if latency is not None:
        metrics.probe_latency.labels(api=api, environment=env).set(latency)


def mark_good_poll(source: str, now: datetime, metrics: Metrics = METRICS) -> None:
    metrics.last_good_poll.labels(source=source).set(now.timestamp())


def health_from_last_poll(
    last_good: datetime | None, now: datetime, max_age_seconds: float, *, started: datetime | None = None
) -> tuple[bool, str]:
    """(healthy, text) for /healthz: healthy when the newest good poll is at most `max_age_seconds` old.

    With no good poll yet, healthy only while `started` (daemon start) is within the same age.
    """
    if last_good is None:
        if started is not None and (now - started).total_seconds() <= max_age_seconds:
            return True, f"ok: starting, no successful poll yet (started {format_age(now, started)} ago)"
        return False, "stale: no successful poll yet"
    age = format_age(now, last_good)
    if (now - last_good).total_seconds() <= max_age_seconds:
        return True, f"ok: last good poll {age} ago"
    return False, f"stale: last good poll {age} ago"


def format_age(now: datetime, then: datetime) -> str:
    """A rough human age: "40s", "12m", "3h", "2d"."""
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 90:
        return f"{seconds}s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)}m"
    if seconds < 48 * 3600:
        return f"{round(seconds / 3600)}h"
    return f"{round(seconds / 86400)}d"


#: A running /metrics + /healthz server; `url` is its base, `stop()` shuts it down.
MetricsServer = Listening


def serve(listen: str, health: Health, metrics: Metrics = METRICS) -> MetricsServer:
    """Serve /metrics and /healthz on `listen` ("127.0.0.1:9464"; port 0 picks a free one).

    Binds exactly what is configured. Raises UserError when the address is malformed or
    cannot be bound (in use, not local).
    """
    example = f"{DEFAULT_LISTEN!r} or '[::1]:9464'"
    running = start(
        listen, "settings.metrics_listen", example, _make_handler(metrics, health), "metrics-http"
    )
    logger.info("metrics at %s/metrics, health at %s/healthz", running.url, running.url)
    return running


def _make_handler(metrics: Metrics, health: Health) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = REQUEST_TIMEOUT_SECONDS
        server_version = "driftsvarsel"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._reply(200, generate_latest(metrics.registry), CONTENT_TYPE_LATEST)
            elif path == "/healthz":
                self._health()
            else:
                self._reply(404, b"not found: try /metrics or /healthz\n", "text/plain; charset=utf-8")

        def do_HEAD(self) -> None:
            self.do_GET()

        def _health(self) -> None:
            try:
                healthy, text = health()
            except Exception as error:  # a broken check is unhealthy, not a crashed server
                logger.exception("health check failed")
                healthy, text = False, f"error: health check failed: {error}"
            status = 200 if healthy else 503
            self._reply(status, (text + "\n").encode(), "text/plain; charset=utf-8")

        def _reply(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            logger.debug("%s %s", self.address_string(), format % args)

    return Handler
