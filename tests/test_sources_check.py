"""`driftsvarsel sources check`: per source format, entries, newest, caching; silence warnings;
the daemon's daily job telling the admin route."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config.load import load_rules
from monitor.config.types import SourceConfig
from monitor.demo.localserver import LocalServer, Route
from monitor.model import FetchResult
from monitor.service.daemon import Daemon
from monitor.service.sourcecheck import run_daily_check
from monitor.sources.health import check_result
from monitor.store import open_db
from monitor.store.outbox import list_items

STATUS = Path(__file__).parent / "fixtures" / "status"
API = SourceConfig(
    name="status-incidents", kind="statuspage_api", url="http://127.0.0.1/api/v2/incidents.json"
)
NOW = datetime(2024, 9, 1, tzinfo=UTC)
SILENT = (
    "no incident or maintenance since 2024-08-15 (more than status_source_max_silence = 120 days): "
    "check that the status page still serves this format (`driftsvarsel sources discover URL`)"
)
RULES = """\
settings:
  state_dir: {state}
  status_source_max_silence: 30
  smtp: {{host: 127.0.0.1, port: 2525, security: none, sender: d@test.localhost}}
sources:
  - {{name: status-incidents, kind: statuspage_api, url: "{api}", interval_seconds: 1}}
  - {{name: status-bs, kind: betterstack, url: "{bs}", interval_seconds: 1}}
kommuner: []
admin:
  - {{name: epost, kind: email, to: [admin@test.localhost]}}
"""


def result(name: str, **headers: str) -> FetchResult:
    body = (STATUS / name).read_bytes()
    return FetchResult(url=API.url, status=200, body=body, content_type="application/json", **headers)  # type: ignore[arg-type]


def test_check_result_reports_entries_newest_and_caching() -> None:
    check = check_result(API, result("incidents.json", etag='"abc"', cache_control="max-age=60"), NOW)
    assert (check.entries, check.newest, check.problems, check.warnings) == (3, "Driftsproblemer", (), ())
    assert check.newest_at == datetime.fromisoformat("2024-08-15T12:05:00+02:00")
    assert check.caching == ('ETag: "abc"', "Cache-Control: max-age=60")
    assert check.unmapped_components == ()  # "Delingstjenester" stands for every API


def test_check_result_lists_components_no_api_is_mapped_to() -> None:
    data = json.loads((STATUS / "incidents.json").read_text(encoding="utf-8"))
    data["incidents"][1]["components"] = [
        {"id": "a", "name": "Folkeregister"},
        {"id": "b", "name": "inntekt  api"},
    ]
    answer = FetchResult(url=API.url, status=200, body=json.dumps(data).encode())
    assert check_result(API, answer, NOW).unmapped_components == ("Folkeregister",)


def test_check_result_warns_after_max_silence() -> None:
    late = check_result(API, result("incidents.json"), NOW + timedelta(days=200))
    assert late.warnings == (SILENT,)
    empty = FetchResult(url=API.url, status=200, body=json.dumps({"page": {}, "incidents": []}).encode())
    assert (
        check_result(API, empty, NOW).warnings[0].startswith("no incident or maintenance at all (more than")
    )


def test_check_result_atom_source_never_warns_about_silence() -> None:
    feed = (Path(__file__).parent / "fixtures" / "status" / "history.atom").read_bytes()
    atom = SourceConfig(name="nyheter", kind="atom", url="http://127.0.0.1/atom.xml")
    check = check_result(atom, FetchResult(url=atom.url, status=200, body=feed), NOW + timedelta(days=999))
    assert check.warnings == () and check.entries > 0


def test_check_result_names_the_problem() -> None:
    html = (STATUS / "github-pages-404.html").read_bytes()
    check = check_result(API, FetchResult(url=API.url, status=200, body=html, content_type="text/html"), NOW)
    assert check.format == "an HTML page (text/html) titled 'Page not found · GitHub Pages'"
    assert len(check.problems) == 1 and "expected Statuspage v2 JSON" in check.problems[0]
    down = check_result(API, FetchResult(url=API.url, status=None, error="timed out after 20 s"), NOW)
    assert (down.format, down.problems) == ("no answer", ("timed out after 20 s",))


@pytest.fixture
def status_server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        server.route(
            "/api/v2/incidents.json", Route((STATUS / "incidents.json").read_bytes(), "application/json")
        )
        server.route(
            "/index.json", Route((STATUS / "betterstack" / "index.json").read_bytes(), "application/json")
        )
        yield server


def write_rules(tmp_path: Path, server: LocalServer, bs_path: str = "/index.json") -> Path:
    path = tmp_path / "rules.yaml"
    text = RULES.format(
        state=tmp_path / "state", api=server.url("/api/v2/incidents.json"), bs=server.url(bs_path)
    )
    path.write_text(text, encoding="utf-8")
    return path


def test_sources_check_cli_prints_each_source(
    tmp_path: Path, status_server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sources", "check", "--rules", str(write_rules(tmp_path, status_server))]) == 0
    out = capsys.readouterr().out
    assert "  entries: 3; newest: 'Driftsproblemer' (2024-08-15 10:05 UTC)" in out
    newest = "'Planlagt vedlikehold av Summert skattegrunnlag API' (2024-06-04 09:00 UTC)"
    assert f"  entries: 2; newest: {newest}" in out
    assert out.count("  WARNING: no incident or maintenance since") == 2  # 30 days, and it is long after 2024
    assert out.rstrip().endswith("2 sources checked: 0 with problems, 2 with warnings")
    assert main(["sources", "check", "--rules", str(write_rules(tmp_path, status_server, "/gone"))]) == 1
    assert "  PROBLEM: HTTP 404 from 127.0.0.1" in capsys.readouterr().out


def test_daily_check_tells_the_admin_once_a_day(tmp_path: Path, status_server: LocalServer) -> None:
    path = write_rules(tmp_path, status_server, "/gone")
    daemon = Daemon(path, rules=load_rules(path), now_fn=lambda: NOW)
    run_daily_check(daemon)
    run_daily_check(daemon)  # the same day: the same idempotency key, no second message
    items = list_items(open_db(tmp_path / "state" / "driftsvarsel.db"))
    assert [(item.kommune, item.channel) for item in items] == [("admin", "epost")]
    assert (
        items[0].message.subject
        == "[Driftsvarsel admin] Kildesjekk: 1 av 2 kilder trenger tilsyn (status-bs)"
    )
    assert "PROBLEM: HTTP 404 from 127.0.0.1" in items[0].message.body
