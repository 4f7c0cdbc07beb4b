"""Metrics recording, and /metrics and /healthz over a real loopback HTTP server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import prometheus_client
import pytest
from prometheus_client.parser import text_string_to_metric_families

from monitor.errors import UserError
from monitor.listen import parse_listen
from monitor.service import metrics

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def fresh() -> metrics.Metrics:
    return metrics.Metrics()


@pytest.fixture
def server(fresh: metrics.Metrics) -> Iterator[tuple[metrics.MetricsServer, list[tuple[bool, str]]]]:
    """A server on a free loopback port whose health answer the test sets in the list."""
    answer = [(True, "ok: last good poll 2m ago")]
    running = metrics.serve("127.0.0.1:0", lambda: answer[0], fresh)
    yield running, answer
    running.stop()


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_serve_metrics_exposes_recorded_values(
    server: tuple[metrics.MetricsServer, list[tuple[bool, str]]], fresh: metrics.Metrics
) -> None:
    running, _ = server
    metrics.record_fetch("driftsmeldinger", True, fresh)
    metrics.record_fetch("driftsmeldinger", True, fresh)
    metrics.record_fetch("status", False, fresh)
    metrics.record_notice("nedetid", fresh)
    metrics.record_delivery("slack_webhook", "retry", fresh)
    metrics.set_outbox_depth({"pending": 3, "dead": 1}, fresh)
    metrics.set_probe("inntekt", "test", True, 0.25, fresh)
    metrics.mark_good_poll("driftsmeldinger", NOW, fresh)

    response = httpx.get(f"{running.url}/metrics", timeout=5)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples = _samples(response.text)
    assert (
        samples[("driftsvarsel_fetches_total", frozenset({("source", "driftsmeldinger"), ("result", "ok")}))]
        == 2
    )
    assert (
        samples[("driftsvarsel_fetches_total", frozenset({("source", "status"), ("result", "error")}))] == 1
    )
    assert samples[("driftsvarsel_notices_total", frozenset({("category", "nedetid")}))] == 1
    key = (
        "driftsvarsel_deliveries_total",
        frozenset({("channel_kind", "slack_webhook"), ("result", "retry")}),
    )
    assert samples[key] == 1
    assert samples[("driftsvarsel_outbox_depth", frozenset({("state", "pending")}))] == 3
    probe = frozenset({("api", "inntekt"), ("environment", "test")})
    assert samples[("driftsvarsel_probe_state", probe)] == 1
    assert samples[("driftsvarsel_probe_latency_seconds", probe)] == 0.25
    poll = ("driftsvarsel_last_good_poll_timestamp_seconds", frozenset({("source", "driftsmeldinger")}))
    assert samples[poll] == NOW.timestamp()


def test_metrics_use_own_registry_not_the_global_one(fresh: metrics.Metrics) -> None:
    metrics.record_fetch("driftsmeldinger", True, fresh)
    assert fresh.registry is not prometheus_client.REGISTRY
    global_names = {family.name for family in prometheus_client.REGISTRY.collect()}
    assert not any(name.startswith("driftsvarsel") for name in global_names)


def test_set_outbox_depth_zeroes_states_that_disappear(fresh: metrics.Metrics) -> None:
    metrics.set_outbox_depth({"pending": 5, "dead": 2}, fresh)
    metrics.set_outbox_depth({"pending": 1}, fresh)
    assert fresh.registry.get_sample_value("driftsvarsel_outbox_depth", {"state": "pending"}) == 1
    assert fresh.registry.get_sample_value("driftsvarsel_outbox_depth", {"state": "dead"}) == 0


def test_set_probe_down_keeps_last_latency(fresh: metrics.Metrics) -> None:
    metrics.set_probe("skattemelding", "produksjon", True, 0.5, fresh)
    metrics.set_probe("skattemelding", "produksjon", False, None, fresh)
    labels = {"api": "skattemelding", "environment": "produksjon"}
    assert fresh.registry.get_sample_value("driftsvarsel_probe_state", labels) == 0
    assert fresh.registry.get_sample_value("driftsvarsel_probe_latency_seconds", labels) == 0.5


def test_serve_healthz_answers_200_then_503(
    server: tuple[metrics.MetricsServer, list[tuple[bool, str]]],
) -> None:
    running, answer = server
    ok = httpx.get(f"{running.url}/healthz", timeout=5)
    assert (ok.status_code, ok.text) == (200, "ok: last good poll 2m ago\n")
    answer[0] = (False, "stale: last good poll 3h ago")
    stale = httpx.get(f"{running.url}/healthz", timeout=5)
    assert (stale.status_code, stale.text) == (503, "stale: last good poll 3h ago\n")


def test_serve_healthz_is_503_when_the_check_raises(fresh: metrics.Metrics) -> None:
    def broken() -> tuple[bool, str]:
        raise RuntimeError("database is locked")

    running = metrics.serve("127.0.0.1:0", broken, fresh)
    try:
        response = httpx.get(f"{running.url}/healthz", timeout=5)
    finally:
        running.stop()
    assert response.status_code == 503
    assert "database is locked" in response.text


def test_serve_unknown_path_is_404(server: tuple[metrics.MetricsServer, list[tuple[bool, str]]]) -> None:
    running, _ = server
    assert httpx.get(f"{running.url}/", timeout=5).status_code == 404


def test_serve_stop_closes_the_port(fresh: metrics.Metrics) -> None:
    running = metrics.serve("127.0.0.1:0", lambda: (True, "ok"), fresh)
    running.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{running.url}/healthz", timeout=2)


def test_serve_port_in_use_is_a_user_error(
    server: tuple[metrics.MetricsServer, list[tuple[bool, str]]],
) -> None:
    running, _ = server
    with pytest.raises(UserError, match="settings.metrics_listen: cannot listen on 127.0.0.1:"):
        metrics.serve(f"127.0.0.1:{running.port}", lambda: (True, "ok"), metrics.Metrics())


@pytest.mark.parametrize("listen", ["9464", "localhost", "127.0.0.1:http", ":9464", "127.0.0.1:70000"])
def test_serve_rejects_a_malformed_listen_address_naming_the_setting(listen: str) -> None:
    with pytest.raises(UserError, match=rf"settings.metrics_listen: '{re.escape(listen)}' is not host:port"):
        metrics.serve(listen, lambda: (True, "ok"), metrics.Metrics())


def test_parse_listen_accepts_ipv4_ipv6_and_names() -> None:
    setting, example = "settings.metrics_listen", "'127.0.0.1:9464'"
    assert parse_listen("127.0.0.1:9464", setting, example) == ("127.0.0.1", 9464)
    assert parse_listen("[::1]:9464", setting, example) == ("::1", 9464)
    assert parse_listen("localhost:0", setting, example) == ("localhost", 0)


def test_health_from_last_poll_fresh_and_stale() -> None:
    assert metrics.health_from_last_poll(NOW - timedelta(minutes=2), NOW, 3600) == (
        True,
        "ok: last good poll 2m ago",
    )
    assert metrics.health_from_last_poll(NOW - timedelta(hours=3), NOW, 3600) == (
        False,
        "stale: last good poll 3h ago",
    )


def test_health_from_last_poll_without_poll_depends_on_start() -> None:
    assert metrics.health_from_last_poll(None, NOW, 3600) == (False, "stale: no successful poll yet")
    healthy, text = metrics.health_from_last_poll(None, NOW, 3600, started=NOW - timedelta(seconds=30))
    assert healthy and text.startswith("ok: starting")
    healthy, _ = metrics.health_from_last_poll(None, NOW, 3600, started=NOW - timedelta(hours=2))
    assert not healthy


def test_format_age_units() -> None:
    ages = [timedelta(seconds=40), timedelta(minutes=12), timedelta(hours=3), timedelta(days=2)]
    assert [metrics.format_age(NOW, NOW - age) for age in ages] == ["40s", "12m", "3h", "2d"]
