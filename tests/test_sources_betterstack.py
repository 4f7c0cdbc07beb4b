"""sources.betterstack: a Better Stack status page's index.json (JSON:API), fixture in
tests/fixtures/status/betterstack/ (see tests/fixtures/status/README.md)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from monitor.classify import classify
from monitor.config.types import SourceConfig
from monitor.model import Window
from monitor.sources import SourceFormatError, parse_body

INDEX = Path(__file__).parent / "fixtures" / "status" / "betterstack" / "index.json"
SOURCE = SourceConfig(name="status-bs", kind="betterstack", url="https://status.example.no/index.json")


def test_parse_index_json_gives_one_notice_per_status_report() -> None:
    incident, maintenance = parse_body(INDEX.read_bytes(), SOURCE, "application/json")
    assert (incident.notice_id, maintenance.notice_id) == ("report:70001", "maintenance:70002")
    assert incident.title == "Driftsproblemer Inntekt API"
    assert incident.published == datetime.fromisoformat("2024-05-22T06:56:00+00:00")
    assert incident.updated == datetime.fromisoformat("2024-05-22T08:10:00+00:00")
    assert incident.text.splitlines()[:2] == ["Status: Nedetid", "Berørte tjenester: Inntekt API"]
    assert incident.text.index("kl. 10:10") < incident.text.index("kl. 08:56")  # newest update first
    assert maintenance.window == Window("2024-06-11T22:00", "2024-06-12T00:00")
    assert maintenance.tags == ("statusside", "vedlikehold")


def test_parse_index_json_classifies_like_a_statuspage_incident() -> None:
    incident, maintenance = parse_body(INDEX.read_bytes(), SOURCE)
    first, second = classify(incident), classify(maintenance)
    assert (first.category, first.planned, first.apis) == ("downtime", False, ("inntekt",))
    assert (second.category, second.planned, second.apis) == ("downtime", True, ("summertskattegrunnlag",))
    assert second.window == Window("2024-06-11T22:00", "2024-06-12T00:00")


def test_parse_resolved_report_says_lost() -> None:
    data = json.loads(INDEX.read_text(encoding="utf-8"))
    data["included"][4]["attributes"]["aggregate_state"] = "resolved"
    resolved = [{"status_page_resource_id": "80001", "status": "operational"}]
    data["included"].append(
        {"id": "60009", "type": "status_update", "attributes": {
            "status_report_id": 70001, "message": "Feilen er rettet og systemene er oppe igjen",
            "published_at": "2024-05-22T10:30:00.000Z", "affected_resources": resolved}}
    )  # fmt: skip
    incident, _ = parse_body(json.dumps(data).encode(), SOURCE)
    assert incident.text.startswith("Status: Løst\n")
    assert "\n\nLøst (22.05.2024 kl. 12:30): Feilen er rettet" in incident.text
    assert classify(incident).category == "resolved"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"<!DOCTYPE html><html><head><title>Status</title></head><body></body></html>", "HTML page"),
        (b'{"page": {"id": "x"}, "incidents": []}', "JSON an object with keys ['incidents', 'page']"),
        (b"", "response body is empty"),
        (
            b'{"data": {"type": "status_page"}, "included": [{"type": "status_report", "id": "1"}]}',
            "no id or",
        ),
    ],
)
def test_parse_wrong_body_is_a_clear_format_error(body: bytes, expected: str) -> None:
    with pytest.raises(SourceFormatError) as caught:
        parse_body(body, SOURCE, "text/html" if body.startswith(b"<") else "application/json")
    assert expected in str(caught.value)
    assert "status-bs" in str(caught.value)
