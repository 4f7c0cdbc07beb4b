"""Long-lived HTTP clients: one per endpoint kind, reused across polls and messages, closed at
shutdown and rebuilt after a reload (the real Daemon, a loopback feed, no mocks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor import fetch as fetching
from monitor.deliver import clients
from monitor.demo.localserver import LocalServer, Route
from monitor.service.daemon import Daemon

RULES = """\
settings:
  state_dir: {state}
  smtp: {{host: 127.0.0.1, port: 2525, security: none, sender: driftsvarsel@test.localhost}}
sources:
  - {{name: feed, kind: atom, url: "{url}", interval_seconds: 3600}}
probes:
  enabled: false
kommuner:
  - kommunenummer: "0301"
    apis: ["*"]
    channels:
      - {{name: epost, kind: email, to: [drift@oslo.test.localhost]}}
admin:
  - {{name: epost, kind: email, to: [admin@test.localhost]}}
"""


def test_fetch_reuses_one_client_until_closed() -> None:
    with LocalServer() as server:
        server.route("/x", Route(b"<feed/>", "application/atom+xml"))
        first = fetching.shared_client()
        assert fetching.fetch(server.url("/x")).status == 200
        assert fetching.fetch(server.url("/x"), etag=Route(b"<feed/>").etag).status == 304
        assert fetching.shared_client() is first
        fetching.close_clients()
        assert first.is_closed
        assert fetching.fetch(server.url("/x")).status == 200  # a fresh client after the close
        assert fetching.shared_client() is not first


def test_daemon_reload_rebuilds_and_shutdown_closes_the_clients(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES.format(state=tmp_path, url="http://127.0.0.1:9/feed.xml"), encoding="utf-8")
    daemon = Daemon(rules)
    daemon.scheduler.start(paused=True)
    daemon.schedule()
    before = (fetching.shared_client(), clients.teams_client(), clients.slack_client())
    context = clients.tls_context()
    assert daemon.reload()
    assert all(client.is_closed for client in before)
    assert clients.tls_context() is not context
    after = (fetching.shared_client(), clients.teams_client(), clients.slack_client())
    assert not any(client.is_closed for client in after)
    assert daemon.shutdown() == 0
    assert all(client.is_closed for client in after)
