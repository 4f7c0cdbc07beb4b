"""Logging, configured in this one place, with secret values masked.

Under systemd (`$JOURNAL_STREAM` or `$INVOCATION_ID` set) lines go to stderr without a
timestamp (journald adds its own) and start with a syslog priority prefix (`<3>` error,
`<4>` warning, `<6>` info, `<7>` debug), so `journalctl -p warning -u driftsvarsel` works.
Elsewhere lines carry a readable local timestamp. `fmt="json"` writes one JSON object a line
(ts, level, logger, message, and any `extra=` fields).

Every value registered with `monitor.redact.register_secret()` is replaced by `***` in
everything our handler writes: message, arguments, `extra=` fields and tracebacks. The filter is
the safety net, not the plan: secrets should never be passed to a logger in the first place.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Literal, TextIO

from monitor.localtime import local_time
from monitor.redact import redact

# Libraries that log every request at INFO (httpx logs full webhook URLs); we log one line
# per fetch and delivery ourselves.
QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler.executors", "apscheduler.scheduler")

LogFormat = Literal["text", "json"]

_SYSLOG_PRIORITY = ((logging.CRITICAL, 2), (logging.ERROR, 3), (logging.WARNING, 4), (logging.INFO, 6))
# Attributes every LogRecord has; anything else came in through `extra=`.
_RECORD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class SecretFilter(logging.Filter):
    """Rewrites a record so that no registered secret survives into any formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in list(record.__dict__.items()):
            if key not in _RECORD_ATTRIBUTES and isinstance(value, str):
                setattr(record, key, redact(value))
        return True


def under_systemd(environ: Mapping[str, str] | None = None) -> bool:
    """True when systemd started us and stderr goes to the journal."""
    env = os.environ if environ is None else environ
    return bool(env.get("JOURNAL_STREAM") or env.get("INVOCATION_ID"))


def syslog_priority(levelno: int) -> int:
    """The syslog priority for a logging level: 2 critical, 3 error, 4 warning, 6 info, 7 debug."""
    for threshold, priority in _SYSLOG_PRIORITY:
        if levelno >= threshold:
            return priority
    return 7


class JournalFormatter(logging.Formatter):
    """`<N>logger: message`, the prefix repeated on every line (a traceback is many journal lines)."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{syslog_priority(record.levelno)}>"
        return "\n".join(prefix + line for line in self.inner.format(record).split("\n"))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts (UTC ISO-8601), level, logger, message, extra fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


class OsloFormatter(logging.Formatter):
    """Text lines stamped as every command shows a time: Europe/Oslo with the UTC offset.

    The stamp is to the second, so it is worked out once per second (a fan-out logs hundreds).
    """

    _last: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        second, stamp = self._last
        if second != int(record.created):
            second = int(record.created)
            stamp = local_time(datetime.fromtimestamp(second, UTC), seconds=True)
            self._last = (second, stamp)  # one assignment: threads see the old pair or the new
        return stamp


def configure_logging(
    fmt: LogFormat = "text",
    level: int | str = logging.INFO,
    *,
    environ: Mapping[str, str] | None = None,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send all logging to `stream` (stderr) in the format for where we run; returns the handler.

    Replaces a handler installed by an earlier call (a reload may change the format); leaves
    other handlers alone. Raises ValueError for an unknown `fmt` or level name.
    """
    if fmt not in ("text", "json"):
        raise ValueError(f"unknown log format {fmt!r} (settings.log_format: use 'text' or 'json')")
    journal = under_systemd(environ)
    formatter: logging.Formatter
    if fmt == "json":
        formatter = JsonFormatter()
    elif journal:
        formatter = logging.Formatter("%(name)s: %(message)s")
    else:
        formatter = OsloFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    if journal:
        formatter = JournalFormatter(formatter)
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    handler.setFormatter(formatter)
    handler.addFilter(SecretFilter())
    handler.set_name("driftsvarsel")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "driftsvarsel"]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        # At debug level their request lines help; otherwise they repeat ours.
        logging.getLogger(name).setLevel(logging.NOTSET if root.level <= logging.DEBUG else logging.WARNING)
    return handler
