"""Sources that fail safely, at the pipeline level: poll_source over a real loopback server and a
real SQLite file, one test per case.

Each case starts from a baseline of the real feed (its 15 oldest entries), breaks the source for several
polls, then mends it. Throughout: no alert to any kommune (no storm), the stored notices are
untouched (no false "removed"), and the admin route is told exactly once when the source breaks
(after BROKEN_AFTER_FAILURES polls) and exactly once when it recovers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from monitor.config.load import load_rules
from monitor.config.types import Rules
from monitor.demo.localserver import LocalServer, Request, Response, Route
from monitor.demo.replay import build_feed, build_statuspage
from monitor.pipeline import poll_source
from monitor.store import open_db
from monitor.store.sources import BROKEN_AFTER_FAILURES

FIXTURES = Path(__file__).parent / "fixtures" / "status"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
START = datetime(2024, 2, 1, 8, 0, tzinfo=UTC)
#: Polls while broken: past the threshold, so a second "broken" message would show.
BROKEN_POLLS = BROKEN_AFTER_FAILURES + 1
#: The baseline: the real feed's oldest entries (enough to be "many", few enough to be quick).
ENTRIES = 15
MAX_BODY_BYTES = 1_000_000
HUNDRED_MB = 100 * 1024 * 1024

RULES = """\
settings:
  state_dir: {state_dir}
  request_timeout_seconds: 1
  max_body_bytes: {max_body}
  smtp: {{host: 127.0.0.1, port: 2525, security: none, sender: driftsvarsel@test.localhost}}
sources:
  - {{name: nyheter-atom, kind: atom, url: "{feed}", interval_seconds: 1}}
  - {{name: status-incidents, kind: statuspage_api, url: "{status}", interval_seconds: 1}}
kommuner:
  - kommunenummer: "0301"
    apis: ["*"]
    channels:
      - {{name: slack, kind: slack_webhook, webhook: "env:FAILURES_OSLO_SLACK"}}
      - {{name: epost, kind: email, to: [drift@oslo.test.localhost]}}
  - kommunenummer: "4601"
    rettighetspakker: [kommuneLangtidsoppholdInstitusjon]
    channels:
      - {{name: epost, kind: email, to: [drift@bergen.test.localhost]}}
admin:
  - {{name: epost, kind: email, to: [admin@test.localhost]}}
  - {{name: slack, kind: slack_webhook, webhook: "env:FAILURES_ADMIN_SLACK"}}
