"""configure_logging formats and the secret filter, through the real logging machinery."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest

from monitor import redact
from monitor.service import logsetup

SLACK_URL = "https://hooks.slack.com/services/T0000TEST/B0000TEST/abcdefghijklmnopqrstuvwx"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """A stream for configure_logging; the handler and registered secrets are removed afterwards."""
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    yield stream
    for handler in [h for h in root.handlers if h.get_name() == "driftsvarsel"]:
        root.removeHandler(handler)
    root.setLevel(level)
    redact.forget_secrets()


def test_configure_logging_text_has_timestamp_outside_systemd(output: io.StringIO) -> None:
    logsetup.configure_logging("text", "INFO", environ={}, stream=output)
    logging.getLogger("monitor.fetch").info("hentet %s", "driftsmeldinger")
    logging.getLogger("monitor.fetch").debug("not shown at INFO")
    line = output.getvalue().strip()
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0[12]:00"  # Europe/Oslo with its offset
    assert re.fullmatch(stamp + r" INFO    monitor.fetch: hentet driftsmeldinger", line)


def test_configure_logging_under_systemd_uses_priority_prefix_without_time(output: io.StringIO) -> None:
    logsetup.configure_logging("text", logging.DEBUG, environ={"INVOCATION_ID": "abc"}, stream=output)
    log = logging.getLogger("monitor.deliver")
    log.debug("d")
    log.info("i")
    log.warning("w")
    log.error("e")
    assert output.getvalue().splitlines() == [
        "<7>monitor.deliver: d",
        "<6>monitor.deliver: i",
        "<4>monitor.deliver: w",
        "<3>monitor.deliver: e",
    ]


def test_configure_logging_journal_prefixes_every_traceback_line(output: io.StringIO) -> None:
    logsetup.configure_logging("text", "INFO", environ={"JOURNAL_STREAM": "8:1234"}, stream=output)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("monitor.service.daemon").exception("job failed")
    lines = output.getvalue().splitlines()
    assert lines[0] == "<3>monitor.service.daemon: job failed"
    assert len(lines) == 5  # the message, 'Traceback', the frame, its source line, the exception
    assert all(line.startswith("<3>") for line in lines)
    assert lines[-1] == "<3>RuntimeError: boom"


def test_configure_logging_json_lines_carry_extra_fields(output: io.StringIO) -> None:
    logsetup.configure_logging("json", "INFO", environ={}, stream=output)
    logging.getLogger("monitor.fetch").warning(
        "henting feilet for %s", "status", extra={"source": "status", "elapsed_ms": 1234}
    )
    entry = json.loads(output.getvalue())
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "monitor.fetch"
    assert entry["message"] == "henting feilet for status"
    assert entry["source"] == "status"
    assert entry["elapsed_ms"] == 1234
    assert entry["ts"].endswith("+00:00")


def test_configure_logging_replaces_its_own_handler_only(output: io.StringIO) -> None:
    other = logging.NullHandler()
    logging.getLogger().addHandler(other)
    try:
        logsetup.configure_logging("text", "INFO", environ={}, stream=output)
        second = logsetup.configure_logging("json", "INFO", environ={}, stream=output)
        ours = [h for h in logging.getLogger().handlers if h.get_name() == "driftsvarsel"]
        assert ours == [second]
        assert other in logging.getLogger().handlers
    finally:
        logging.getLogger().removeHandler(other)


def test_configure_logging_rejects_unknown_format(output: io.StringIO) -> None:
    with pytest.raises(ValueError, match="log_format"):
        logsetup.configure_logging("xml", environ={}, stream=output)  # type: ignore[arg-type]


def test_secret_filter_masks_registered_secret_everywhere(output: io.StringIO) -> None:
    logsetup.configure_logging("text", "INFO", environ={}, stream=output)
    redact.register_secret(SLACK_URL)
    redact.register_secret("hunter2-smtp")
    log = logging.getLogger("monitor.deliver.slack")
    log.info("posting to %s", SLACK_URL)
    log.info("login with password hunter2-smtp failed")
    try:
        raise ConnectionError(f"cannot reach {SLACK_URL}")
    except ConnectionError:
        log.exception("delivery failed")
    text = output.getvalue()
    assert "abcdefghijklmnopqrstuvwx" not in text
    assert "hunter2-smtp" not in text
    assert "posting to ***" in text
    assert "password *** failed" in text
    assert "ConnectionError: cannot reach ***" in text


def test_secret_filter_masks_webhook_path_rendered_differently(output: io.StringIO) -> None:
    logsetup.configure_logging("json", "INFO", environ={}, stream=output)
    redact.register_secret(SLACK_URL)
    # httpx renders the URL with an explicit port; the secret path must still be masked.
    rendered = SLACK_URL.replace("hooks.slack.com", "hooks.slack.com:443")
    logging.getLogger("httpx").warning("HTTP Request: POST %s", rendered, extra={"url": rendered})
    entry = json.loads(output.getvalue())
    assert "B0000TEST" not in output.getvalue()
    assert entry["message"] == "HTTP Request: POST https://hooks.slack.com:443***"
    assert entry["url"] == "https://hooks.slack.com:443***"


def test_redact_ignores_too_short_values() -> None:
    try:
        redact.register_secret("ab")
        redact.register_secret(None)
        assert logsetup.redact("ab cd") == "ab cd"
    finally:
        redact.forget_secrets()


def test_syslog_priority_maps_levels() -> None:
    assert [logsetup.syslog_priority(level) for level in (50, 40, 30, 20, 10, 5)] == [2, 3, 4, 6, 7, 7]
