"""monitor.deliver.escape: untrusted text made inert, input → exactly what each channel gets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.deliver import escape


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Skatt & avgift", "Skatt &amp; avgift"),
        ("<!channel> <@U024BE7LH>", "&lt;!channel&gt; &lt;@U024BE7LH&gt;"),
        ("<https://evil.example|klikk>", "&lt;https://evil.example|klikk&gt;"),
        ("&lt;!here&gt;", "&amp;lt;!here&amp;gt;"),
        ("*fet* _kursiv_ `kode` @here", "*fet* _kursiv_ `kode` @here"),  # mrkdwn stays: Slack needs no more
    ],
)
def test_slack_escapes_only_its_three_control_characters(text: str, expected: str) -> None:
    assert escape.slack(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<at>Alle</at> ansatte", "Alle ansatte"),
        ("< AT id='1'>Ola</at >", "Ola"),
        ("*fet* _kursiv_ `kode` ~streket~ \\", "\\*fet\\* \\_kursiv\\_ \\`kode\\` \\~streket\\~ \\\\"),
        ("[klikk](https://evil.example)", "\\[klikk\\](https://evil.example)"),
        ("# Overskrift\n## Under", "\\# Overskrift\n\\#\\# Under"),
        ("> sitat\n  >> dypere", "\\> sitat\n  \\>\\> dypere"),
        ("- punkt\n+ punkt\n\t- inni", "\\- punkt\n\\+ punkt\n\t\\- inni"),
        ("1. nummer\n12) tolv", "1\\. nummer\n12\\) tolv"),
        ("-", "\\-"),
        ("kl. 18-22 og 2 + 2 og 3. mai", "kl. 18-22 og 2 + 2 og 3. mai"),  # not at a line start
        ("#hashtag og 1.5 og -1", "#hashtag og 1.5 og -1"),  # no space after: no markup
        ("{{DATE(2017-02-14T06:08:39Z, SHORT)}}", "{\u200b{DATE(2017-02-14T06:08:39Z, SHORT)}}"),
    ],
)
def test_teams_makes_markdown_mentions_and_functions_inert(text: str, expected: str) -> None:
    assert escape.teams(text) == expected


def test_visible_drops_invisible_bidi_and_control_characters_only() -> None:
    hostile = "\u202eNed\u200betid\u2066 i\u00ad Inntekt\ufeff API\x00\x1b\x7f\u061c\tlørdag\nkl. 18"
    assert escape.visible(hostile) == "Nedetid i Inntekt API\tlørdag\nkl. 18"
    assert escape.visible("Nedetid på Inntekt API") == "Nedetid på Inntekt API"


@given(st.text())
def test_has_whitespace_is_any_isspace(text: str) -> None:
    assert escape.has_whitespace(text) == any(character.isspace() for character in text)


def test_has_whitespace_finds_unicode_spaces() -> None:
    assert escape.has_whitespace("https://x.example/a\u00a0b") and escape.has_whitespace("a\u2028b")
    assert not escape.has_whitespace("https://x.example/a%20b")
