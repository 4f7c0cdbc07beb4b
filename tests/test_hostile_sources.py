"""Hostile source bodies (issue 13, rows 1 and 2): bounded, a clear source error, nothing else stops.

Row 1: an OpenAPI spec written as a YAML alias chain ("billion laughs") is refused before it is
expanded. Row 2: a Statuspage answer nested 100,000 levels deep is a broken source like any other,
at the pipeline level and through `driftsvarsel poll --once`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_end_to_end import FEED_PATH, FEED_SOURCE, World
from test_pipeline_failures import STATUS_PATH, break_and_mend, good_status, world  # noqa: F401
from test_pipeline_failures import World as FailureWorld

from monitor.cli.common import SOURCE_FAILED
from monitor.cli.main import main
from monitor.config.types import SourceConfig
from monitor.demo.localserver import LocalServer, Route
from monitor.demo.replay import build_feed
from monitor.sources import SourceFormatError, parse_body
from monitor.store.sources import BROKEN_AFTER_FAILURES

DEEP = 100_000
DEEP_JSON = b'{"incidents": ' + b"[" * DEEP + b"]" * DEEP + b"}"
SPEC_SOURCE = SourceConfig(name="spec", kind="openapi", url="https://x.api.skatteetaten.no/spec.yaml")


def alias_chain(levels: int) -> bytes:
    """The 528-byte attack of the issue: each level a list of nine aliases to the one before."""
    lines = ["openapi: 3.0.0", "paths: {}", 'a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    lines.append(f"info: {{title: *a{levels}}}")
    return "\n".join(lines).encode()


def test_parse_body_openapi_alias_chain_is_refused_before_expansion() -> None:
    body = alias_chain(9)
    assert len(body) < 600
    with pytest.raises(SourceFormatError) as caught:
        parse_body(body, SPEC_SOURCE, content_type="application/yaml")
    message = str(caught.value)
    assert "'spec'" in message and "aliases" in message and "200000" in message


def test_parse_body_openapi_nested_too_deep_is_refused() -> None:
    body = b"openapi: 3.0.0\npaths: {}\nx: " + b"[" * 5_000 + b"]" * 5_000 + b"\n"
    with pytest.raises(SourceFormatError, match="nested more than 100 levels"):
        parse_body(body, SPEC_SOURCE)


def test_parse_body_openapi_with_a_few_honest_anchors_still_parses() -> None:
    body = (
        b"openapi: 3.0.0\ninfo: {title: T, version: '1'}\n"
        b"x-common: &err {description: feil}\n"
        b"paths:\n  /a:\n    get:\n      responses: {'404': *err, '500': *err}\n"
    )
    (notice,) = parse_body(body, SPEC_SOURCE)
    assert notice.title == "T (OpenAPI 1)" and '"GET /a"' in notice.text


def test_parse_body_json_nested_100000_levels_is_a_source_error() -> None:
    source = SourceConfig(name="status", kind="statuspage_api", url="https://status.skatteetaten.no/x")
    with pytest.raises(SourceFormatError, match="nested too deeply"):
        parse_body(DEEP_JSON, source, content_type="application/json")


def test_poll_source_json_nested_100000_levels_breaks_and_recovers_quietly(
    world: FailureWorld,  # noqa: F811
) -> None:
    deep = Route(DEEP_JSON, "application/json")
    break_and_mend(world, "status-incidents", STATUS_PATH, good_status(), deep)
    (error,) = world.rows("SELECT error FROM fetch_log WHERE error IS NOT NULL LIMIT 1")[0]
    assert "nested too deeply" in error


@pytest.fixture()
def two_sources(
    tmp_path: Path, real_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[World, LocalServer]]:
    with LocalServer() as server:
        status = '  - {name: status, kind: statuspage_api, url: "%s", interval_seconds: 1}'
        feed = FEED_SOURCE.format(url=server.url(FEED_PATH))
        sources = feed + "\n" + status % server.url("/incidents.json")
        instance = World(tmp_path, real_dir, monkeypatch, sources=sources)
        yield instance, server
        instance.close()


def test_poll_once_deep_json_source_leaves_other_sources_and_deliveries_running(
    two_sources: tuple[World, LocalServer], capsys: pytest.CaptureFixture[str]
) -> None:
    polled, server = two_sources
    server.route(FEED_PATH, Route(build_feed(15), "application/atom+xml"))
    server.route("/incidents.json", Route(DEEP_JSON, "application/json"))
    rules = str(polled.rules.path)
    for poll in range(1, BROKEN_AFTER_FAILURES + 2):
        assert main(["poll", "--once", "--rules", rules]) == SOURCE_FAILED  # the others went on
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        assert "nyheter-atom: " + ("baseline" if poll == 1 else "not_modified") in out
        assert "status: failed (source 'status'" in out and "nested too deeply" in out
    # The admin route heard once that the source broke, by email, through the same delivery round.
    admin = [mail for mail in polled.smtp.received() if "admin@test.localhost" in mail.rcpt_tos]
    assert len(admin) == 1
    assert "Kilden «status» svarer ikke som forventet" in admin[0].message["Subject"]
