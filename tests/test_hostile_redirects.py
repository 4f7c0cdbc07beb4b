"""Sources that redirect somewhere else, and notices that link somewhere else (issue 13, rows 4 and 7).

Row 4: a redirect is followed only to https on the source's registrable domain (or Skatteetaten's
domains, or settings.trusted_hosts), never to loopback/link-local/private addresses unless the
source itself is on loopback; a refused redirect's error names only the target's scheme and host.
The https sources are answered by httpx's own MockTransport (the library's test transport, not our
code), which also records every request, so "never followed" is checked, not assumed.
Row 7: a notice link to another host is not a button; the reader sees it as text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from delivery_samples import make_alert
from test_pipeline_failures import World, world  # noqa: F401

from monitor.config.types import SourceConfig
from monitor.deliver import slack, teams
from monitor.deliver.render import render_alert
from monitor.demo.localserver import LocalServer, Response
from monitor.fetch import fetch
from monitor.sources import parse_body
from monitor.sources.links import UNTRUSTED_LINK

INTERNAL_PAGE = b"ami-id\ninstance-id\niam/security-credentials/admin-role\n"


class Internet:
    """httpx.MockTransport answering https URLs: `redirects` maps a URL to a Location; others 200."""

    def __init__(self, redirects: dict[str, str]) -> None:
        self.redirects = redirects
        self.asked: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.asked.append(url)
        if url in self.redirects:
            return httpx.Response(302, headers={"Location": self.redirects[url]})
        return httpx.Response(200, content=INTERNAL_PAGE if "169.254" in url or "127.0.0.1" in url else b"ok")

    def fetch(self, url: str, allowed: tuple[str, ...] = ()) -> tuple[str | None, bytes]:
        with httpx.Client(transport=httpx.MockTransport(self)) as client:
            result = fetch(url, client=client, allowed_hosts=allowed)
        return result.error, result.body


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("https://127.0.0.1:8443/admin", "points at an internal address"),
        ("https://169.254.169.254/latest/meta-data/", "points at an internal address"),
        ("https://10.0.0.7/", "points at an internal address"),
        ("https://localhost/", "points at an internal address"),
        ("http://status.skatteetaten.no/api/v2/incidents.json", "leaves https"),
        ("https://evil.example/incidents.json", "leaves skatteetaten.no"),
    ],
)
def test_fetch_redirect_from_https_source_is_refused(target: str, reason: str) -> None:
    source = "https://status.skatteetaten.no/api/v2/incidents.json"
    internet = Internet({source: target})
    error, body = internet.fetch(source)
    assert internet.asked == [source], "the redirect must not be followed"
    assert (
        error is not None and reason in error and error.startswith("HTTP 302 from status.skatteetaten.no: ")
    )
    assert body == b"" and "/latest" not in error and "meta-data" not in error and "admin" not in error


def test_fetch_redirect_to_another_tenant_of_a_shared_suffix_is_refused_unless_trusted() -> None:
    source = "https://skatteetaten.github.io/api-dokumentasjon/atom.xml"
    internet = Internet({source: "https://evil.github.io/atom.xml"})
    error, _ = internet.fetch(source)
    assert error is not None and "leaves skatteetaten.github.io" in error and "trusted_hosts" in error
    assert internet.fetch(source, allowed=("evil.github.io",)) == (None, b"ok")


def test_fetch_redirect_within_the_registrable_domain_is_followed() -> None:
    source = "https://www.skatteetaten.no/driftsmeldinger"
    internet = Internet({source: "https://status.skatteetaten.no/history.atom"})
    assert internet.fetch(source) == (None, b"ok")
    assert internet.asked == [source, "https://status.skatteetaten.no/history.atom"]


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as local:
        yield local


def test_fetch_loopback_source_may_redirect_on_loopback_but_not_to_link_local(server: LocalServer) -> None:
    server.route("/moved", lambda request: Response(302, b"", headers={"Location": server.url("/feed")}))
    server.route("/feed", lambda request: Response(200, b"<feed/>"))
    server.route(
        "/away", lambda request: Response(302, b"", headers={"Location": "http://169.254.169.254/x"})
    )
    assert fetch(server.url("/moved")).body == b"<feed/>"
    refused = fetch(server.url("/away"))
    assert refused.error is not None and "http://169.254.169.254 leaves https" in refused.error


def test_poll_source_redirect_to_internal_page_quotes_nothing_of_it(
    world: World,  # noqa: F811
) -> None:
    # A loopback source redirecting to an https internal address: refused before any byte is read.
    target = "https://169.254.169.254/latest/meta-data/"
    world.server.route("/atom.xml", lambda request: Response(302, b"", headers={"Location": target}))
    for _ in range(3):
        assert world.poll("nyheter-atom") == "failed"
    stored = " ".join(str(row) for row in world.rows("SELECT error FROM fetch_log"))
    admin = " ".join(
        str(row)
        for row in world.rows(
            "SELECT message, outbox_bodies.body FROM outbox"
            " LEFT JOIN outbox_bodies ON outbox_bodies.hash = outbox.body_hash WHERE kommune = 'admin'"
        )
    )  # the message and its body, which is stored apart (once for all who get it)
    assert "169.254.169.254" in stored and "169.254.169.254" in admin
    for text in (stored, admin):
        assert "meta-data" not in text and "instance-id" not in text


# -- row 7: links ---------------------------------------------------------------------------------

FEED_SOURCE = SourceConfig(name="atom", kind="atom", url="https://skatteetaten.github.io/api/atom.xml")


def feed_with_link(link: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        "<id>x</id><updated>2024-05-01T08:00:00Z</updated><entry><id>urn:post:1</id>"
        f'<title>Nedetid Inntekt API</title><link href="{link}"/><updated>2024-05-01T08:00:00Z</updated>'
        '<content type="html">&lt;p&gt;Inntekt API er nede.&lt;/p&gt;</content></entry></feed>'
    ).encode()


def test_parse_body_link_to_another_host_becomes_text_not_a_button() -> None:
    (notice,) = parse_body(feed_with_link("https://evil.example/phish"), FEED_SOURCE)
    assert notice.link == ""
    assert notice.text.endswith(UNTRUSTED_LINK.format(link="https://evil.example/phish"))
    alert = make_alert()
    message = render_alert(replace(alert, change=replace(alert.change, notice=notice)))
    assert message.link is None and "https://evil.example/phish" in message.body
    assert "actions" not in teams.build_card(message)
    assert "Åpne varselet" not in str(slack.build_payload(message))


@pytest.mark.parametrize(
    ("link", "trusted_hosts", "kept"),
    [
        ("https://skatteetaten.github.io/api/2024/05/01/nedetid", (), True),
        ("https://www.skatteetaten.no/driftsmeldinger/", (), True),
        ("https://stspg.io/c3v6b9", (), True),
        ("https://evil.github.io/phish", (), False),
        ("javascript:alert(1)", (), False),
        ("https://169.254.169.254/", (), False),
        ("https://kommune.example.no/info", ("example.no",), True),
    ],
)
def test_parse_body_keeps_only_trusted_links(link: str, trusted_hosts: tuple[str, ...], kept: bool) -> None:
    (notice,) = parse_body(feed_with_link(link), FEED_SOURCE, trusted_hosts=trusted_hosts)
    assert (notice.link == link) is kept
    assert (link in notice.text) is not kept


def test_rules_trusted_hosts_are_read_and_checked(tmp_path: Path) -> None:
    from monitor.config.load import load_rules
    from monitor.errors import ConfigError

    path = tmp_path / "rules.yaml"
    base = (
        "settings:\n  state_dir: {d}\n  trusted_hosts: {hosts}\nkommuner: []\n"
        "admin:\n  - name: s\n    kind: slack_webhook\n    webhook: env:HOSTILE_ADMIN\n"
    )
    path.write_text(base.format(d=tmp_path, hosts="[Example.NO, status.example.com]"), encoding="utf-8")
    assert load_rules(path).settings.trusted_hosts == ("example.no", "status.example.com")
    path.write_text(base.format(d=tmp_path, hosts="['http://x.no/']"), encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"rules.yaml:3: settings.trusted_hosts\[0\]: 'http://x.no/' is not a domain"
    ):
        load_rules(path)


def test_fetch_failed_answer_is_quoted_by_its_status_line_only(server: LocalServer) -> None:
    server.route("/feed", lambda request: Response(500, INTERNAL_PAGE, "text/plain"))
    result = fetch(server.url("/feed"))
    assert (result.error, result.body) == ("HTTP 500 from 127.0.0.1", b"")
