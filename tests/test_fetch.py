"""fetch(): one polite GET against real loopback servers (LocalServer and a raw chunked server)."""

from __future__ import annotations

import logging
import socket
import ssl
import struct
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import trustme
from probe_servers import refused_port

from monitor import USER_AGENT
from monitor.demo.localserver import LocalServer, Request, Response, Route
from monitor.fetch import MAX_REDIRECTS, fetch, parse_retry_after

FEED = b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>'


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as local:
        yield local


class ChunkedServer:
    """A raw HTTP/1.1 server that streams `total` bytes in chunks without Content-Length.

    Records how many bytes it managed to send before the client hung up (`sent`, set when the
    handler has finished: wait on `done`).
    """

    def __init__(self, total: int, chunk: int = 64 * 1024, delay: float = 0.0) -> None:
        self.total, self.chunk, self.delay = total, b"x" * chunk, delay
        self.sent = 0
        self.done = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/atom+xml")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    while outer.sent < outer.total:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(outer.chunk), outer.chunk))
                        outer.sent += len(outer.chunk)
                        if outer.delay:
                            time.sleep(outer.delay)
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    pass
                finally:
                    outer.done.set()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/stream"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_fetch_returns_body_and_sends_user_agent(server: LocalServer) -> None:
    server.route("/feed", Route(FEED, "application/atom+xml"))
    result = fetch(server.url("/feed"))
    assert result.ok and result.status == 200 and result.error is None
    assert result.body == FEED
    assert result.content_type == "application/atom+xml"
    assert result.etag and result.last_modified
    assert server.requests[-1].headers["user-agent"] == USER_AGENT


def test_fetch_etag_gives_304_not_modified(server: LocalServer) -> None:
    server.route("/feed", Route(FEED))
    first = fetch(server.url("/feed"))
    second = fetch(server.url("/feed"), etag=first.etag)
    assert server.requests[-1].headers["if-none-match"] == first.etag
    assert second.status == 304 and second.not_modified and second.error is None
    assert second.body == b""
    assert second.etag == first.etag


def test_fetch_last_modified_gives_304_not_modified(server: LocalServer) -> None:
    server.route("/feed", Route(FEED))
    first = fetch(server.url("/feed"))
    second = fetch(server.url("/feed"), last_modified=first.last_modified)
    assert server.requests[-1].headers["if-modified-since"] == first.last_modified
    assert second.not_modified
    assert second.last_modified == first.last_modified


def test_fetch_changed_content_gives_200_and_new_etag(server: LocalServer) -> None:
    server.route("/feed", Route(FEED))
    first = fetch(server.url("/feed"))
    server.route("/feed", Route(FEED + b"\n"))
    second = fetch(server.url("/feed"), etag=first.etag, last_modified=first.last_modified)
    assert second.status == 200 and second.body == FEED + b"\n"
    assert second.etag != first.etag


