"""A small real HTTP server on 127.0.0.1, for the demo replay and for tests.

Routes map a path to either a static `Route` (body, status, headers; ETag and Last-Modified with
real 304 answers to conditional GETs) or a handler function that sees the whole request.
Routes may be replaced while the server runs. The server never listens beyond loopback.
"""

from __future__ import annotations

import hashlib
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Request:
    """What a handler sees: method, path (without query), query string, headers, body."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    """A static answer. With `conditional`, an ETag and Last-Modified are sent and honoured."""

    body: bytes
    content_type: str = "application/octet-stream"
    status: int = 200
    conditional: bool = True
    last_modified: float = 1_700_000_000.0
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'


Handler = Callable[[Request], Response]


class LocalServer:
    """`with LocalServer() as server: server.route("/x", Route(...)); server.url("/x")`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"LocalServer listens on loopback only, not {host!r}")
        self.routes: dict[str, Route | Handler] = {}
        #: The answer for a path with no route (None: 404), e.g. a product that answers 200 to everything.
        self.fallback: Route | Handler | None = None
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server = _QuietServer((host, port), self._make_handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, answer: Route | Handler) -> None:
        with self._lock:
            self.routes[path] = answer

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and drop every open keep-alive connection, as a host that went down does."""
        self._server.shutdown()
        self._server.server_close()
        self._server.drop_connections()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _answer(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request)
            answer = self.routes.get(request.path, self.fallback)
        if answer is None:
            return Response(404, b"Not Found")
        if callable(answer):
            return answer(request)
        return _static_answer(answer, request)

    def _make_handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in two writes; with Nagle on, a keep-alive client waits for
            # the delayed ACK (~40 ms) before it sees the body of every request after the first.
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parts.query,
                    headers={key.lower(): value for key, value in self.headers.items()},
                    body=body,
                )
                response = server._answer(request)
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.body)))
                for key, value in response.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(response.body)

            do_GET = do_POST = do_HEAD = do_PUT = _serve

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        return _Handler


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up early (a timeout test, a size cap) is normal here, not an error.

    Open connections are tracked so that `drop_connections` can end them: without it a pooled
    keep-alive client would still be answered after the server was stopped.
    """

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self._open_lock:
            sockets = list(self._open)
        for connection in sockets:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the peer

    def handle_error(self, request: object, client_address: object) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


def _static_answer(route: Route, request: Request) -> Response:
    headers = dict(route.headers)
    if route.conditional:
        last_modified = formatdate(route.last_modified, usegmt=True)
        headers["ETag"] = route.etag
        headers["Last-Modified"] = last_modified
        if request.headers.get("if-none-match") == route.etag or (
            "if-none-match" not in request.headers
            and request.headers.get("if-modified-since") == last_modified
        ):
            return Response(304, b"", route.content_type, headers)
    return Response(route.status, route.body, route.content_type, headers)
