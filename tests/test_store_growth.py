"""A store that grows with news, not with time: unchanged polls fold into one fetch-log line, a body
seen before is not parsed again, and an older database's per-poll lines fold on migration.

Real loopback feed (the real atom.xml), real SQLite files, `poll_source` as the daemon calls it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

from monitor.config.load import load_rules
from monitor.config.types import Rules
from monitor.demo.localserver import LocalServer, Response, Route
from monitor.pipeline import poll_source
from monitor.store import notices as notice_store
from monitor.store import open_db
from monitor.store.sources import fold_fetch_log, prune_fetch_log

START = datetime(2024, 2, 1, 8, 0, tzinfo=UTC)
ATOM_TYPE = "application/atom+xml; charset=utf-8"
POLLS = 12
RULES = """\
settings:
  state_dir: {state_dir}
  smtp: {{host: 127.0.0.1, port: 2525, security: none, sender: driftsvarsel@test.localhost}}
sources:
  - {{name: nyheter-atom, kind: atom, url: "{feed}", interval_seconds: 60}}
kommuner:
  - kommunenummer: "0301"
    apis: ["*"]
    channels:
      - {{name: epost, kind: email, to: [drift@oslo.test.localhost]}}
admin:
  - {{name: epost, kind: email, to: [admin@test.localhost]}}
"""


@pytest.fixture(scope="module")
def feed_bytes(corpus_dir: Path) -> bytes:
    return (corpus_dir / "html" / "nyheter-og-driftsvarsler__atom.xml").read_bytes()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as local:
        yield local


def make_rules(tmp_path: Path, server: LocalServer) -> Rules:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES.format(state_dir=tmp_path, feed=server.url("/atom.xml")), encoding="utf-8")
    return load_rules(path)


def fetch_log(db: sqlite_utils.Database) -> list[tuple[int | None, int | None, int]]:
    return [tuple(row) for row in db.execute("SELECT status, notices, repeats FROM fetch_log ORDER BY id")]


def poll_many(db: sqlite_utils.Database, rules: Rules, polls: int) -> list[str]:
    source = rules.sources[0]
    return [
        poll_source(db, rules, source, now=START + timedelta(minutes=minute)).outcome
        for minute in range(polls)
    ]


def test_poll_source_unchanged_200_folds_into_one_line_and_is_not_parsed_again(
    tmp_path: Path, server: LocalServer, feed_bytes: bytes
) -> None:
    server.route("/atom.xml", lambda request: Response(200, feed_bytes, ATOM_TYPE))  # no validators
    rules = make_rules(tmp_path, server)
    db = open_db(rules.settings.database)
    outcomes = poll_many(db, rules, POLLS)
    assert outcomes == ["baseline"] + ["unchanged"] * (POLLS - 1)
    stored = len(notice_store.stored_notices(db, "nyheter-atom"))
    # The baseline line counts the notices it parsed; the rest were not parsed (notices NULL).
    assert fetch_log(db) == [(200, stored, 1), (200, None, POLLS - 1)]
    last_at = db.execute("SELECT last_at FROM fetch_log ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert last_at.startswith(f"{START + timedelta(minutes=POLLS - 1):%Y-%m-%dT%H:%M}")


def test_poll_source_304_polls_fold_and_a_change_starts_a_new_line(
    tmp_path: Path, server: LocalServer, feed_bytes: bytes
) -> None:
    server.route("/atom.xml", Route(feed_bytes, ATOM_TYPE))  # ETag + Last-Modified: 304s
    rules = make_rules(tmp_path, server)
    db = open_db(rules.settings.database)
    assert poll_many(db, rules, POLLS) == ["baseline"] + ["not_modified"] * (POLLS - 1)
    server.route("/atom.xml", lambda request: Response(503, b"busy", "text/plain"))
    poll_many(db, rules, 3)
    stored = len(notice_store.stored_notices(db, "nyheter-atom"))
    assert fetch_log(db) == [(200, stored, 1), (304, None, POLLS - 1), (503, None, 3)]


def test_fold_fetch_log_folds_an_older_versions_lines(tmp_path: Path) -> None:
    db = open_db(tmp_path / "d.db")
    rows = [("a", 200, 20)] * 5 + [("a", 304, None)] * 4 + [("b", 200, 3)] * 3 + [("a", 304, None)]
    for minute, (source, status, notices) in enumerate(rows):
        db.execute(
            "INSERT INTO fetch_log (source, at, status, bytes, notices) VALUES (?, ?, ?, 0, ?)",
            [source, f"2024-02-01T08:{minute:02d}:00Z", status, notices],
        )
    fold_fetch_log(db)
    folded = db.execute("SELECT source, status, repeats, at, last_at FROM fetch_log ORDER BY id").fetchall()
    assert [tuple(row) for row in folded] == [
        ("a", 200, 5, "2024-02-01T08:00:00Z", "2024-02-01T08:04:00Z"),
        ("a", 304, 5, "2024-02-01T08:05:00Z", "2024-02-01T08:12:00Z"),
        ("b", 200, 3, "2024-02-01T08:09:00Z", "2024-02-01T08:11:00Z"),
    ]
    # A folded line is kept while its last poll is recent enough.
    assert prune_fetch_log(db, datetime(2024, 2, 1, 8, 10, tzinfo=UTC)) == 1
    assert [row[0] for row in db.execute("SELECT status FROM fetch_log")] == [304, 200]
