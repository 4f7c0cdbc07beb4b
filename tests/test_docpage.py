"""docpage parser: built Docusaurus doc pages (from the real markdown) → one Notice per section."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.apidocs.docusaurus import build_page, corpus_source

from monitor.config.types import SourceConfig
from monitor.model import KOMMUNE_APIS
from monitor.sources import PARSERS, SourceFormatError
from monitor.sources.docpage import parse, slugify

FIXTURES = Path(__file__).parent / "fixtures" / "apidocs"
DOC_URL = "https://skatteetaten.github.io/api-dokumentasjon/api/"
HTML = "text/html; charset=utf-8"


def _source(api: str) -> SourceConfig:
    return SourceConfig(name=f"doc-{api}", kind="docpage", url=DOC_URL + api, api=api)


def _sections(api: str, body: bytes | None = None) -> dict[str, str]:
    page = body if body is not None else (FIXTURES / f"{api}.html").read_bytes()
    return {
        notice.notice_id.split("#", 1)[1]: notice.text
        for notice in parse(page, _source(api), content_type=HTML)
    }


def test_parse_is_registered_for_docpage_sources() -> None:
    assert PARSERS["docpage"] is parse


def test_parse_splits_summertskattegrunnlag_into_heading_and_tab_sections() -> None:
    notices = parse((FIXTURES / "summertskattegrunnlag.html").read_bytes(), _source("summertskattegrunnlag"))
    by_slug = {notice.notice_id.split("#", 1)[1]: notice for notice in notices}
    assert {"innledning", "om-tjenesten", "scope", "rettighetspakker", "feilkoder", "tidsplan"} <= set(
        by_slug
    )
    feilkoder = by_slug["feilkoder"]
    assert feilkoder.notice_id == DOC_URL + "summertskattegrunnlag#feilkoder"
    assert feilkoder.title == "Summert skattegrunnlag API – Feilkoder"
    assert feilkoder.link == DOC_URL + "summertskattegrunnlag?tab=Feilkoder#feilkoder"
    assert "| SSG-011 | 410 | Skattegrunnlag finnes ikke lenger. |" in feilkoder.text.splitlines()
    assert feilkoder.source == "doc-summertskattegrunnlag"
    assert feilkoder.tags == ("summertskattegrunnlag",)
    assert by_slug["scope"].text.startswith("Følgende scope skal benyttes ved autentisering i Maskinporten: ")


def test_parse_keeps_only_main_content() -> None:
    texts = "\n".join(_sections("summertskattegrunnlag").values())
    chrome = ("Skip to main content", "Rediger denne siden", "Sist oppdatert", "Nyheter og driftsvarsler",
              "Direct link", "Copy code", "formuesgrunnlageiendomsskatt", "codeBlock_", "sidebar_",
              "\u200b")  # fmt: skip
    assert [text for text in chrome if text in texts] == []


def test_parse_reads_links_images_and_strips_asset_hashes() -> None:
    sections = _sections("summertskattegrunnlag")
    assert (
        "[Open API spesifikasjonen](https://app.swaggerhub.com/apis/skatteetaten/summert-skattegrunnlag-api)"
        in (sections["teknisk-spesifikasjon"])
    )
    assert "[Bruk av tjenestene](/api-dokumentasjon/om/bruk)" in sections["om-tjenesten"]
    oversikt = sections["oversikt"]
    assert (
        "/api-dokumentasjon/assets/images/Informasjonsmodell_Summertskattegrunnlag_SummertSkattegrunnlag.png"
        in (oversikt)
    )


#: Sections found in each saved documentation page (tests/fixtures/apidocs), held exactly: a section lost
#: or split by a parser change shows here.
SECTIONS = {
    "beregnetskatt": 13,
    "formuesgrunnlageiendomsskatt": 13,
    "inntekt": 10,
    "spesifisertsummertskattegrunnlag": 27,
    "summertskattegrunnlag": 29,
}


def test_sections_cover_every_kommune_api() -> None:
    assert sorted(SECTIONS) == sorted(KOMMUNE_APIS)


@pytest.mark.parametrize("api", KOMMUNE_APIS)
def test_parse_reads_every_kommune_api_page(api: str) -> None:
    notices = parse((FIXTURES / f"{api}.html").read_bytes(), _source(api), content_type=HTML)
    ids = [notice.notice_id for notice in notices]
    assert len(ids) == SECTIONS[api] and len(set(ids)) == len(ids)
    assert all(notice.text.strip() for notice in notices)
    assert all(notice.notice_id.startswith(DOC_URL + api + "#") for notice in notices)


@pytest.mark.parametrize("api", KOMMUNE_APIS)
def test_parse_fixture_pages_are_builds_of_the_real_markdown(api: str, corpus_dir: Path) -> None:
    built = build_page(corpus_source(corpus_dir / "apidocs", api))
    assert (FIXTURES / f"{api}.html").read_text(encoding="utf-8") == built


def test_parse_ignores_a_rebuild_with_new_hashes_and_timestamps(corpus_dir: Path) -> None:
    source = corpus_source(corpus_dir / "apidocs", "inntekt")
    first = build_page(source, build="a", built_at="2025-06-02T08:00:00.000Z").encode()
    second = build_page(source, build="rebuild-2", built_at="2025-09-14T21:45:12.000Z").encode()
    assert first != second and b"main." in first
    assert parse(first, _source("inntekt")) == parse(second, _source("inntekt"))


def test_parse_rejects_a_404_page() -> None:
    page = (
        b"<!doctype html><html><head><title>Fant ikke siden | API-dokumentasjon</title></head><body>"
        b'<div id="__docusaurus"><main class="container margin-vert--xl"><div class="row">'
        b'<div class="col col--6">'
        b'<h1 class="hero__title">Fant ikke siden</h1><p>Vi kunne ikke finne siden du s\xc3\xb8kte etter.</p>'
        b"</div></div></main></div></body></html>"
    )
    with pytest.raises(SourceFormatError, match="no documentation content"):
        parse(page, _source("inntekt"), content_type=HTML)


def test_parse_rejects_a_non_html_body() -> None:
    with pytest.raises(SourceFormatError, match="expected an HTML documentation page"):
        parse(b'{"message": "rate limited"}', _source("inntekt"), content_type="application/json")


def test_parse_rejects_a_page_without_text() -> None:
    page = b'<html><body><article><div class="theme-doc-markdown markdown"><header><h1>X</h1></header>'
    page += b"</div></article></body></html>"
    with pytest.raises(SourceFormatError, match="has no text"):
        parse(page, _source("inntekt"))


def test_slugify_matches_docusaurus_anchors() -> None:
    assert slugify("Bank, lån og forsikring") == "bank-lån-og-forsikring"
    assert slugify("Informasjonsmodell - skjema") == "informasjonsmodell---skjema"
    assert slugify("  Årsrevisjon ") == "årsrevisjon"