def test_fetch_slow_server_times_out(server: LocalServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(2.0)
        return Response(200, FEED)

    server.route("/slow", slow)
    # Without the timeout the fetch would wait for the 200 answer.
    result = fetch(server.url("/slow"), timeout=0.3)
    assert result.status is None and not result.ok
    assert result.error == "timed out after 0.3 s waiting for 127.0.0.1"


def test_fetch_slow_drip_body_hits_total_deadline() -> None:
    drip = ChunkedServer(total=10 * 1024, chunk=1024, delay=0.15)
    try:
        result = fetch(drip.url, timeout=0.5)
    finally:
        drip.close()
    assert not result.ok and result.body == b""
    assert result.error is not None and "timed out after 0.5 s" in result.error


def test_fetch_refused_port_is_an_error_not_an_exception() -> None:
    with refused_port() as port:
        result = fetch(f"http://127.0.0.1:{port}/feed", timeout=2)
    assert result.status is None
    assert result.error is not None and result.error.startswith("could not connect to 127.0.0.1")


@pytest.mark.parametrize("url", ["not a url", "ftp://example.invalid/feed", "http://"])
def test_fetch_invalid_url_is_an_error(url: str) -> None:
    result = fetch(url)
    assert result.status is None
    assert result.error is not None and result.error.startswith("invalid URL")


def test_fetch_untrusted_tls_certificate_is_an_error() -> None:
    authority = trustme.CA()  # a CA the client does not trust
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    listener = socket.create_server(("127.0.0.1", 0))

    def handshake() -> None:
        connection, _ = listener.accept()
        try:
            context.wrap_socket(connection, server_side=True).close()
        except (ssl.SSLError, OSError):
            connection.close()

    worker = threading.Thread(target=handshake, daemon=True)
    worker.start()
    try:
        result = fetch(f"https://127.0.0.1:{listener.getsockname()[1]}/feed", timeout=5)
    finally:
        worker.join(5)
        listener.close()
    assert result.status is None
    assert result.error is not None and result.error.startswith("could not connect to 127.0.0.1")
    assert "CERTIFICATE_VERIFY_FAILED" in result.error


def test_fetch_connection_reset_is_an_error() -> None:
    listener = socket.create_server(("127.0.0.1", 0))

    def accept_and_close() -> None:
        connection, _ = listener.accept()
        connection.recv(1024)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.close()  # RST instead of an answer

    worker = threading.Thread(target=accept_and_close, daemon=True)
    worker.start()
    try:
        result = fetch(f"http://127.0.0.1:{listener.getsockname()[1]}/feed", timeout=5)
    finally:
        worker.join(5)
        listener.close()
    assert result.status is None
    assert result.error is not None and result.error.startswith("network error talking to 127.0.0.1")


def test_fetch_body_over_cap_by_content_length_is_refused(server: LocalServer) -> None:
    server.route("/big", Route(b"x" * 20_000_000, conditional=False))
    result = fetch(server.url("/big"), max_bytes=1_000_000)
    assert result.status == 200 and not result.ok
    assert result.body == b""
    assert result.error is not None and result.error.startswith("body larger than 1000000 bytes cap")


def test_fetch_streamed_100_mb_body_stops_at_cap() -> None:
    stream = ChunkedServer(total=100_000_000)
    try:
        result = fetch(stream.url, max_bytes=1_000_000)
        assert stream.done.wait(10)
    finally:
        stream.close()
    assert result.error == "body larger than 1000000 bytes cap"
    assert result.body == b""
    assert stream.sent < 20_000_000  # the client hung up long before the 100 MB were sent


def test_fetch_503_keeps_status_and_retry_after_seconds(server: LocalServer) -> None:
    server.route("/feed", lambda request: Response(503, b"busy", headers={"Retry-After": "120"}))
    result = fetch(server.url("/feed"))
    assert result.status == 503 and not result.ok
    assert result.error == "HTTP 503 from 127.0.0.1"
    assert result.retry_after == 120.0


def test_fetch_429_retry_after_http_date(server: LocalServer) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
    server.route("/feed", lambda request: Response(429, b"slow down", headers={"Retry-After": later}))
    result = fetch(server.url("/feed"))
    assert result.status == 429 and result.error == "HTTP 429 from 127.0.0.1"
    assert result.retry_after is not None and 0.0 <= result.retry_after <= 3.0


def test_parse_retry_after_seconds_date_and_junk() -> None:
    now = datetime(2024, 5, 22, 10, 0, tzinfo=UTC)
    assert parse_retry_after("30", now) == 30.0
    assert parse_retry_after("Wed, 22 May 2024 10:02:00 GMT", now) == 120.0
    assert parse_retry_after("Wed, 22 May 2024 09:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_fetch_follows_redirects(server: LocalServer) -> None:
    server.route("/old", lambda request: Response(301, b"", headers={"Location": "/new"}))
    server.route("/new", Route(FEED))
    result = fetch(server.url("/old"))
    assert result.ok and result.body == FEED
    assert result.url == server.url("/old")


def test_fetch_redirect_loop_is_bounded(server: LocalServer) -> None:
    server.route("/loop", lambda request: Response(302, b"", headers={"Location": "/loop"}))
    result = fetch(server.url("/loop"))
    assert result.status is None
    assert result.error == f"more than {MAX_REDIRECTS} redirects from 127.0.0.1"
    assert len(server.requests) == MAX_REDIRECTS + 1


def test_fetch_logs_one_line_without_query(server: LocalServer, caplog: pytest.LogCaptureFixture) -> None:
    server.route("/feed", Route(FEED))
    with caplog.at_level(logging.INFO, logger="monitor.fetch"):
        fetch(server.url("/feed?token=s3cret"))
    lines = [record.getMessage() for record in caplog.records if record.name == "monitor.fetch"]
    assert len(lines) == 1
    assert "s3cret" not in lines[0]
    assert "/feed?… status=200" in lines[0] and f"bytes={len(FEED)}" in lines[0]


def test_fetch_uses_given_client(server: LocalServer) -> None:
    server.route("/feed", Route(FEED))
    with httpx.Client(headers={"X-Test": "yes"}) as client:
        result = fetch(server.url("/feed"), client=client)
        assert not client.is_closed  # a caller's client is not closed by fetch
    assert result.ok
    assert server.requests[-1].headers["x-test"] == "yes"
