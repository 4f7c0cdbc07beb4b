"""Alerts are Norwegian from top to bottom: the "why" footer on every channel, for every real notice."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.classify import classify
from monitor.config.types import ChannelConfig, KommuneConfig, Rules, Settings
from monitor.deliver import mail, slack, teams
from monitor.deliver.render import render_alert
from monitor.deliver.why import classified_text, norwegian_reason
from monitor.model import Change, Message, Notice
from monitor.route.recipients import route
from monitor.sources.postfile import read_post

#: Words of the classifier's English explanations (`classify --explain`) that must never reach a kommune.
ENGLISH = re.compile(
    r"\b(category|in title|in body|planned:|unplanned|apis:|environment|window|outweighs|operations notice|"
    r"safety net|no downtime|because|shared dependency|unnamed services|api_change|downtime|resolved)\b|→",
    re.IGNORECASE,
)
OSLO = KommuneConfig(
    number="0301",
    name="Oslo",
    rettighetspakker=("kommuneBoligsosialeFormaal",),
    apis=("inntekt", "summertskattegrunnlag"),
    channels=(ChannelConfig(name="slack", kind="slack_webhook", secret="env:OSLO_SLACK_WEBHOOK"),),
)
ADMIN = ChannelConfig(name="drift", kind="email", to=("admin@example.no",))
RULES = Rules(path=Path("rules.yaml"), settings=Settings(), sources=(), kommuner=(OSLO,), admin=(ADMIN,))


def _messages(notice: Notice) -> list[Message]:
    alerts = route(Change(kind="new", notice=notice, version=1), classify(notice), RULES)
    assert alerts, notice.title
    return [render_alert(alert) for alert in alerts]


def _channel_texts(message: Message) -> dict[str, str]:
    """What each channel puts on the wire, as text."""
    return {
        "slack": json.dumps(slack.build_payload(message), ensure_ascii=False),
        "teams": json.dumps(teams.build_card(message), ensure_ascii=False),
        "email text": mail.text_part(message),
        "email html": mail.html_part(message),
    }


def test_footer_reads_gjelder_and_klassifisert_som_in_norwegian() -> None:
    notice = Notice(
        source="status-incidents",
        notice_id="x1",
        title="Driftsproblemer i Inntekt API",
        text="",
        link="https://status.skatteetaten.no/incidents/x1",
        published=datetime(2024, 9, 2, 8, 0, tzinfo=UTC),
    )
    (message,) = _messages(notice)
    assert message.footer == (
        "Gjelder Inntekt API (rettighetspakke kommuneBoligsosialeFormaal). "
        "Klassifisert som feil: «Driftsproblemer» i tittelen."
    )
    for channel, text in _channel_texts(message).items():
        assert "Klassifisert som feil: «Driftsproblemer» i tittelen." in text, channel


def test_every_real_notice_footer_on_every_channel_has_no_english(corpus_dir: Path) -> None:
    posts = sorted((corpus_dir / "posts").glob("*.md"))
    assert len(posts) > 100
    checked = 0
    for post in posts:
        for message in _messages(read_post(post)):
            assert message.footer.startswith(("Gjelder ", "Sendt til administratorene: ")), post.name
            assert "Klassifisert som " in message.footer
            assert not ENGLISH.search(message.footer), (post.name, message.footer)
            for channel, text in _channel_texts(message).items():
                assert message.footer.split(". ")[-1].rstrip(".")[:40] in text.replace("&quot;", '"'), channel
            checked += 1
    assert checked == len(posts)


@pytest.mark.parametrize(
    ("reason", "norwegian"),
    [
        (
            "category error: 'Driftsproblemer' in title, 'feil' in body",
            "«Driftsproblemer» i tittelen, «feil» i teksten",
        ),
        (
            "category error: operations notice ('Driftsvarsel' in title) with no other category (safety net)",
            "driftsmelding («Driftsvarsel» i tittelen) uten andre kjennetegn",
        ),
        (
            "category error: operations notice (tagged Drift) with no other category (safety net)",
            "driftsmelding (merket «Drift») uten andre kjennetegn",
        ),
        (
            "category info: topic 'Skattekort' in title outweighs 'endring'",
            "emnet «Skattekort» i tittelen veier tyngre enn «endring»",
        ),
        (
            "category info: no downtime, error, resolution or API change terms",
            "ingen ord om nedetid, feil, løst feil eller API-endring",
        ),
        (
            "category info: the notice says there is no downtime ('ingen nedetid')",
            "varselet sier at det ikke blir nedetid («ingen nedetid»)",
        ),
        (
            "category error: data missing while the API answers normally ('ikke tilgjengelige')",
            "data mangler mens API-et svarer normalt («ikke tilgjengelige»)",
        ),
        ("planned: 'planlagt'", "planlagt («planlagt»)"),
        ("unplanned: 'nede nå'", "uplanlagt («nede nå»)"),
        ("planned: announced downtime (no sign of an outage in progress)", "planlagt (varslet på forhånd)"),
        ("apis: 'Inntekt API' → inntekt", None),
        ("environment prod: 'produksjon'", None),
        ("window (body): 'lørdag 23.04' → 2022-04-23T00:00–?", None),
        ("category error: something new we cannot read", None),
        ("helseprobe: Inntekt API svarer ikke", "helseprobe: Inntekt API svarer ikke"),
    ],
)
def test_norwegian_reason_words_each_classifier_reason(reason: str, norwegian: str | None) -> None:
    assert norwegian_reason(reason) == norwegian


def test_classified_text_without_readable_reasons_names_only_the_category() -> None:
    assert classified_text("api_change", ("apis: 'x' → all",)) == "Klassifisert som API-endring."
