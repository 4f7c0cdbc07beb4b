"""Property: every source parser and every renderer, fed random, truncated, deeply nested or
oddly encoded input, ends in a clean error or valid output, in bounded memory and time.

"Clean error" is the parser's documented one (SourceFormatError; UserError for a post file);
anything else escaping is a bug. "Valid output" is the channel's own contract: a Teams envelope
under its byte cap, Slack blocks within Block Kit limits, an email that serialises. Memory is
measured with tracemalloc (peak per example); time is bounded by hypothesis' per-example
deadline, set generously (the attacks of issue 13 took minutes, a clean parse takes milliseconds).
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from delivery_samples import make_alert
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.config.types import SourceConfig
from monitor.deliver import mail, slack, teams
from monitor.deliver.render import render_admin, render_alert
from monitor.errors import UserError
from monitor.model import Message
from monitor.sources import PARSERS, SourceFormatError, parse_body
from monitor.sources.postfile import read_post

HERE = Path(__file__).parent
CORPUS = HERE / "fixtures" / "skatteetaten" / "corpus" / "html"
#: One real body per source kind, the seed that truncation and mutation start from.
REAL_BODIES: dict[str, bytes] = {
    "atom": (CORPUS / "nyheter-og-driftsvarsler__atom.xml").read_bytes(),
    "listing": (CORPUS / "nyheter-og-driftsvarsler.html").read_bytes(),
    "status_feed": (HERE / "fixtures" / "status" / "history.atom").read_bytes(),
    "statuspage_api": (HERE / "fixtures" / "status" / "incidents.json").read_bytes(),
    "betterstack": (HERE / "fixtures" / "status" / "betterstack" / "index.json").read_bytes(),
    "docpage": (HERE / "fixtures" / "apidocs" / "inntekt.html").read_bytes(),
    "openapi": (HERE / "fixtures" / "openapi" / "inntekt-2024.yaml").read_bytes(),
}
SOURCES = {
    kind: SourceConfig(name=f"p-{kind}", kind=kind, url="https://skatteetaten.github.io/x", api="inntekt")
    for kind in PARSERS
}
MAX_PEAK_BYTES = 64 * 1024 * 1024
PROPERTY = settings(
    max_examples=12,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)


def bounded(call: Callable[[], Any]) -> Any:
    """`call()`, asserting its peak memory stays under MAX_PEAK_BYTES."""
    tracemalloc.start()
    try:
        return call()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < MAX_PEAK_BYTES, f"peak {peak} bytes"


def parse_cleanly(kind: str, body: bytes) -> None:
    try:
        notices = bounded(lambda: parse_body(body, SOURCES[kind], content_type=None))
    except SourceFormatError as error:
        assert str(error).startswith(f"source 'p-{kind}'")
        return
    for notice in notices:
        assert notice.source == f"p-{kind}" and notice.notice_id
        assert len(notice.text) <= 20 * len(body) + 10_000  # no alias-style expansion


def deep_json(depth: int, opener: str) -> bytes:
    closer = {"[": "]", '{"a":': "}"}[opener]
    return ('{"incidents": ' + opener * depth + "1" + closer * depth + "}").encode()


KINDS = st.sampled_from(sorted(PARSERS))


@PROPERTY
@given(kind=KINDS, body=st.binary(max_size=4000))
def test_every_parser_random_bytes(kind: str, body: bytes) -> None:
    parse_cleanly(kind, body)


@PROPERTY
@given(kind=KINDS, data=st.data())
def test_every_parser_truncated_real_body(kind: str, data: st.DataObject) -> None:
    real = REAL_BODIES[kind]
    cut = data.draw(st.integers(0, len(real)))
    parse_cleanly(kind, real[:cut])


@PROPERTY
@given(kind=KINDS, data=st.data())
def test_every_parser_real_body_with_random_unicode_spliced_in(kind: str, data: st.DataObject) -> None:
    real = REAL_BODIES[kind]
    at = data.draw(st.integers(0, len(real)))
    text = data.draw(st.text(max_size=300))
    parse_cleanly(kind, real[:at] + text.encode("utf-8", "surrogatepass") + real[at:])


@PROPERTY
@given(
    kind=KINDS,
    depth=st.sampled_from([1, 50, 900, 1_100, 20_000, 100_000]),
    opener=st.sampled_from(["[", '{"a":']),
)
def test_every_parser_deep_json(kind: str, depth: int, opener: str) -> None:
    parse_cleanly(kind, deep_json(depth, opener))


@PROPERTY
@given(
    body=st.binary(max_size=3000) | st.text(max_size=3000).map(lambda t: t.encode("utf-8", "surrogatepass"))
)
def test_post_file_parser_random_content(tmp_path_factory: pytest.TempPathFactory, body: bytes) -> None:
    path = tmp_path_factory.mktemp("post") / "2024-05-01-post.md"
    path.write_bytes(body)
    try:
        notice = bounded(lambda: read_post(path))
    except UserError as error:
        assert str(path) in str(error) or path.name in str(error)
        return
    assert notice.title


# -- renderers ---------------------------------------------------------------------------------------

ANY_TEXT = st.text(max_size=500) | st.text(min_size=1, max_size=4).map(lambda t: t * 5_000)


def check_channels(message: Message) -> None:
    """Every channel's payload builder gives valid output for `message`."""
    envelope = bounded(lambda: teams.payload_bytes(message))
    assert len(envelope) <= teams.MAX_PAYLOAD_BYTES
    assert json.loads(envelope)["attachments"][0]["content"]["version"] == "1.5"
    payload = bounded(lambda: slack.build_payload(message))
    assert 0 < len(payload["blocks"]) <= slack.MAX_BLOCKS and len(payload["text"]) <= slack.FALLBACK_MAX
    for block in payload["blocks"]:
        texts = [block.get("text", {}).get("text", "")] + [field["text"] for field in block.get("fields", [])]
        assert all(len(text) <= slack.SECTION_MAX for text in texts)
    data = bounded(
        lambda: mail.build_email(
            message, sender="d@t.test", to=("x@t.test",), now=datetime(2024, 5, 1, tzinfo=UTC)
        )
    )
    assert len(data) < 5_000_000  # mail servers take 10 MB and more
    email = message_from_bytes(data, policy=default)
    assert "\n" not in str(email["Subject"]) and len(str(email["Subject"])) <= 400


@PROPERTY
@given(title=ANY_TEXT, text=ANY_TEXT)
def test_render_alert_and_every_channel_with_random_unicode(title: str, text: str) -> None:
    message = bounded(lambda: render_alert(make_alert(title=title, text=text), probe_note=title[:500]))
    check_channels(message)


@PROPERTY
@given(subject=ANY_TEXT, text=ANY_TEXT)
def test_render_admin_and_every_channel_with_random_unicode(subject: str, text: str) -> None:
    check_channels(bounded(lambda: render_admin(subject, text, "admin:key")))


@PROPERTY
@given(
    parts=st.tuples(ANY_TEXT, ANY_TEXT, ANY_TEXT, ANY_TEXT),
    fields=st.lists(st.tuples(st.text(max_size=50), ANY_TEXT), max_size=60),
    link=st.none() | st.text(max_size=200),
)
def test_channel_payloads_of_arbitrary_messages(
    parts: tuple[str, str, str, str], fields: list[tuple[str, str]], link: str | None
) -> None:
    subject, headline, body, footer = parts
    check_channels(Message(subject, headline, tuple(fields), body, link, footer, "<p@t>"))


def test_every_parser_kind_has_a_real_seed_body() -> None:
    assert sorted(REAL_BODIES) == sorted(PARSERS)
