"""sd_notify against a real AF_UNIX datagram socket, as systemd would hold it."""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.service import sdnotify


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    """A bound datagram socket in a short temp dir (AF_UNIX paths are limited to 108 bytes)."""
    with tempfile.TemporaryDirectory(prefix="sd") as directory:
        path = str(Path(directory) / "notify")
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.bind(path)
            sock.settimeout(2)
            monkeypatch.setenv("NOTIFY_SOCKET", path)
            yield sock


def _received(sock: socket.socket) -> list[str]:
    return sock.recv(4096).decode().split("\n")


def test_ready_sends_ready_and_status(receiver: socket.socket) -> None:
    assert sdnotify.ready("4 kilder, neste henting 10:12") is True
    assert _received(receiver) == ["READY=1", "STATUS=4 kilder, neste henting 10:12"]


def test_watchdog_and_stopping_send_their_keys(receiver: socket.socket) -> None:
    assert sdnotify.watchdog()
    assert _received(receiver) == ["WATCHDOG=1"]
    assert sdnotify.stopping()
    assert _received(receiver) == ["STOPPING=1"]


def test_reloading_sends_current_monotonic_usec(receiver: socket.socket) -> None:
    before = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    assert sdnotify.reloading()
    after = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    fields = _received(receiver)
    assert fields[0] == "RELOADING=1"
    key, value = fields[1].split("=")
    assert key == "MONOTONIC_USEC"
    assert before <= int(value) <= after


def test_status_is_one_bounded_line(receiver: socket.socket) -> None:
    assert sdnotify.status("første linje\nandre linje " + "x" * 500)
    (field,) = _received(receiver)
    assert field.startswith("STATUS=første linje andre linje x")
    assert "\n" not in field
    assert len(field) == len("STATUS=") + sdnotify.MAX_STATUS_LENGTH


def test_notify_reaches_abstract_namespace_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"driftsvarsel-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(2)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert sdnotify.ready()
        assert _received(sock) == ["READY=1"]


def test_notify_without_socket_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert sdnotify.ready("x") is False
    assert sdnotify.watchdog() is False


def test_notify_to_missing_socket_logs_once_and_never_raises(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(sdnotify, "_warned", False)
    monkeypatch.setenv("NOTIFY_SOCKET", "/nonexistent/driftsvarsel/notify")
    with caplog.at_level(logging.WARNING, logger="monitor.service.sdnotify"):
        assert sdnotify.watchdog() is False
        assert sdnotify.watchdog() is False
        assert sdnotify.ready() is False
    warnings = [record for record in caplog.records if record.name == "monitor.service.sdnotify"]
    assert len(warnings) == 1
    assert "/nonexistent/driftsvarsel/notify" in warnings[0].getMessage()


def test_watchdog_interval_reads_usec_for_this_process() -> None:
    pid = str(os.getpid())
    assert sdnotify.watchdog_interval({"WATCHDOG_USEC": "120000000", "WATCHDOG_PID": pid}) == 120.0
    assert sdnotify.watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 30.0


def test_watchdog_interval_none_for_other_pid_or_bad_value() -> None:
    assert sdnotify.watchdog_interval({"WATCHDOG_USEC": "120000000", "WATCHDOG_PID": "1"}) is None
    assert sdnotify.watchdog_interval({}) is None
    assert sdnotify.watchdog_interval({"WATCHDOG_USEC": "soon"}) is None
    assert sdnotify.watchdog_interval({"WATCHDOG_USEC": "0"}) is None
