"""Teams Workflows sender against the local TeamsReceiver, which validates the Adaptive Card 1.5 schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from delivery_samples import channel, make_alert, settings
from probe_servers import refused_port

from monitor.deliver import DeliveryContext
from monitor.deliver.render import render_alert
from monitor.deliver.teams import MAX_PAYLOAD_BYTES, build_card, payload_bytes, send
from monitor.demo.receivers import TeamsReceiver
from monitor.model import Message


@pytest.fixture(scope="module")
def schema_path(real_dir: Path) -> Path:
    return real_dir / "data" / "adaptive-card-1.5.schema.json"


@pytest.fixture(scope="module")
def teams_server(schema_path: Path) -> Iterator[TeamsReceiver]:
    with TeamsReceiver(schema_path=schema_path) as receiver:
        yield receiver


@pytest.fixture
def teams(teams_server: TeamsReceiver) -> TeamsReceiver:
    teams_server.reset()
    return teams_server


def context(url: str, timeout: float = 5.0) -> DeliveryContext:
    return DeliveryContext(secret=url, settings=settings(), timeout=timeout)


def message() -> Message:
    return render_alert(make_alert(), probe_note="Helseprobene ser: Inntekt API svarer normalt")


def test_send_success_card_is_valid_adaptive_card_1_5(teams: TeamsReceiver) -> None:
    result = send(message(), channel("teams"), context(teams.url))
    assert result.ok and result.status == 202, (result.detail, teams.rejections)
    (received,) = teams.received()
    card = received.card
    assert card["version"] == "1.5" and card["type"] == "AdaptiveCard"
    assert received.payload["attachments"][0]["contentUrl"] is None
    headline, facts, body, footer = card["body"]
    assert headline["weight"] == "Bolder" and headline["size"] == "Large"
    assert {"title": "Kategori", "value": "Nedetid (planlagt)"} in facts["facts"]
    assert body["wrap"] is True and footer["isSubtle"] is True
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Åpne varselet", "url": message().link}]


def test_receiver_rejects_a_card_the_schema_refuses(teams: TeamsReceiver) -> None:
    card = build_card(message())
    card["body"][0]["weight"] = "Heaviest"
    envelope = {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
    }
    import httpx

    response = httpx.post(teams.url, json=envelope)
    assert response.status_code == 400 and "schema" in response.text
    card["body"][0]["weight"] = "Bolder"
    card["version"] = "1.6"
    assert httpx.post(teams.url, json=envelope).status_code == 400
    assert teams.received() == []


def test_send_without_https_link_has_no_action(teams: TeamsReceiver) -> None:
    result = send(replace(message(), link="javascript:alert(1)"), channel("teams"), context(teams.url))
    assert result.ok
    assert "actions" not in teams.received()[0].card


def test_payload_bytes_stays_under_limit_for_huge_body(teams: TeamsReceiver) -> None:
    huge = replace(message(), body="Lang tekst med *stjerner* og [lenker]. " * 3000)
    assert len(payload_bytes(huge)) <= MAX_PAYLOAD_BYTES
    assert send(huge, channel("teams"), context(teams.url)).ok
    assert teams.received()[0].card["body"][2]["text"].endswith("… (forkortet)")


def test_send_429_is_retryable_with_retry_after(teams: TeamsReceiver) -> None:
    teams.fail(429, retry_after=12)
    result = send(message(), channel("teams"), context(teams.url))
    assert (result.ok, result.permanent, result.status, result.retry_after) == (False, False, 429, 12.0)


def test_send_500_is_retryable(teams: TeamsReceiver) -> None:
    teams.fail(500)
    result = send(message(), channel("teams"), context(teams.url))
    assert (result.ok, result.permanent, result.status) == (False, False, 500)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 413])
def test_send_client_errors_are_permanent(teams: TeamsReceiver, status: int) -> None:
    teams.fail(status)
    result = send(message(), channel("teams"), context(teams.url))
    assert not result.ok and result.permanent and result.status == status
    assert teams.sig not in result.detail


def test_send_wrong_signature_is_refused_permanently(teams: TeamsReceiver) -> None:
    result = send(message(), channel("teams"), context(teams.url.replace(teams.sig, "forged")))
    assert not result.ok and result.permanent and result.status == 401
    assert "forged" not in result.detail


def test_send_timeout_is_retryable() -> None:
    with TeamsReceiver() as slow:
        slow.delay = 1.5
        result = send(message(), channel("teams"), context(slow.url, timeout=0.3))
    assert not result.ok and not result.permanent and "timed out" in result.detail


def test_send_connection_refused_is_retryable() -> None:
    with refused_port() as port:
        result = send(message(), channel("teams"), context(f"http://127.0.0.1:{port}/workflows/x?sig=secret"))
    assert not result.ok and not result.permanent and "secret" not in result.detail


def test_send_refuses_http_to_remote_host() -> None:
    result = send(message(), channel("teams"), context("http://prod-01.westeurope.logic.azure.com/x?sig=s"))
    assert not result.ok and result.permanent


def test_payload_bytes_is_json_built_with_json_dumps() -> None:
    body = payload_bytes(message())
    assert json.loads(body)["attachments"][0]["content"]["$schema"].startswith("http://adaptivecards.io/")
