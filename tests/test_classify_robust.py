"""`classify` never raises and stays fast on odd input: empty, tables only, HTML, huge, odd unicode,
impossible dates and clock times."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from monitor.classify import classify
from monitor.model import CATEGORIES, Notice

OSLO = ZoneInfo("Europe/Oslo")
WHEN = datetime(2025, 3, 3, 12, 0, tzinfo=OSLO)

ODD_INPUTS: dict[str, tuple[str, str]] = {
    "empty": ("", ""),
    "blank": ("   ", "\n\n\t \n"),
    "title only": ("Nedetid", ""),
    "body only": ("", "Inntekt API er nede."),
    "table only": ("", "| a | b |\n|---|---|\n| 1 | 2 |\n| nedetid | kl. 18-19 |"),
    "html": (
        "<b>Nedetid</b>",
        "<p>Tjenesten er <del>nede</del> <i>oppe</i></p><script>alert(1)</script><br/>",
    ),
    "unclosed html": ("<div", "<p><b>kl. 18:00 <a href='x"),
    "struck only": ("~~Nedetid~~", "~~Planlagt nedetid 25. mai kl 18-19~~"),
    "impossible date": ("Nedetid 31.02", "Nedetid onsdag 31.02.2025 kl. 18:00-19:00 og 30. februar."),
    "impossible time": ("Vedlikehold", "Vedlikehold i kveld kl. 25:00 til kl. 26:61, fra 99:99 til 24:00."),
    "impossible day only": ("Nedetid", "Nedetid fra 0. til 32. mars og 45 til 46 april kl. 1800-9999."),
    "only numbers": ("1", "12.12.12.12.12 18-19-20-21 kl.1 kl. 2400 00.00 23.59.59"),
    "weird unicode": (
        "\u202e\u0000\ufeff\u200b",
        "N\u0301edetid \U0001f4a5 på Inntekt\u00a0API \ud7ff \u2028 \u2029 kl.\u200918",
    ),
    "combining marks": ("ı̇\u0307" * 50, "ß" * 100 + "İ" * 100),
    "markdown noise": ("#", "**__`~~[](()[)]]]]<!--" * 50),
    "many times": (
        "Nedetid",
        " ".join(f"kl. {hour % 24:02d}:00-{(hour + 1) % 24:02d}:00" for hour in range(500)),
    ),
    "many dates": ("Vedlikehold", " og ".join(f"{day % 28 + 1}. mai" for day in range(500))),
    "relative words": (
        "Nedetid",
        "i dag i morgen i går i natt i kveld fra til mellom og før senest eller " * 20,
    ),
    "long word": ("Nedetid", "x" * 20000),
    "misspelt words": ("Nedetdi", "utilgjengligt vedlikehlod " * 200),
}


@pytest.mark.parametrize("name", sorted(ODD_INPUTS))
def test_classify_never_raises_on_odd_input(name: str) -> None:
    title, text = ODD_INPUTS[name]
    for published in (WHEN, None):
        result = classify(Notice("test", name, title, text, "", published))
        assert result.category in CATEGORIES
        result.as_label(name)


def test_classify_handles_50_kb() -> None:
    # How fast: bench/classify_speed.py prints the figure (no wall-time assertions in tests).
    sentence = (
        "Det blir nedetid på Inntekt API tirsdag 4. mars fra kl. 18:00 til kl. 20:00 på grunn av "
        "vedlikehold, og vi undersøker feilen som ga treghet i testmiljøet. "
    )
    text = (sentence * (50_000 // len(sentence) + 1))[:50_000]
    result = classify(Notice("test", "big", "Planlagt vedlikehold", text, "", WHEN))
    assert result.category == "downtime"
    assert result.window is not None and result.window.start == "2025-03-04T18:00"


def test_classify_handles_50_kb_without_sentence_breaks() -> None:
    text = "nedetid kl. 18 " * 3500 + "|" * 2000
    result = classify(Notice("test", "flat", "x", text, "", WHEN))
    assert result.category == "downtime"
