"""Hostile notice text through every channel (issue 13, rows 5 and 6), to the local stand-ins.

Row 5: a title of 100,000 characters is cut to each channel's limits with "(forkortet)", so the
Teams card stays under 28 KB (no 413, no dead letter). Row 6: bidi controls (U+202E, U+2066-2069)
are dropped like zero-width characters before anything reaches Slack, Teams or an email Subject.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from delivery_samples import channel, make_alert, settings

from monitor.config.types import SourceConfig
from monitor.deliver import DeliveryContext, mail, slack, teams
from monitor.deliver.render import SHORTENED, SUBJECT_MAX_CHARS, TITLE_MAX_CHARS, render_alert
from monitor.demo.receivers import SlackReceiver, SmtpReceiver, TeamsReceiver
from monitor.demo.receivers.teams import TEAMS_MAX_BYTES
from monitor.model import Message
from monitor.sources import parse_body

BIDI = "\u202e\u2066\u2067\u2068\u2069"
NOW = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def stand_ins(real_dir: Path) -> Iterator[tuple[SlackReceiver, TeamsReceiver, SmtpReceiver]]:
    schema = real_dir / "data" / "adaptive-card-1.5.schema.json"
    with SlackReceiver() as slack_receiver, TeamsReceiver(schema_path=schema) as teams_receiver:
        with SmtpReceiver() as smtp:
            yield slack_receiver, teams_receiver, smtp


def send_everywhere(
    message: Message, stand_ins: tuple[SlackReceiver, TeamsReceiver, SmtpReceiver]
) -> tuple[str, str, str]:
    """Send `message` to the three stand-ins; what each received, decoded (Slack JSON, Teams JSON,
    the email's Subject and both parts)."""
    slack_receiver, teams_receiver, smtp = stand_ins
    results = [
        slack.send_webhook(
            message, channel("slack_webhook"), DeliveryContext(slack_receiver.webhook_url, settings())
        ),
        teams.send(message, channel("teams"), DeliveryContext(teams_receiver.url, settings())),
        mail.send(
            message,
            channel("email", to=("drift@kommune.test",)),
            DeliveryContext(
                None, settings(host="127.0.0.1", port=smtp.port, security="none", sender="d@t.test")
            ),
        ),
    ]
    assert [result.ok for result in results] == [True, True, True], [result.detail for result in results]
    (posted,) = slack_receiver.received()
    (card,) = teams_receiver.received()
    (email,) = smtp.received()
    parts = [email.message.get_body((kind,)) for kind in ("plain", "html")]
    mailed = "\n".join(
        [str(email.message["Subject"]), *(part.get_content() for part in parts if part is not None)]
    )
    return json.dumps([posted.text, posted.blocks], ensure_ascii=False), card.raw.decode(), mailed


def test_send_title_of_100000_characters_fits_every_channel_and_says_forkortet(
    stand_ins: tuple[SlackReceiver, TeamsReceiver, SmtpReceiver],
) -> None:
    message = render_alert(make_alert(title="Nedetid " + "x" * 100_000, text="Tekst " * 20_000))
    assert len(message.headline) < TITLE_MAX_CHARS + 30 and message.headline.endswith(SHORTENED)
    assert len(message.subject) == SUBJECT_MAX_CHARS and message.subject.endswith(SHORTENED)
    assert message.body.endswith(SHORTENED)
    posted, card, email = send_everywhere(message, stand_ins)
    assert len(card.encode()) <= teams.MAX_PAYLOAD_BYTES < TEAMS_MAX_BYTES
    assert "(forkortet)" in posted and "(forkortet)" in card
    subject = email.splitlines()[0]
    assert len(subject) == SUBJECT_MAX_CHARS and subject.endswith(SHORTENED)


def test_payloads_of_a_message_huge_in_every_part_stay_within_limits() -> None:
    fields = tuple((f"Felt {index}", "verdi " * 5_000) for index in range(200))
    message = Message("s" * 10_000, "h" * 50_000, fields, "b" * 200_000, None, "f" * 50_000, "<x@t>")
    assert len(teams.payload_bytes(message)) <= teams.MAX_PAYLOAD_BYTES
    payload = slack.build_payload(message)
    assert len(payload["blocks"]) <= slack.MAX_BLOCKS and len(payload["text"]) <= slack.FALLBACK_MAX
    assert sum(len(json.dumps(block)) for block in payload["blocks"]) < 40_000


def test_send_bidi_controls_in_title_and_body_reach_no_channel(
    stand_ins: tuple[SlackReceiver, TeamsReceiver, SmtpReceiver],
) -> None:
    title = f"Inntekt API er \u202enede\u202c {BIDI}i dag"
    message = render_alert(make_alert(title=title, text=f"Feil\u2066 i\u2069 {BIDI}Inntekt API."))
    assert not set(BIDI) & set(message.subject + message.headline + message.body)
    # And a Message built elsewhere (an admin text, an older outbox row) is cleaned by each channel.
    raw = Message(title, title, (("Kategori", title),), title, None, title, "<bidi@t>")
    for sent in (*send_everywhere(message, stand_ins), *send_everywhere_again(raw, stand_ins)):
        assert "nede" in sent and not set(BIDI) & set(sent)


def send_everywhere_again(
    message: Message, stand_ins: tuple[SlackReceiver, TeamsReceiver, SmtpReceiver]
) -> tuple[str, str, str]:
    for receiver in stand_ins:
        receiver.reset()
    return send_everywhere(message, stand_ins)


def test_parse_body_drops_bidi_controls_from_feed_titles() -> None:
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        "<id>x</id><updated>2024-05-01T08:00:00Z</updated><entry><id>https://skatteetaten.github.io/a</id>"
        f'<title>Nedetid {BIDI}Inntekt</title><link href="https://skatteetaten.github.io/a"/>'
        "<updated>2024-05-01T08:00:00Z</updated>"
        f'<content type="html">&lt;p&gt;Tekst {BIDI}her&lt;/p&gt;</content></entry></feed>'
    ).encode()
    source = SourceConfig(name="atom", kind="atom", url="https://skatteetaten.github.io/atom.xml")
    (notice,) = parse_body(feed, source)
    assert notice.title == "Nedetid Inntekt" and "Tekst her" in notice.text
