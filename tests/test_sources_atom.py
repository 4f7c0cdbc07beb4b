"""sources.atom and sources.htmltext on the real saved feed (shared/corpus/html/...atom.xml)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from monitor.config.types import SourceConfig
from monitor.model import Notice
from monitor.sources import SourceFormatError, atom, parse_body
from monitor.sources.htmltext import html_to_text

FIXTURES = Path(__file__).parent / "fixtures" / "status"
SOURCE = SourceConfig(
    name="github",
    kind="atom",
    url="https://skatteetaten.github.io/api-dokumentasjon/nyheter-og-driftsvarsler/atom.xml",
)
EMPTY_FEED = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
    b"<id>https://skatteetaten.github.io/api-dokumentasjon/nyheter-og-driftsvarsler</id>\n"
    b"<title>Skatteetaten - API varsel</title><updated>2024-01-26T12:00:00.000Z</updated>\n</feed>\n"
)


@pytest.fixture(scope="module")
def feed_bytes(corpus_dir: Path) -> bytes:
    return (corpus_dir / "html" / "nyheter-og-driftsvarsler__atom.xml").read_bytes()


@pytest.fixture(scope="module")
def expected(corpus_dir: Path) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = json.loads((corpus_dir / "atom_entries.json").read_text("utf-8"))[
        "entries"
    ]
    return entries


def by_id(notices: list[Notice], suffix: str) -> Notice:
    return next(notice for notice in notices if notice.notice_id.endswith(suffix))


def test_parse_real_feed_gives_43_notices_like_atom_entries_json(
    feed_bytes: bytes, expected: list[dict[str, object]]
) -> None:
    notices = atom.parse(feed_bytes, SOURCE, content_type="application/atom+xml")
    assert len(notices) == 43
    for notice, entry in zip(notices, expected, strict=True):
        assert notice.source == "github"
        assert notice.notice_id == entry["id"] and notice.link == entry["link"]
        assert notice.title == str(entry["title"]).strip()  # one real title ends with a space
        assert notice.tags == tuple(entry["categories"])  # type: ignore[arg-type]
        assert notice.updated == datetime.fromisoformat(str(entry["updated"]))
        assert notice.published == notice.updated  # Docusaurus gives only <updated>
        assert notice.updated is not None and notice.updated.tzinfo is not None
        assert notice.text


def test_parse_keeps_strikethrough_as_tildes(feed_bytes: bytes) -> None:
    notice = by_id(atom.parse(feed_bytes, SOURCE), "/2023/05/25/Driftsvarsel")
    assert notice.text.startswith("OBS: Oppgraderingen er utsatt til 3. eller 4. juni.")
    assert "~~25. mai kl 18.00 - 19.00~~ skal det gjennomføres oppgradering" in notice.text


def test_parse_removes_comment_quirk_cleanly(feed_bytes: bytes) -> None:
    notices = atom.parse(feed_bytes, SOURCE)
    first = by_id(notices, "/2024/01/26/oas-spesifisert")
    assert "og nå er oppdatert på Swaggerhub." in first.text
    assert "Se detaljer i." in first.text
    for notice in notices:
        assert "<!--" not in notice.text and "-->" not in notice.text
        assert all("  " not in line.strip() for line in notice.text.splitlines())
        assert " ." not in notice.text and " ," not in notice.text


def test_parse_normalises_nbsp_and_zero_width_spaces(feed_bytes: bytes) -> None:
    notices = atom.parse(feed_bytes, SOURCE)
    for notice in notices:
        assert "\xa0" not in notice.text and "\u200b" not in notice.text and "&nbsp;" not in notice.text
    assert (
        "benytte Tenor testdatasøk for å finne" in by_id(notices, "2023/02/14/14-45-skatteoppgjoer-2022").text
    )
    headings = by_id(notices, "/2022/12/19/aarsrevisjon-inntekt").text
    assert "### Lønnsbeskrivelser som utgår\n" in headings


def test_parse_renders_tables_as_rows(feed_bytes: bytes) -> None:
    text = by_id(atom.parse(feed_bytes, SOURCE), "/2024/01/22/inntekt-2024").text
    assert "| Fødseslnummer | Inntektstype |\n| --- | --- |\n| 20907396194 | pleiepenger |" in text


def test_parse_renders_lists_and_line_breaks(feed_bytes: bytes) -> None:
    notices = atom.parse(feed_bytes, SOURCE)
    sanering = by_id(notices, "/2023/10/09/sanering-2016").text
    assert "- Beregnet skatt API V1\n- Pensjonsgivende inntekt API" in sanering
    restanser = by_id(notices, "/2024/01/02/oppdatert-driftsvarsel").text
    assert restanser == (
        "Restanser API er nå tilgjengelig igjen.\n"
        "Det vil forekomme nedetid senere i uken i henhold til det som ble varslet 13.12.23."
    )


def test_parse_empty_valid_feed_gives_no_notices() -> None:
    assert atom.parse(EMPTY_FEED, SOURCE) == []


def test_parse_github_404_page_is_rejected() -> None:
    page = (FIXTURES / "github-pages-404.html").read_bytes()
    with pytest.raises(SourceFormatError) as raised:
        atom.parse(page, SOURCE, content_type="text/html; charset=utf-8")
    assert "expected an Atom feed but got an HTML page" in str(raised.value)
    assert "Page not found · GitHub Pages" in str(raised.value)


def test_parse_listing_html_instead_of_feed_is_rejected(corpus_dir: Path) -> None:
    page = (corpus_dir / "html" / "nyheter-og-driftsvarsler.html").read_bytes()
    with pytest.raises(SourceFormatError, match="expected an Atom feed but got an HTML page"):
        atom.parse(page, SOURCE, content_type="text/html")


def test_parse_feed_truncated_mid_entry_is_rejected(feed_bytes: bytes) -> None:
    cut = feed_bytes.index(b"<entry>", len(feed_bytes) // 2) + 300
    with pytest.raises(SourceFormatError, match="not well-formed .* may be truncated"):
        atom.parse(feed_bytes[:cut], SOURCE)


def test_parse_feed_truncated_between_entries_is_rejected(feed_bytes: bytes) -> None:
    cut = feed_bytes.index(b"</entry>", len(feed_bytes) // 2) + len(b"</entry>")
    with pytest.raises(SourceFormatError, match="truncated"):
        atom.parse(feed_bytes[:cut], SOURCE)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"entries": []}', "got JSON"),
        (b"", "response body is empty"),
        (b"   \n", "response body is empty"),
        (b"Service Unavailable", "got text starting 'Service Unavailable'"),
    ],
)
def test_parse_non_feed_bodies_are_rejected(body: bytes, expected: str) -> None:
    with pytest.raises(SourceFormatError, match=expected):
        atom.parse(body, SOURCE)


def test_parse_latin1_feed_is_read_when_declared_and_refused_when_not(feed_bytes: bytes) -> None:
    text = feed_bytes.decode("utf-8").replace("\u200b", "").replace("’", "'").replace("–", "-")
    declared = text.replace('encoding="utf-8"', 'encoding="iso-8859-1"').encode("latin-1")
    notices = parse_body(declared, SOURCE, "application/atom+xml; charset=utf-8")
    assert len(notices) == 43
    assert notices[0].text.startswith("Skatteetaten jobber med tilpasninger i skatteoppgjørstjenestene")
    misdeclared = text.encode("latin-1")  # still says utf-8
    with pytest.raises(SourceFormatError, match="says it is utf-8 but is not: byte [0-9]+ "):
        parse_body(misdeclared, SOURCE, "application/atom+xml; charset=utf-8")


def test_parse_entry_without_id_uses_link() -> None:
    body = EMPTY_FEED.replace(
        b"</feed>",
        b'<entry><title>Vedlikehold</title><link href="https://example.test/p/1"/>'
        b"<updated>2024-06-05T10:30:00+02:00</updated>"
        b'<content type="html">&lt;p&gt;Nedetid&lt;/p&gt;</content>'
        b"</entry></feed>",
    )
    [notice] = atom.parse(body, SOURCE)
    assert notice.notice_id == notice.link == "https://example.test/p/1"
    assert notice.text == "Nedetid" and notice.published is not None and notice.published.hour == 10


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>a <del>b</del> <s>c</s> <strike> d </strike> e</p>", "a ~~b~~ ~~c~~ ~~d~~ e"),
        ("<p>Se <!-- --> detaljer i <!-- -->.</p>", "Se detaljer i."),
        ("<p>x&nbsp;y\u200b z</p>", "x y z"),
        ("<ul><li>en<ul><li>to</li></ul></li><li><p>tre</p></li></ul>", "- en\n  - to\n- tre"),
        ("<ol><li>en</li><li>to</li></ol>", "1. en\n2. to"),
        ("<h2>Tittel<a href='#t' class='hash-link'>\u200b</a></h2><p>tekst</p>", "## Tittel\n\ntekst"),
        (
            "<p>Se <a href='https://api.skatteetaten.no/x'>URL-er</a></p>",
            "Se [URL-er](https://api.skatteetaten.no/x)",
        ),
        ("<p>a<br>b</p><script>alert(1)</script><p>c</p>", "a\nb\n\nc"),
        ("<table><tr><td>a</td><td>b</td></tr></table>", "| a | b |"),
        ("plain  text\u00a0here", "plain text here"),
    ],
)
def test_html_to_text_cases(html: str, text: str) -> None:
    assert html_to_text(html) == text