"""
FEED_PATH = "/atom.xml"
STATUS_PATH = "/api/v2/incidents.json"


@dataclass
class World:
    server: LocalServer
    rules: Rules
    db: sqlite_utils.Database
    clock: datetime = START

    def poll(self, name: str) -> str:
        """One poll of source `name`, a minute after the previous one; returns its outcome."""
        self.clock += timedelta(minutes=1)
        source = next(source for source in self.rules.sources if source.name == name)
        return poll_source(self.db, self.rules, source, now=self.clock).outcome

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return list(self.db.execute(sql).fetchall())

    def kommune_alerts(self) -> int:
        return int(self.rows("SELECT count(*) FROM outbox WHERE kommune != 'admin'")[0][0])

    def admin_messages(self, kind: str) -> int:
        """How many distinct "source broken"/"recovered" messages, each to every admin channel."""
        sql = (
            "SELECT count(DISTINCT substr(idem_key, 1, instr(idem_key, '|'))) FROM outbox"
            f" WHERE idem_key LIKE 'admin:source-{kind}:%' AND idem_key NOT LIKE '%+|%'"
        )
        return int(self.rows(sql)[0][0])

    def admin_rows(self) -> int:
        return int(self.rows("SELECT count(*) FROM outbox WHERE kommune = 'admin'")[0][0])

    def notices(self) -> list[tuple[Any, ...]]:
        return self.rows("SELECT key, version, content_hash, removed_at FROM notices ORDER BY key")


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("FAILURES_OSLO_SLACK", "http://127.0.0.1:9/services/T0/B0/oslo")
    monkeypatch.setenv("FAILURES_ADMIN_SLACK", "http://127.0.0.1:9/services/T0/B0/admin")
    with LocalServer() as server:
        path = tmp_path / "rules.yaml"
        path.write_text(
            RULES.format(
                state_dir=tmp_path / "state",
                max_body=MAX_BODY_BYTES,
                feed=server.url(FEED_PATH),
                status=server.url(STATUS_PATH),
            ),
            encoding="utf-8",
        )
        rules = load_rules(path)
        yield World(server, rules, open_db(rules.settings.database))


def good_feed() -> Route:
    return Route(build_feed(ENTRIES), ATOM_TYPE)


def good_status() -> Route:
    return Route(build_statuspage(100), JSON_TYPE)


def break_and_mend(
    world: World, source: str, path: str, good: Route, broken: Route | Callable[..., Response]
) -> None:
    """Baseline, break for BROKEN_POLLS polls, mend; assert the invariants at every step."""
    world.server.route(path, good)
    assert world.poll(source) == "baseline"
    assert world.poll(source) == "not_modified"
    stored = world.notices()
    assert (
        len(stored) == {"nyheter-atom": ENTRIES, "status-incidents": 5}[source]
        and world.kommune_alerts() == 0
        and world.admin_rows() == 0
    )

    world.server.route(path, broken)
    for index in range(1, BROKEN_POLLS + 1):
        assert world.poll(source) == "failed"
        assert world.kommune_alerts() == 0, "no alert storm"
        assert world.notices() == stored, "no false 'removed', nothing rewritten"
        assert world.admin_messages("broken") == (1 if index >= BROKEN_AFTER_FAILURES else 0)
    assert world.admin_messages("recovered") == 0

    world.server.route(path, good)
    for _ in range(2):
        assert world.poll(source) in ("not_modified", "unchanged")
        assert world.admin_messages("broken") == 1
    assert world.kommune_alerts() == 0 and world.notices() == stored
    # Broken, then recovered in the same hour: the recovery is gathered in the hour's second
    # source message (due at the end of the hour), one per admin channel.
    assert world.admin_rows() == 2 * len(world.rules.admin)
    bodies = world.rows(
        "SELECT idem_key, outbox_bodies.body FROM outbox"
        " JOIN outbox_bodies ON outbox_bodies.hash = outbox.body_hash WHERE kommune = 'admin'"
    )
    for key, body in bodies:
        gathered = "+|" in key
        assert body.count("svarer ikke som forventet") == (0 if gathered else 1)
        assert body.count("svarer normalt.") == (1 if gathered else 0)


def test_poll_source_5xx_breaks_and_recovers_quietly(world: World) -> None:
    page = b"<html><body><h1>503 Service Unavailable</h1></body></html>"
    broken = Route(page, "text/html", status=503, conditional=False)
    break_and_mend(world, "nyheter-atom", FEED_PATH, good_feed(), broken)


def test_poll_source_timeout_breaks_and_recovers_quietly(world: World) -> None:
    body = build_feed(ENTRIES)

    def slow(request: Request) -> Response:
        time.sleep(1.6)  # settings.request_timeout_seconds is 1
        return Response(200, body, ATOM_TYPE)

    break_and_mend(world, "nyheter-atom", FEED_PATH, good_feed(), slow)


def test_poll_source_html_error_page_instead_of_feed(world: World) -> None:
    page = (FIXTURES / "github-pages-404.html").read_bytes()
    break_and_mend(world, "nyheter-atom", FEED_PATH, good_feed(), Route(page, "text/html; charset=utf-8"))


def test_poll_source_truncated_xml(world: World) -> None:
    feed = build_feed(ENTRIES)
    break_and_mend(
        world, "nyheter-atom", FEED_PATH, good_feed(), Route(feed[: len(feed) * 2 // 3], ATOM_TYPE)
    )


def test_poll_source_empty_body_after_many_entries(world: World) -> None:
    break_and_mend(world, "nyheter-atom", FEED_PATH, good_feed(), Route(b"", ATOM_TYPE))


def test_poll_source_feed_suddenly_without_entries(world: World) -> None:
    feed = build_feed(ENTRIES)
    empty = feed[: feed.index(b"<entry>")] + b"</feed>\n"
    break_and_mend(world, "nyheter-atom", FEED_PATH, good_feed(), Route(empty, ATOM_TYPE))


def test_poll_source_status_page_suddenly_without_incidents(world: World) -> None:
    # A complete source: here a missing incident would otherwise count as removed.
    break_and_mend(
        world, "status-incidents", STATUS_PATH, good_status(), Route(build_statuspage(0), JSON_TYPE)
    )


def test_poll_source_100_mb_body(world: World) -> None:
    huge = b"<" * HUNDRED_MB
    break_and_mend(
        world, "nyheter-atom", FEED_PATH, good_feed(), lambda request: Response(200, huge, ATOM_TYPE)
    )
    rows = world.rows("SELECT bytes, repeats FROM fetch_log WHERE source = 'nyheter-atom'")
    # baseline and 304, the broken polls, two after mending (repeated outcomes fold into one row)
    assert sum(repeats for _, repeats in rows) == 2 + BROKEN_POLLS + 2
    assert rows and all(size is None or size <= MAX_BODY_BYTES for size, _ in rows)


def test_poll_source_latin1_declared_utf8_is_a_broken_source(world: World) -> None:
    # Latin-1 bytes in a feed that says utf-8, "–" and "“" lost to "?": a fault, not 44 edits.
    feed = build_feed(ENTRIES).decode("utf-8")
    assert "–" in feed
    latin1 = feed.encode("latin-1", errors="replace")
    break_and_mend(world, "nyheter-atom", FEED_PATH, good_feed(), Route(latin1, ATOM_TYPE))
    error = world.rows("SELECT last_error FROM sources WHERE name = 'nyheter-atom'")[0][0]
    assert error is None  # mended; the fetch log kept what was wrong
    logged = world.rows("SELECT error, repeats FROM fetch_log WHERE error IS NOT NULL")
    assert sum(repeats for _, repeats in logged) == BROKEN_POLLS  # the same failure folds into one row
    assert logged and all("says it is utf-8 but is not" in text for text, _ in logged)


def test_poll_source_text_mangled_by_the_source_is_no_edit(world: World) -> None:
    # The source itself serves its text with characters lost (valid UTF-8 "?" and U+FFFD), then
    # repairs it: neither poll is an edit, so no kommune hears of it and no version is stored.
    feed = build_feed(ENTRIES).decode("utf-8")
    lost = "–“”’«»"
    mangled = "".join(
        char if char not in lost else ("?" if index % 2 else "\ufffd") for index, char in enumerate(feed)
    )
    assert mangled != feed
    world.server.route(FEED_PATH, good_feed())
    assert world.poll("nyheter-atom") == "baseline"
    stored = world.notices()
    world.server.route(FEED_PATH, Route(mangled.encode("utf-8"), ATOM_TYPE))
    assert world.poll("nyheter-atom") == "unchanged"
    world.server.route(FEED_PATH, good_feed())
    assert world.poll("nyheter-atom") == "unchanged"
    assert world.notices() == stored
    assert world.kommune_alerts() == 0 and world.admin_rows() == 0
