"""Tell systemd how the daemon is doing: the sd_notify(3) protocol, in plain Python.

One datagram of newline-separated `KEY=VALUE` lines goes to the AF_UNIX socket named in
`$NOTIFY_SOCKET` (a leading `@` means the Linux abstract namespace). Outside systemd that
variable is unset and every function here does nothing. Nothing here raises: a failure to
notify must never stop the daemon, so it is logged (once) and the call returns False.

The daemon's order of calls: `ready()` once the scheduler runs, `watchdog()` every
`watchdog_interval() / 2` seconds, `reloading()` ... `ready()` around a SIGHUP reload,
`stopping()` when shutting down, `status(text)` whenever there is news for `systemctl status`.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Mapping

logger = logging.getLogger(__name__)

# systemd reads the socket at once; this only guards against a wedged or foreign receiver.
NOTIFY_TIMEOUT_SECONDS = 2.0
# STATUS= is shown in `systemctl status`, one line; keep it short.
MAX_STATUS_LENGTH = 200

_warned = False


def notify(*fields: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send `fields` ("KEY=VALUE" each) as one datagram to `$NOTIFY_SOCKET`.

    Returns True when sent; False when not under systemd (no `$NOTIFY_SOCKET`) or when sending
    failed (logged as a warning the first time only). Never raises.
    """
    env = os.environ if environ is None else environ
    address = env.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    elif not address.startswith("/"):
        # vsock: and other schemes are for VMs and containers; a host service never gets them.
        _warn_once(f"unsupported NOTIFY_SOCKET address {address!r}; systemd notifications are off")
        return False
    payload = "\n".join(fields).encode("utf-8", errors="replace")
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.settimeout(NOTIFY_TIMEOUT_SECONDS)
            sock.sendto(payload, address)
    except OSError as error:
        _warn_once(f"cannot notify systemd at {env['NOTIFY_SOCKET']!r}: {error}")
        return False
    return True


def ready(status_text: str | None = None) -> bool:
    """Start-up (or a reload) is complete. `status_text`, if given, goes to `systemctl status`."""
    fields = ["READY=1"]
    if status_text:
        fields.append(_status_field(status_text))
    return notify(*fields)


def reloading() -> bool:
    """A reload has begun; follow it with `ready()` when done (also after a failed reload).

    MONOTONIC_USEC lets systemd tell this reload from an earlier one (systemd >= 253 requires
    it for Type=notify-reload; older versions ignore it).
    """
    return notify("RELOADING=1", f"MONOTONIC_USEC={time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000}")


def stopping(status_text: str | None = None) -> bool:
    """Shutdown has begun."""
    fields = ["STOPPING=1"]
    if status_text:
        fields.append(_status_field(status_text))
    return notify(*fields)


def watchdog() -> bool:
    """Still alive: reset the watchdog timer. Send it every `watchdog_interval() / 2` seconds."""
    return notify("WATCHDOG=1")


def status(text: str) -> bool:
    """Set the one-line status `systemctl status driftsvarsel` shows."""
    return notify(_status_field(text))


def watchdog_interval(environ: Mapping[str, str] | None = None) -> float | None:
    """The watchdog timeout in seconds (`WatchdogSec=` of the unit), or None when there is none.

    None also when `$WATCHDOG_PID` names another process (the variable was inherited) or the
    value is not a positive integer. Ping at half the returned interval.
    """
    env = os.environ if environ is None else environ
    pid = env.get("WATCHDOG_PID")
    if pid is not None and pid.strip() != str(os.getpid()):
        return None
    try:
        microseconds = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    if microseconds <= 0:
        return None
    return microseconds / 1_000_000


def _status_field(text: str) -> str:
    line = " ".join(text.split())
    if len(line) > MAX_STATUS_LENGTH:
        line = line[: MAX_STATUS_LENGTH - 1] + "…"
    return f"STATUS={line}"


def _warn_once(message: str) -> None:
    global _warned
    if not _warned:
        _warned = True
        logger.warning("%s (further notification errors are not logged)", message)
