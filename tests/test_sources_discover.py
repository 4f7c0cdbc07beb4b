"""`driftsvarsel sources discover URL` against local servers imitating each status-page product.

Each imitation serves what the product documents (tests/fixtures/status/README.md); Better Stack's
imitation answers 200 with the same HTML page for every unknown path, as the real one does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.demo.localserver import LocalServer, Route
from monitor.fetch import fetch
from monitor.sources.discover import discover

STATUS = Path(__file__).parent / "fixtures" / "status"
JSON, HTML = "application/json; charset=utf-8", "text/html; charset=utf-8"
ATOM, RSS = "application/atom+xml", "application/rss+xml"


def page(*links: str, extra: str = "") -> Route:
    heads = "".join(f'<link rel="alternate" type="{kind}" href="{href}">' for kind, href in
                    (link.split(" ") for link in links))  # fmt: skip
    html = (
        f"<!DOCTYPE html><html lang=nb><head><title>Status</title>{heads}{extra}</head><body>ok</body></html>"
    )
    return Route(html.encode(), HTML)


def serve(server: LocalServer, routes: dict[str, tuple[str, str]]) -> None:
    for path, (name, kind) in routes.items():
        server.route(path, Route((STATUS / name).read_bytes(), kind))


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


def test_discover_statuspage_proposes_incidents_and_maintenances(server: LocalServer) -> None:
    server.route("/", page(f"{ATOM} /history.atom"))
    serve(server, {
        "/api/v2/summary.json": ("summary.json", JSON), "/api/v2/incidents.json": ("incidents.json", JSON),
        "/api/v2/scheduled-maintenances.json": ("scheduled-maintenances.json", JSON),
        "/history.atom": ("history.atom", ATOM), "/history.rss": ("history.rss", RSS),
    })  # fmt: skip
    found = discover(server.url("/"), fetch)
    assert found.problem is None and found.products == ("Atlassian Statuspage",)
    assert [(s.name, s.kind, s.url) for s in found.suggestions] == [
        ("status-incidents", "statuspage_api", server.url("/api/v2/incidents.json")),
        ("status-maintenances", "statuspage_api", server.url("/api/v2/scheduled-maintenances.json")),
    ]


def test_discover_betterstack_is_not_fooled_by_200_for_everything(server: LocalServer) -> None:
    server.fallback = Route((STATUS / "betterstack" / "page.html").read_bytes(), HTML)
    serve(
        server, {"/index.json": ("betterstack/index.json", JSON), "/feed.rss": ("betterstack/feed.rss", RSS)}
    )
    found = discover(server.url("/"), fetch)
    assert found.products == ("Better Stack",)
    assert [(s.kind, s.url) for s in found.suggestions] == [("betterstack", server.url("/index.json"))]
    summary = next(a for a in found.attempts if a.url.endswith("/api/v2/summary.json"))
    assert (summary.status, summary.valid) == (200, False)
    assert "HTML page" in summary.finding
    assert any("betteruptime" in hint for hint in found.hints)


def test_discover_instatus_reads_its_feed(server: LocalServer) -> None:
    serve(server, {"/summary.json": ("instatus/summary.json", JSON), "/feed.rss": ("instatus/feed.rss", RSS)})
    server.route("/", page(f"{RSS} /feed.rss"))
    found = discover(server.url("/"), fetch)
    assert found.products == ("Instatus",)
    assert [(s.kind, s.url) for s in found.suggestions] == [("status_feed", server.url("/feed.rss"))]
    assert "Instatus has no JSON source kind" in found.notes[0]


def test_discover_cachet_prefers_its_atom_feed(server: LocalServer) -> None:
    serve(server, {
        "/api/v1/ping": ("cachet/ping.json", JSON), "/api/v1/incidents": ("cachet/incidents.json", JSON),
        "/atom": ("cachet/atom.xml", ATOM),
    })  # fmt: skip
    server.route("/", page())
    found = discover(server.url("/"), fetch)
    assert found.products == ("Cachet",)
    assert [(s.kind, s.url) for s in found.suggestions] == [("status_feed", server.url("/atom"))]


def test_discover_plain_feed_from_link_alternate(server: LocalServer) -> None:
    server.route("/", page(f"{RSS} /drift/rss.xml", f"{ATOM} /drift/atom.xml",
                           extra='<meta name="generator" content="Status.io">'))  # fmt: skip
    serve(server, {"/drift/atom.xml": ("history.atom", ATOM), "/drift/rss.xml": ("history.rss", RSS)})
    found = discover(server.url("/"), fetch)
    assert found.products == () and found.problem is None
    assert [(s.kind, s.url) for s in found.suggestions] == [("status_feed", server.url("/drift/atom.xml"))]
    assert "<meta name=generator content='Status.io'>" in found.hints


def test_discover_refuses_two_products(server: LocalServer) -> None:
    serve(
        server,
        {"/api/v2/summary.json": ("summary.json", JSON), "/index.json": ("betterstack/index.json", JSON)},
    )
    found = discover(server.url("/"), fetch)
    assert found.suggestions == ()
    assert (
        found.problem
        == "ambiguous: the endpoints of Atlassian Statuspage and Better Stack both answer validly"
    )


def test_discover_refuses_unrelated_feeds(server: LocalServer) -> None:
    server.route("/", page(f"{ATOM} /a.atom", f"{RSS} /b.rss"))
    serve(server, {"/a.atom": ("cachet/atom.xml", ATOM), "/b.rss": ("instatus/feed.rss", RSS)})
    found = discover(server.url("/"), fetch)
    assert found.suggestions == () and found.problem is not None
    assert found.problem.startswith("ambiguous: several feeds")


def test_discover_cli_prints_block_or_refuses(
    server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.fallback = Route((STATUS / "github-pages-404.html").read_bytes(), HTML, status=200)
    assert main(["sources", "discover", server.url("/")]) == 1
    out = capsys.readouterr().out
    assert "No source proposed: no known status-page format found" in out
    assert out.count("-- http://127.0.0.1") == 12  # every known endpoint tried, none valid
    serve(server, {"/index.json": ("betterstack/index.json", JSON)})
    assert main(["sources", "discover", server.url("/")]) == 0
    out = capsys.readouterr().out
    assert f'  - {{name: status-betterstack, kind: betterstack, url: "{server.url("/index.json")}"' in out


def test_discover_cli_rejects_a_non_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sources", "discover", "status.skatteetaten.no"]) == 1
    assert "is not a web address" in capsys.readouterr().err
