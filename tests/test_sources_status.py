"""sources.statuspage (Statuspage v2 JSON) and sources.statusfeed (history RSS/Atom).

Fixtures in tests/fixtures/status/ follow shared/reference/status-pages.md and carry real
Skatteetaten notice texts (2024-05-22 Driftsproblemer + løst, 2024-06-05 vedlikehold ...).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.config.types import SourceConfig
from monitor.sources import SourceFormatError, parse_body, statusfeed, statuspage

FIXTURES = Path(__file__).parent / "fixtures" / "status"
API = SourceConfig(
    name="status-api", kind="statuspage_api", url="https://status.skatteetaten.no/api/v2/incidents.json"
)
FEED = SourceConfig(name="status-feed", kind="status_feed", url="https://status.skatteetaten.no/history.atom")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(fixture(name))
    return data


def test_parse_incidents_json_gives_one_notice_per_incident() -> None:
    notices = statuspage.parse(fixture("incidents.json"), API, content_type="application/json")
    assert [notice.notice_id for notice in notices] == [
        "incident:8wz5hq1t7c2n",
        "incident:2dk4w8vx0m3c",
        "incident:p0x9kq2m1zrt",
    ]
    may = notices[2]
    assert may.title == "Driftsproblemer"
    assert may.link == "https://stspg.io/p0x9kq"
    assert may.published == datetime.fromisoformat("2024-05-22T08:56:00+02:00")
    assert may.updated == datetime.fromisoformat("2024-05-22T12:30:00+02:00")
    assert may.tags == ("statusside", "hendelse")
    assert may.text == (
        "Status: Løst\n\n"
        "Løst (22.05.2024 kl. 12:30): Feilen er rettet og systemene er oppe igjen\n\n"
        "Under undersøkelse (22.05.2024 kl. 08:56): Vi har for tiden driftsproblemer. Feilsøking pågår."
    )
    assert "Berørte tjenester: Delingstjenester" in notices[0].text


def test_parse_scheduled_maintenances_gives_window_in_oslo_time() -> None:
    network, test_env = statuspage.parse(fixture("scheduled-maintenances.json"), API)
    assert network.notice_id == "maintenance:c3v6b9n2m5lk"
    assert network.text.splitlines()[:3] == [
        "Status: Fullført",
        "Planlagt: fra 11.06.2024 kl. 22:00 til 12.06.2024 kl. 00:00",
        "Berørte tjenester: Delingstjenester",
    ]
    assert "Pågår (11.06.2024 kl. 22:00)" in network.text
    assert network.text.endswith(
        "Planlagt (05.06.2024 kl. 10:30): Det utføres endringer i nettverk 11. juni i perioden fra kl 22:00 "
        "til 00:00. Det kan oppleves ustabilitet ved kall mot API."
    )
    assert network.tags == ("statusside", "vedlikehold")
    assert "Planlagt: fra 08.06.2024 kl. 09:00 til 09.06.2024 kl. 16:00" in test_env.text
    assert "Dette medfører nedetid og ustabilitet i hele perioden." in test_env.text


def test_parse_summary_json_reads_open_incident_and_upcoming_maintenance() -> None:
    incident, maintenance = statuspage.parse(fixture("summary.json"), API)
    assert incident.notice_id == "incident:2dk4w8vx0m3c"
    assert incident.text.startswith("Status: Under undersøkelse\n")
    assert maintenance.notice_id == "maintenance:c3v6b9n2m5lk"
    assert maintenance.text.startswith("Status: Planlagt\nPlanlagt: fra 11.06.2024 kl. 22:00")


def test_parse_new_update_is_an_edit_of_the_same_notice() -> None:
    data = fixture_json("incidents.json")
    resolved = data["incidents"][2]
    opening = dict(resolved, status="investigating", incident_updates=resolved["incident_updates"][1:])
    before = statuspage.parse(json.dumps({"page": data["page"], "incidents": [opening]}).encode(), API)[0]
    after = statuspage.parse(json.dumps({"page": data["page"], "incidents": [resolved]}).encode(), API)[0]
    assert before.notice_id == after.notice_id == "incident:p0x9kq2m1zrt"
    assert before.content_hash() != after.content_hash()
    assert before.text.startswith("Status: Under undersøkelse") and after.text.startswith("Status: Løst")


def test_parse_maintenance_listed_as_incident_keeps_its_id() -> None:
    data = fixture_json("scheduled-maintenances.json")
    body = json.dumps({"page": data["page"], "incidents": data["scheduled_maintenances"]}).encode()
    assert [notice.notice_id for notice in statuspage.parse(body, API)] == [
        "maintenance:c3v6b9n2m5lk",
        "maintenance:f6g9h2j5k8lq",
    ]


def test_status_word_covers_every_statuspage_status() -> None:
    for status in ("investigating", "identified", "monitoring", "resolved", "postmortem"):
        assert statuspage.status_word(status) != status
    for status in ("scheduled", "in_progress", "verifying", "completed"):
        assert statuspage.status_word(status) != status
    assert statuspage.status_word("something_new") == "something_new"


def test_parse_html_instead_of_statuspage_json_says_what_came() -> None:
    with pytest.raises(SourceFormatError) as raised:
        statuspage.parse(fixture("github-pages-404.html"), API, content_type="text/html; charset=utf-8")
    message = str(raised.value)
    assert "expected Statuspage v2 JSON" in message and "got an HTML page" in message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"page": {}, "components": []}', "without incidents lists"),
        (b"[1, 2]", "got JSON list"),
        (b'{"incidents": [{"id": "x"}]}', "an incident has no id or name"),
        (b'{"incidents": [', "got invalid JSON"),
        (b"", "response body is empty"),
    ],
)
def test_parse_wrong_json_is_rejected(body: bytes, expected: str) -> None:
    with pytest.raises(SourceFormatError, match=expected):
        statuspage.parse(body, API)


@pytest.mark.parametrize("name", ["history.atom", "history.rss"])
def test_status_feed_reads_atom_and_rss_history(name: str) -> None:
    notices = statusfeed.parse(fixture(name), FEED)
    assert len(notices) == 5
    newest = notices[0]
    assert newest.title == "Driftsproblemer"
    assert newest.link == "https://status.skatteetaten.no/incidents/8wz5hq1t7c2n"
    assert newest.text.startswith(
        "Status: Løst\n\nAug 15, 10:05 UTC\nResolved - Driftsproblemene vi har hatt, er løst."
    )
    assert newest.tags == ("statusside",)
    maintenance = notices[1]
    assert maintenance.text.startswith(
        "Status: Fullført\nPlanlagt: fra 11.06.2024 kl. 22:00 til 12.06.2024 kl. 00:00\n\n"
    )
    two_days = next(notice for notice in notices if "testmiljøene" in notice.title)
    assert "Planlagt: fra 08.06.2024 kl. 09:00 til 09.06.2024 kl. 16:00" in two_days.text


def test_status_feed_ids_are_stable_entry_ids() -> None:
    atom_ids = [notice.notice_id for notice in statusfeed.parse(fixture("history.atom"), FEED)]
    rss_ids = [notice.notice_id for notice in statusfeed.parse(fixture("history.rss"), FEED)]
    assert atom_ids[0] == "tag:status.skatteetaten.no,2005:Incident/21890455"
    assert rss_ids[0] == "https://status.skatteetaten.no/incidents/8wz5hq1t7c2n"
    assert len(set(atom_ids)) == len(set(rss_ids)) == 5


def test_status_feed_window_matches_the_json_api() -> None:
    from_feed = statusfeed.parse(fixture("history.atom"), FEED)[1].text.splitlines()[1]
    from_api = statuspage.parse(fixture("scheduled-maintenances.json"), API)[0].text.splitlines()[1]
    assert from_feed == from_api


def test_status_feed_rejects_html_and_json_saying_what_came() -> None:
    with pytest.raises(
        SourceFormatError, match=r"expected a status history feed \(RSS 2.0 or Atom\) but got an HTML"
    ):
        statusfeed.parse(fixture("github-pages-404.html"), FEED)
    with pytest.raises(SourceFormatError, match="but got JSON"):
        parse_body(fixture("incidents.json"), FEED, "application/json")


def test_parse_body_names_the_source_in_errors() -> None:
    with pytest.raises(SourceFormatError, match=r"^source 'status-api' \(https://status.skatteetaten.no/api"):
        parse_body(b"<html><title>Maintenance</title></html>", API, "text/html")


def test_newest_status_skips_plain_updates() -> None:
    html = (
        "<p><small>Jun 11, 09:00 UTC</small><br><strong>Update</strong> - Vi jobber fortsatt med saken.</p>"
        "<p><small>Jun 11, 08:32 UTC</small><br><strong>Identified</strong> - Feilen er funnet.</p>"
    )
    assert statusfeed.newest_status(html) == "identified"
    assert statusfeed.newest_status("<p>Ingen status her</p>") is None


def test_parse_maintenance_carries_its_scheduled_window_for_the_classifier() -> None:
    from monitor.classify import classify

    source = SourceConfig(
        "status", "statuspage_api", "https://status.example/api/v2/scheduled-maintenances.json"
    )
    notices = parse_body(fixture("scheduled-maintenances.json"), source, "application/json")
    maintenance = next(notice for notice in notices if "nettverk" in notice.title)
    assert maintenance.window is not None
    assert (maintenance.window.start, maintenance.window.end) == ("2024-06-11T22:00", "2024-06-12T00:00")
    # Completed ("Fullført"), the maintenance is over: the status decides before the prose.
    assert classify(maintenance).category == "resolved"
    # While it is still scheduled, it is planned downtime in the window the status page states.
    data = json.loads(fixture("scheduled-maintenances.json"))
    item = next(item for item in data["scheduled_maintenances"] if "nettverk" in item["name"])
    scheduled = {**item, "status": "scheduled", "incident_updates": item["incident_updates"][-1:]}
    classification = classify(statuspage.incident_to_notice(scheduled, data["page"], source))
    assert classification.category == "downtime" and classification.planned is True
    assert classification.window == maintenance.window
