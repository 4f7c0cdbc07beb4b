"""Edits say what changed, end to end: an edited post's "Endring" names the title, window, API and
body changes (a short word diff), in Norwegian, on every channel.

Real parts: the Atom feed on loopback, SQLite, the Slack/Teams/SMTP stand-ins.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from synthetic import ATOM_TYPE, Post, atom_feed
from test_end_to_end import FEED_PATH, World

from monitor.deliver.editsummary import body_changes
from monitor.demo.localserver import Route

T0 = datetime(2024, 2, 5, 8, 0, tzinfo=UTC)
OLD = Post("2024/01/02/info", "Nytt år", "Godt nyttår fra Skatteetaten.", datetime(2024, 1, 2, 9, tzinfo=UTC))
SLUG = "2024/02/05/vedlikehold-inntekt"
FIRST = Post(
    SLUG,
    "Planlagt vedlikehold av Inntekt API",
    "Inntekt API vil være utilgjengelig lørdag 10.02.2024 kl. 10:00 til 14:00 på grunn av planlagt "
    "vedlikehold.",
    T0 + timedelta(minutes=70),
)
EDITED = Post(
    SLUG,
    "Planlagt vedlikehold av Inntekt API og Beregnet skatt API",
    "Inntekt API og Beregnet skatt API vil være utilgjengelige lørdag 10.02.2024 kl. 10:00 til 16:00 på "
    "grunn av planlagt vedlikehold. Vi beklager ulempene dette medfører.",
    T0 + timedelta(minutes=70),
)


@pytest.fixture()
def world(tmp_path: Path, real_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    instance = World(tmp_path, real_dir, monkeypatch)
    instance.clock = T0
    yield instance
    instance.close()


def test_edit_summary_names_title_window_apis_and_added_sentence(world: World) -> None:
    world.feed.route(FEED_PATH, Route(atom_feed([OLD]), ATOM_TYPE))
    world.poll_and_deliver()
    world.feed.route(FEED_PATH, Route(atom_feed([OLD, FIRST]), ATOM_TYPE))
    world.poll_and_deliver()
    world.feed.route(FEED_PATH, Route(atom_feed([OLD, EDITED]), ATOM_TYPE))
    world.poll_and_deliver()

    mails = [mail.message for mail in world.smtp.received() if "oslo" in mail.rcpt_tos[0]]
    assert len(mails) == 2
    assert (
        str(mails[1]["Subject"])
        .strip()
        .startswith("[Endret] Nedetid: Planlagt vedlikehold av Inntekt API og Beregnet")
    )
    text = " ".join(mails[1].get_body(("plain",)).get_content().split())  # type: ignore[union-attr]
    assert (
        "Tittel: «Planlagt vedlikehold av Inntekt API» → «Planlagt vedlikehold av Inntekt API og Beregnet "
        "skatt API»" in text
    )
    assert (
        "Tidsrom: lørdag 10.02.2024 kl. 10:00 – lørdag 10.02.2024 kl. 14:00 → "
        "lørdag 10.02.2024 kl. 10:00 – lørdag 10.02.2024 kl. 16:00" in text
    )  # noqa: E501
    assert "API-er: Inntekt API → Beregnet skatt API, Inntekt API" in text
    assert "lagt til «Vi beklager ulempene dette medfører.»" in text
    # Bergen uses Beregnet skatt API and Inntekt API: its Teams card says the same.
    cards = world.teams.received()
    assert len(cards) == 2 and "lagt til «Vi beklager ulempene dette medfører.»" in str(cards[1].payload)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("Nedetid fra kl 18 til 22.", "Nedetid fra kl 18 til 23.", ["«22.» → «23.»"]),
        ("Feil i Inntekt API.", "Feil i Inntekt API. Feilen er rettet.", ["lagt til «Feilen er rettet.»"]),
        ("Feil i Inntekt API. Mer info kommer.", "Feil i Inntekt API.", ["fjernet «Mer info kommer.»"]),
        ("a b c d e f g h", "x b y d z f w h", ["«a» → «x»", "«c» → «y»", "«e» → «z»", "«g» → «w»"]),
        (
            "a b c d e f g h i j",
            "x b y d z f w h v j",
            [*(f"«{a}» → «{b}»" for a, b in zip("aceg", "xyzw", strict=True)), "og én endring til"],
        ),
        (
            "a b c d e f g h i j k",
            "x b y d z f w h v j u",
            [*(f"«{a}» → «{b}»" for a, b in zip("aceg", "xyzw", strict=True)), "og 2 endringer til"],
        ),
        ("Samme   tekst\n", "Samme tekst", []),
    ],
)
def test_body_changes_word_diff(old: str, new: str, expected: list[str]) -> None:
    assert body_changes(old, new) == expected
