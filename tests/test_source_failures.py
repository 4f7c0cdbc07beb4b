"""Sources that fail safely: fetch + parse_body against a real loopback server, one test per case.

Each case must end in a clear message, and nothing but SourceFormatError may escape
`fetch`/`parse_body` (the `poll` helper below lets any other exception fail the test).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.config.types import SourceConfig
from monitor.demo.localserver import LocalServer, Request, Response, Route
from monitor.fetch import fetch
from monitor.model import FetchResult, Notice
from monitor.sources import SourceFormatError, parse_body

FIXTURES = Path(__file__).parent / "fixtures" / "status"
ATOM_TYPE = "application/atom+xml; charset=utf-8"


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as local:
        yield local


@pytest.fixture(scope="module")
def feed_bytes(corpus_dir: Path) -> bytes:
    return (corpus_dir / "html" / "nyheter-og-driftsvarsler__atom.xml").read_bytes()


def source(server: LocalServer, kind: str = "atom", path: str = "/atom.xml") -> SourceConfig:
    return SourceConfig(name=f"test-{kind}", kind=kind, url=server.url(path))  # type: ignore[arg-type]


def poll(src: SourceConfig, **fetch_args: float) -> tuple[FetchResult, list[Notice] | None, str | None]:
    """What the pipeline does: fetch, then parse; returns (fetch result, notices, error message)."""
    result = fetch(src.url, **fetch_args)  # type: ignore[arg-type]
    if result.error is not None:
        return result, None, result.error
    try:
        return result, parse_body(result.body, src, result.content_type), None
    except SourceFormatError as error:
        return result, None, str(error)


def test_poll_server_error_5xx_keeps_status(server: LocalServer) -> None:
    server.route("/atom.xml", lambda request: Response(503, b"<h1>Service Unavailable</h1>", "text/html"))
    result, notices, error = poll(source(server))
    assert notices is None and result.status == 503
    assert error == "HTTP 503 from 127.0.0.1"


def test_poll_timeout_is_a_clear_error(server: LocalServer, feed_bytes: bytes) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response(200, feed_bytes, ATOM_TYPE)

    server.route("/atom.xml", slow)
    result, notices, error = poll(source(server), timeout=0.2)
    assert notices is None and result.status is None
    assert error == "timed out after 0.2 s waiting for 127.0.0.1"


def test_poll_connection_refused_is_a_clear_error() -> None:
    with LocalServer() as gone:
        src = source(gone)
    result, notices, error = poll(src, timeout=2)
    assert notices is None and result.status is None
    assert error is not None and error.startswith("could not connect to 127.0.0.1")


def test_poll_html_error_page_with_200_instead_of_feed(server: LocalServer) -> None:
    page = (FIXTURES / "github-pages-404.html").read_bytes()
    server.route("/atom.xml", Route(page, "text/html; charset=utf-8"))
    result, notices, error = poll(source(server))
    assert result.status == 200 and notices is None
    assert error is not None
    assert "expected an Atom feed but got an HTML page" in error and "GitHub Pages" in error
    assert error.startswith(f"source 'test-atom' ({server.url('/atom.xml')})")


def test_poll_html_error_page_with_404(server: LocalServer) -> None:
    page = (FIXTURES / "github-pages-404.html").read_bytes()
    server.route("/atom.xml", lambda request: Response(404, page, "text/html; charset=utf-8"))
    result, notices, error = poll(source(server))
    assert result.status == 404 and notices is None
    assert error == "HTTP 404 from 127.0.0.1"


def test_poll_truncated_xml_is_rejected_not_read_in_part(server: LocalServer, feed_bytes: bytes) -> None:
    server.route("/atom.xml", Route(feed_bytes[: len(feed_bytes) // 2], ATOM_TYPE))
    result, notices, error = poll(source(server))
    assert result.ok and notices is None
    assert error is not None and "not well-formed" in error and "truncated" in error


def test_poll_empty_feed_gives_no_notices_and_no_error(server: LocalServer, feed_bytes: bytes) -> None:
    head = feed_bytes[: feed_bytes.index(b"<entry>")]
    server.route("/atom.xml", Route(head + b"</feed>\n", ATOM_TYPE))
    result, notices, error = poll(source(server))
    assert error is None and notices == []


def test_poll_empty_body_is_rejected(server: LocalServer) -> None:
    server.route("/atom.xml", Route(b"", ATOM_TYPE))
    _, notices, error = poll(source(server))
    assert notices is None and error is not None and "response body is empty" in error


def test_poll_huge_body_stops_at_cap(server: LocalServer) -> None:
    server.route("/atom.xml", lambda request: Response(200, b"<" * 20_000_000, ATOM_TYPE))
    result, notices, error = poll(source(server), max_bytes=1_000_000)
    assert notices is None and result.body == b""
    assert error is not None and error.startswith("body larger than 1000000 bytes cap")


def test_poll_wrong_encoding_feed_is_a_fault(server: LocalServer, feed_bytes: bytes) -> None:
    latin1 = feed_bytes.decode("utf-8").replace("\u200b", "").replace("’", "'").replace("–", "-")
    server.route("/atom.xml", Route(latin1.encode("latin-1"), ATOM_TYPE))  # says utf-8, is latin-1
    _, notices, error = poll(source(server))
    assert notices is None and error is not None
    assert "says it is utf-8 but is not" in error and "is not valid utf-8" in error


def test_poll_wrong_encoding_listing_is_a_fault(server: LocalServer, corpus_dir: Path) -> None:
    page = (corpus_dir / "html" / "nyheter-og-driftsvarsler.html").read_text("utf-8")
    server.route("/list", Route(page.encode("cp1252", errors="replace"), "text/html; charset=utf-8"))
    _, notices, error = poll(source(server, "listing", "/list"))
    assert notices is None and error is not None and "says it is utf-8 but is not" in error


def test_poll_undeclared_cp1252_listing_is_read(server: LocalServer, corpus_dir: Path) -> None:
    page = (corpus_dir / "html" / "nyheter-og-driftsvarsler.html").read_text("utf-8")
    page = page.replace('<meta charset="UTF-8">', "")
    server.route("/list", Route(page.encode("cp1252", errors="replace"), "text/html"))
    _, notices, error = poll(source(server, "listing", "/list"))
    assert error is None and notices is not None and len(notices) == 25


def test_poll_wrong_encoding_statuspage_json_is_a_fault(server: LocalServer) -> None:
    text = (FIXTURES / "incidents.json").read_text("utf-8")
    server.route("/api/v2/incidents.json", Route(text.encode("latin-1"), "application/json; charset=utf-8"))
    _, notices, error = poll(source(server, "statuspage_api", "/api/v2/incidents.json"))
    assert notices is None and error is not None and "says it is utf-8 but is not" in error


def test_poll_utf8_declared_latin1_is_read_as_utf8(server: LocalServer) -> None:
    text = (FIXTURES / "incidents.json").read_text("utf-8")
    server.route(
        "/api/v2/incidents.json", Route(text.encode("utf-8"), "application/json; charset=iso-8859-1")
    )
    _, notices, error = poll(source(server, "statuspage_api", "/api/v2/incidents.json"))
    assert error is None and notices is not None
    assert "Feilsøking pågår." in notices[0].text


def test_poll_binary_body_is_rejected(server: LocalServer) -> None:
    server.route("/api/v2/incidents.json", Route(b"\x1f\x8b\x08\x00" + bytes(range(256)), "application/json"))
    _, notices, error = poll(source(server, "statuspage_api", "/api/v2/incidents.json"))
    assert notices is None and error is not None and "binary" in error


def test_poll_statuspage_answering_html_says_which_format_was_expected(server: LocalServer) -> None:
    page = (FIXTURES / "github-pages-404.html").read_bytes()
    server.route("/api/v2/incidents.json", Route(page, "text/html; charset=utf-8"))
    _, notices, error = poll(source(server, "statuspage_api", "/api/v2/incidents.json"))
    assert notices is None and error is not None
    assert "expected Statuspage v2 JSON" in error and "got an HTML page" in error
