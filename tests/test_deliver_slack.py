"""Slack webhook and chat.postMessage senders against the local SlackReceiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from delivery_samples import channel, make_alert, settings
from probe_servers import refused_port

from monitor.deliver import SENDERS, DeliveryContext, check_webhook_url
from monitor.deliver.render import render_alert
from monitor.deliver.slack import send_bot, send_webhook
from monitor.demo.receivers import SlackReceiver
from monitor.model import Message

TOKEN = "xoxb-local-test-token"


@pytest.fixture(scope="module")
def slack_server() -> Iterator[SlackReceiver]:
    with SlackReceiver(
        token=TOKEN, channels=frozenset({"C0DRIFT", "C0OLD"}), archived=frozenset({"C0OLD"})
    ) as r:
        yield r


@pytest.fixture
def slack(slack_server: SlackReceiver) -> SlackReceiver:
    slack_server.reset()
    return slack_server


def webhook_context(receiver: SlackReceiver, timeout: float = 5.0) -> DeliveryContext:
    return DeliveryContext(secret=receiver.webhook_url, settings=settings(), timeout=timeout)


def bot_context(
    receiver: SlackReceiver, *, token: str = TOKEN, thread_ref: str | None = None
) -> DeliveryContext:
    base = settings()
    config = type(base)(state_dir=base.state_dir, database=base.database, slack_api_url=receiver.api_url)
    return DeliveryContext(secret=token, settings=config, thread_ref=thread_ref, timeout=5.0)


def message() -> Message:
    return render_alert(make_alert())


def test_send_webhook_success_posts_text_and_blocks(slack: SlackReceiver) -> None:
    result = send_webhook(message(), channel("slack_webhook"), webhook_context(slack))
    assert result.ok and result.status == 200 and not result.permanent
    (received,) = slack.received()
    assert received.text == "[Driftsvarsel] Nedetid: Nedetid på tjenester 23.04"
    assert received.blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Nedetid: Nedetid på tjenester 23.04"},
    }
    assert any("Inntekt API" in field["text"] for field in received.blocks[1]["fields"])
    assert "link_names" not in received.payload and "parse" not in received.payload


def test_senders_dict_maps_every_channel_kind() -> None:
    assert set(SENDERS) == {"slack_webhook", "slack_bot", "teams", "email"}
    assert SENDERS["slack_webhook"] is send_webhook


def test_send_webhook_429_is_retryable_with_retry_after(slack: SlackReceiver) -> None:
    slack.fail(429, retry_after=7)
    result = send_webhook(message(), channel("slack_webhook"), webhook_context(slack))
    assert not result.ok and not result.permanent
    assert result.status == 429 and result.retry_after == 7.0
    assert slack.received() == []
    assert send_webhook(message(), channel("slack_webhook"), webhook_context(slack)).ok


def test_send_webhook_500_is_retryable(slack: SlackReceiver) -> None:
    slack.fail(500)
    result = send_webhook(message(), channel("slack_webhook"), webhook_context(slack))
    assert (result.ok, result.permanent, result.status) == (False, False, 500)


@pytest.mark.parametrize(("status", "code"), [(404, "no_service"), (410, "channel_is_archived"), (403, "x")])
def test_send_webhook_gone_or_refused_is_permanent(slack: SlackReceiver, status: int, code: str) -> None:
    slack.fail(status, body=code)
    result = send_webhook(message(), channel("slack_webhook"), webhook_context(slack))
    assert not result.ok and result.permanent and result.status == status
    assert code in result.detail
    assert slack.webhook_url not in result.detail


def test_send_webhook_timeout_is_retryable() -> None:
    with SlackReceiver() as slow:  # its own server: the late request is still recorded when it wakes up
        slow.delay = 1.5
        result = send_webhook(message(), channel("slack_webhook"), webhook_context(slow, timeout=0.3))
    assert not result.ok and not result.permanent and result.status is None
    assert "timed out" in result.detail


def test_send_webhook_connection_refused_is_retryable() -> None:
    with refused_port() as port:
        context = DeliveryContext(
            secret=f"http://127.0.0.1:{port}/services/T/B/X", settings=settings(), timeout=2
        )
        result = send_webhook(message(), channel("slack_webhook"), context)
    assert not result.ok and not result.permanent
    assert "refused" in result.detail.lower()


def test_send_webhook_refuses_plain_http_to_a_remote_host_without_sending() -> None:
    context = DeliveryContext(secret="http://hooks.slack.example/services/T/B/X", settings=settings())
    result = send_webhook(message(), channel("slack_webhook"), context)
    assert not result.ok and result.permanent and "https://" in result.detail
    assert "hooks.slack.example" not in result.detail


def test_check_webhook_url_requires_https_except_loopback() -> None:
    assert check_webhook_url("https://hooks.slack.com/services/T/B/X") is None
    assert check_webhook_url("http://127.0.0.1:8080/x") is None
    assert check_webhook_url("http://localhost/x") is None
    assert check_webhook_url("http://[::1]:9/x") is None
    assert check_webhook_url("http://hooks.slack.com/services/T/B/X") is not None
    assert check_webhook_url("ftp://127.0.0.1/x") is not None
    assert check_webhook_url("https:///nohost") is not None


def test_build_payload_keeps_block_kit_limits_for_huge_messages(slack: SlackReceiver) -> None:
    huge = Message(
        subject="s" * 5000,
        headline="<h>" * 100,
        fields=tuple((f"Felt {index}", "&" * 3000) for index in range(25)),
        body=("avsnitt & <mer> " * 400 + "\n") * 30,
        link="https://example.org/a|b",
        footer="f" * 4000,
        message_id="<x@y>",
    )
    result = send_webhook(huge, channel("slack_webhook"), webhook_context(slack))
    assert result.ok, (result.detail, slack.rejections)
    (received,) = slack.received()
    assert len(received.blocks) <= 50
    assert received.blocks[-1]["type"] == "context"  # the footer survives the body being cut
    assert any("<https://example.org/a%7Cb|Åpne varselet>" in str(block) for block in received.blocks)


def test_send_bot_posts_and_returns_message_ts(slack: SlackReceiver) -> None:
    result = send_bot(message(), channel("slack_bot", target="C0DRIFT"), bot_context(slack))
    assert result.ok and result.thread_ref
    (received,) = slack.received()
    assert received.channel == "C0DRIFT" and received.ts == result.thread_ref
    assert received.thread_ts is None
    assert received.payload["unfurl_links"] is False
    assert "link_names" not in received.payload and "parse" not in received.payload


def test_send_bot_reply_carries_thread_ts_and_keeps_parent_ref(slack: SlackReceiver) -> None:
    parent = send_bot(message(), channel("slack_bot", target="C0DRIFT"), bot_context(slack))
    assert parent.thread_ref is not None
    resolved = render_alert(make_alert(category="resolved", planned=None, window=None))
    reply = send_bot(
        resolved, channel("slack_bot", target="C0DRIFT"), bot_context(slack, thread_ref=parent.thread_ref)
    )
    assert reply.ok and reply.thread_ref == parent.thread_ref
    first, second = slack.received()
    assert second.thread_ts == first.ts and second.ts != first.ts


@pytest.mark.parametrize(
    ("target", "token", "code"),
    [
        ("C0NOPE", TOKEN, "channel_not_found"),
        ("C0OLD", TOKEN, "is_archived"),
        ("C0DRIFT", "xoxb-wrong", "invalid_auth"),
    ],
)
def test_send_bot_slack_errors_are_permanent(
    slack: SlackReceiver, target: str, token: str, code: str
) -> None:
    result = send_bot(message(), channel("slack_bot", target=target), bot_context(slack, token=token))
    assert not result.ok and result.permanent and code in result.detail
    assert token not in result.detail


def test_send_bot_not_in_channel_is_permanent(slack: SlackReceiver) -> None:
    slack.api_error("not_in_channel")
    result = send_bot(message(), channel("slack_bot", target="C0DRIFT"), bot_context(slack))
    assert not result.ok and result.permanent and "not_in_channel" in result.detail


def test_send_bot_ratelimited_is_retryable_with_retry_after(slack: SlackReceiver) -> None:
    slack.fail(429, retry_after=3, endpoint="api")
    result = send_bot(message(), channel("slack_bot", target="C0DRIFT"), bot_context(slack))
    assert (result.ok, result.permanent, result.status, result.retry_after) == (False, False, 429, 3.0)
    assert len(slack.received()) == 0  # slack-sdk did not retry on its own


def test_send_bot_server_error_is_retryable(slack: SlackReceiver) -> None:
    slack.fail(503, endpoint="api", body="<html>Service Unavailable</html>")
    result = send_bot(message(), channel("slack_bot", target="C0DRIFT"), bot_context(slack))
    assert not result.ok and not result.permanent


def test_send_bot_without_target_is_permanent(slack: SlackReceiver) -> None:
    result = send_bot(message(), channel("slack_bot"), bot_context(slack))
    assert not result.ok and result.permanent and "target" in result.detail
