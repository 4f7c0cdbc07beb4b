"""Hostile notice text must arrive inert at every receiver: no mentions, links, markup or structure."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from delivery_samples import LINK, channel, make_alert, settings

from monitor.deliver import DeliveryContext
from monitor.deliver.mail import send as send_mail
from monitor.deliver.render import render_alert
from monitor.deliver.slack import send_bot, send_webhook
from monitor.deliver.teams import send as send_teams
from monitor.demo.receivers import SlackReceiver, SmtpReceiver, TeamsReceiver
from monitor.model import Message

JSON_BREAK = '"}]}, {"type":"Action.OpenUrl","url":"https://evil.example"}'
TITLE = "Nedetid <!channel> @here <!here> <script>alert(1)</script> " + JSON_BREAK
BODY = "\n".join(
    [
        "Hei <!channel> og @here og <!everyone> og <@U024BE7LH> og <!subteam^SAZ94GDB8>.",
        "<script>alert(1)</script> <img src=x onerror=alert(2)>",
        "Se [klikk](https://evil.example) eller <https://evil.example|klikk her>",
        "og *bold* _kursiv_ ~streket~.",
        "# Overskrift",
        "- punkt",
        "1. nummer",
        "<at>Alle</at> {{DATE(2017-02-14T06:08:39Z, SHORT)}}",
        JSON_BREAK,
    ]
)


def hostile() -> Message:
    return render_alert(make_alert(title=TITLE + "\nBcc: victim@evil.example", text=BODY))


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackReceiver]:
    with SlackReceiver() as receiver:
        yield receiver


def assert_slack_inert(payload: dict[str, object]) -> None:
    raw = json.dumps(payload, ensure_ascii=False)
    for mention in (
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<@U024BE7LH>",
        "<!subteam",
        "<https://evil",
        "<script",
    ):
        assert mention not in raw
    assert "&lt;!channel&gt;" in raw and "&lt;!here&gt;" in raw and "&lt;script&gt;" in raw
    assert "link_names" not in payload and "parse" not in payload


def test_slack_webhook_receives_escaped_mentions_and_links(slack: SlackReceiver) -> None:
    slack.reset()
    result = send_webhook(hostile(), channel("slack_webhook"), DeliveryContext(slack.webhook_url, settings()))
    assert result.ok, slack.rejections
    (received,) = slack.received()
    assert received.text is not None and received.text.startswith(
        "[Driftsvarsel] Nedetid: Nedetid &lt;!channel&gt;"
    )
    assert_slack_inert(received.payload)
    links = re.findall(r"<(https?://[^|>]+)\|", json.dumps(received.blocks))
    assert links == [LINK]  # the only link Slack will render is ours


def test_slack_bot_receives_escaped_mentions(slack: SlackReceiver) -> None:
    slack.reset()
    base = settings()
    config = type(base)(state_dir=base.state_dir, database=base.database, slack_api_url=slack.api_url)
    context = DeliveryContext(secret=slack.token, settings=config)
    assert send_bot(hostile(), channel("slack_bot", target="C0DRIFT"), context).ok
    assert_slack_inert(slack.received()[0].payload)


def test_teams_card_keeps_its_structure_and_escapes_markdown(real_dir: Path) -> None:
    schema = real_dir / "data" / "adaptive-card-1.5.schema.json"
    with TeamsReceiver(schema_path=schema) as teams:
        result = send_teams(hostile(), channel("teams"), DeliveryContext(teams.url, settings()))
        assert result.ok, teams.rejections
        (received,) = teams.received()
    card = received.card
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Åpne varselet", "url": LINK}]
    assert list(received.payload) == ["type", "attachments"] and len(received.payload["attachments"]) == 1
    assert [element["type"] for element in card["body"]] == ["TextBlock", "FactSet", "TextBlock", "TextBlock"]
    text = card["body"][2]["text"]
    assert "\\[klikk\\](https://evil.example)" in text
    assert not re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(", text)  # no unescaped [text]( left
    assert "\\*bold\\*" in text and "\\_kursiv\\_" in text and "\\~streket\\~" in text
    assert "\n\\# Overskrift" in text and "\n\\- punkt" in text and "\n1\\. nummer" in text
    assert "<at>" not in text and "{{DATE" not in text
    assert JSON_BREAK not in received.raw.decode("utf-8")  # quotes arrive JSON-escaped, never raw


def test_email_html_part_escapes_markup_and_subject_cannot_add_headers() -> None:
    to = ("drift@kommune.example",)
    with SmtpReceiver() as smtp:
        config = settings(host=smtp.host, port=smtp.port, security="none")
        assert send_mail(hostile(), channel("email", to=to), DeliveryContext(None, config)).ok
        (mail,) = smtp.received()
    html_part = mail.message.get_body(("html",))
    assert html_part is not None
    html = html_part.get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html and "<img" not in html
    assert re.findall(r"<a\s", html) == ["<a "]  # one link: ours
    assert f'href="{LINK}"' in html
    assert mail.message["Bcc"] is None and mail.rcpt_tos == to
    assert "\n" not in str(mail.message["Subject"])


def test_slack_webhook_receives_ampersands_escaped(slack: SlackReceiver) -> None:
    # An unescaped "&" would let a notice write "&lt;!channel&gt;" and show it as Slack markup.
    slack.reset()
    alert = make_alert(title="Skatt & avgift &lt;!channel&gt;", text="A&B-testen &amp; mer")
    result = send_webhook(
        render_alert(alert), channel("slack_webhook"), DeliveryContext(slack.webhook_url, settings())
    )
    assert result.ok, slack.rejections
    (received,) = slack.received()
    assert received.text == "[Driftsvarsel] Nedetid: Skatt &amp; avgift &amp;lt;!channel&amp;gt;"
    raw = json.dumps(received.blocks, ensure_ascii=False)
    assert "A&amp;B-testen &amp;amp; mer" in raw and "&lt;!channel&gt;" not in raw.replace("&amp;lt;", "")
