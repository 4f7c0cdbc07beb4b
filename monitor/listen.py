"""A small local HTTP server on a configured "host:port" (the status page, /metrics and /healthz).

    parse_listen(listen, setting, example) -> (host, port)    UserError naming the setting
    start(listen, setting, example, handler, name) -> Listening   bound, serving on its own thread

Binds exactly what is configured; a malformed or unbindable address is a UserError that names
the setting and the fix. The request handler (and its timeout) is the caller's.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from monitor.errors import UserError

#: How long stop() waits for the serving thread (a request in progress may hold it).
STOP_TIMEOUT_SECONDS = 5.0
#: How often the serving loop checks for stop(); stop() takes up to this long.
SHUTDOWN_POLL_SECONDS = 0.1


class Listening:
    """A running server: `url` is its base ("http://127.0.0.1:8080"), `stop()` shuts it down."""

    def __init__(self, server: ThreadingHTTPServer, thread: threading.Thread) -> None:
        self._server, self._thread = server, thread
        self.host: str = str(server.server_address[0])
        self.port: int = int(server.server_address[1])
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"http://{host}:{self.port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(STOP_TIMEOUT_SECONDS)


def parse_listen(listen: str, setting: str, example: str) -> tuple[str, int]:
    """ "host:port" or "[v6]:port" → (host, port). Raises UserError naming `setting` and an `example`."""
    host, sep, port = listen.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise UserError(f"{setting}: {listen!r} is not host:port (write e.g. {example})")
    return host, int(port)


def start(
    listen: str, setting: str, example: str, handler: type[BaseHTTPRequestHandler], name: str
) -> Listening:
    """Bind `listen` (port 0 picks a free one) and serve `handler` on a daemon thread called `name`."""
    host, port = parse_listen(listen, setting, example)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server_class = type("_Server", (ThreadingHTTPServer,), {"address_family": family, "daemon_threads": True})
    try:
        server = server_class((host, port), handler)
    except OSError as error:
        raise UserError(
            f"{setting}: cannot listen on {listen}: {error} (pick a free port or an address of this machine)"
        ) from error
    thread = threading.Thread(
        target=server.serve_forever, args=(SHUTDOWN_POLL_SECONDS,), name=name, daemon=True
    )
    thread.start()
    return Listening(server, thread)
