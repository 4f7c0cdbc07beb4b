"""Making untrusted text (notice titles and bodies, names) inert in each channel's markup.

HTML escaping for email is `html.escape`; these are the two chat formats. Both are pure and
remember their last results: a fan-out escapes the same title, body and footer for every kommune.
"""

from __future__ import annotations

import functools
import re

# Slack's only control characters (api.slack.com/reference/surfaces/formatting). Escaping them
# turns "<!channel>", "<@U123>" and "<https://x|text>" into literal text. Nothing else is encoded.
_SLACK_TABLE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})

# Adaptive Card TextBlocks render a markdown subset. Backslash-escape what opens emphasis, code or
# a link anywhere ("(" only forms a link after "]", so escaping "[" and "]" is enough), and
# headings, quotes and list markers only at a line start, where they mean something.
_TEAMS_INLINE = re.compile(r"([\\`*_\[\]~])")
_TEAMS_LINE_START = re.compile(r"^([ \t]*)(>+|(?:#+|[-+]|\d+[.)])(?=\s|$))", re.MULTILINE)
_TEAMS_MENTION = re.compile(r"</?\s*at\b[^>]*>", re.IGNORECASE)

#: Characters that are invisible or reorder text: zero-width and soft hyphen, the bidi embeddings,
#: overrides and isolates (U+202A-202E, U+2066-2069: "Trojan Source"), bidi marks, and every C0/C1
#: control except tab and newline. A title can otherwise show one thing and say another.
INVISIBLE = re.compile(
    "[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u202a-\u202e\u2066-\u2069\u061c\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


_WHITESPACE = re.compile(r"\s")  # the characters str.isspace() accepts, found by one C scan


def has_whitespace(text: str) -> bool:
    """Whether `text` holds any whitespace (a link with some is not sent as a link)."""
    return _WHITESPACE.search(text) is not None


def visible(text: str) -> str:
    """`text` without invisible, bidi-control or control characters (tab and newline stay)."""
    return INVISIBLE.sub("", text)


#: Distinct texts remembered per format (a body is at most a few thousand characters).
CACHE_SIZE = 512


@functools.lru_cache(maxsize=CACHE_SIZE)
def slack(text: str) -> str:
    """`text` safe inside Slack mrkdwn or plain_text: & < > become &amp; &lt; &gt;; invisible and
    bidi-control characters are dropped (`visible`)."""
    return visible(text).translate(_SLACK_TABLE)


@functools.lru_cache(maxsize=CACHE_SIZE)
def teams(text: str) -> str:
    """`text` inert inside an Adaptive Card TextBlock or Fact.

    Invisible and bidi-control characters are dropped (`visible`), `<at>` mention tags too (their
    inner text stays), markdown metacharacters are
    backslash-escaped, and "{{" is broken so the DATE()/TIME() functions cannot fire.
    """
    text = _TEAMS_MENTION.sub("", visible(text))
    text = _TEAMS_INLINE.sub(r"\\\1", text)
    text = _TEAMS_LINE_START.sub(lambda match: match.group(1) + _escape_marker(match.group(2)), text)
    return text.replace("{{", "{\u200b{")


def _escape_marker(marker: str) -> str:
    if marker[0].isdigit():  # "1." or "1)": escape the punctuation, keep the number
        return marker[:-1] + "\\" + marker[-1]
    return "".join("\\" + character for character in marker)
