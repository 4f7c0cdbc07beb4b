"""sources.listing on the real Docusaurus listing pages (shared/corpus/html/)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config.types import SourceConfig
from monitor.sources import SourceFormatError, atom, listing

BASE = "https://skatteetaten.github.io/api-dokumentasjon/nyheter-og-driftsvarsler"
SOURCE = SourceConfig(name="github-listing", kind="listing", url=BASE)
FIXTURES = Path(__file__).parent / "fixtures" / "status"


def page(corpus_dir: Path, name: str) -> bytes:
    return (corpus_dir / "html" / name).read_bytes()


def json_ld_posts(body: bytes) -> list[dict[str, str]]:
    script = re.search(rb"<script[^>]*application/ld\+json[^>]*>(.*?)</script>", body, re.DOTALL)
    assert script is not None
    posts: list[dict[str, str]] = json.loads(script.group(1))["blogPost"]
    return posts


def test_parse_listing_reads_json_ld_posts(corpus_dir: Path) -> None:
    body = page(corpus_dir, "nyheter-og-driftsvarsler.html")
    notices = listing.parse(body, SOURCE, content_type="text/html; charset=utf-8")
    posts = json_ld_posts(body)
    assert len(notices) == len(posts) == 25
    for notice, post in zip(notices, posts, strict=True):
        assert notice.notice_id == notice.link == post["url"]
        assert notice.title == post["headline"]
        assert notice.text == post["description"]
        assert notice.published == datetime.fromisoformat(post["datePublished"])
    assert notices[0].notice_id == f"{BASE}/2025/06/02/info-fellesside-mva"
    assert f"{BASE}/2024/05/22/Driftsproblemer-løst" in {notice.notice_id for notice in notices}


def test_parse_listing_page_4_adds_sidebar_only_posts(corpus_dir: Path) -> None:
    body = page(corpus_dir, "nyheter-og-driftsvarsler__page__4.html")
    notices = listing.parse(body, SOURCE)
    from_json_ld, from_sidebar = notices[:11], notices[11:]
    assert [notice.notice_id for notice in from_json_ld] == [post["url"] for post in json_ld_posts(body)]
    assert len(from_sidebar) == 25 and all(notice.text == "" for notice in from_sidebar)
    newest = from_sidebar[0]
    assert newest.notice_id == f"{BASE}/2025/06/02/info-fellesside-mva"
    assert newest.title == "MVA med i ny fellesside for sluttbrukersystemer"
    assert newest.published == datetime(2025, 6, 2, tzinfo=UTC)


def test_parse_listing_ids_match_atom_entry_ids(corpus_dir: Path) -> None:
    listed = listing.parse(page(corpus_dir, "nyheter-og-driftsvarsler__page__4.html"), SOURCE)
    feed = atom.parse(page(corpus_dir, "nyheter-og-driftsvarsler__atom.xml"), SOURCE)
    feed_by_id = {notice.notice_id: notice for notice in feed}
    shared = [notice for notice in listed[:11] if notice.notice_id in feed_by_id]
    assert len(shared) == 11  # page 4 (spring 2023) is inside the saved feed's range
    for notice in shared:
        assert notice.title == feed_by_id[notice.notice_id].title.strip()
        assert notice.published == feed_by_id[notice.notice_id].published


def test_parse_listing_matches_sidebar_on_class_prefix_and_decodes_urls(corpus_dir: Path) -> None:
    body = page(corpus_dir, "nyheter-og-driftsvarsler.html").decode("utf-8")
    body = re.sub(r"<script[^>]*application/ld\+json[^>]*>.*?</script>", "", body, flags=re.DOTALL)
    body = body.replace("sidebarItemLink_mo7H", "sidebarItemLink_Zq81").replace("løst", "l%C3%B8st")
    notices = listing.parse(body.encode("utf-8"), SOURCE)
    assert len(notices) == 25
    assert f"{BASE}/2024/05/22/Driftsproblemer-løst" in {notice.notice_id for notice in notices}


def test_parse_docusaurus_2_index_without_posts_is_rejected_with_hint(corpus_dir: Path) -> None:
    with pytest.raises(
        SourceFormatError, match="neither the JSON-LD blogPost list nor the recent-posts sidebar"
    ):
        listing.parse(page(corpus_dir, "nyheter-og-driftsvarsler__index.html"), SOURCE)


def test_parse_empty_blog_post_list_gives_no_notices() -> None:
    body = (
        b'<html class="blog-list-page"><head><script type="application/ld+json">'
        b'{"@context":"https://schema.org","@type":"Blog","blogPost":[]}</script></head><body></body></html>'
    )
    assert listing.parse(body, SOURCE) == []


def test_parse_error_page_is_rejected() -> None:
    with pytest.raises(
        SourceFormatError, match="expected a Docusaurus blog listing page but got an HTML page"
    ):
        listing.parse((FIXTURES / "github-pages-404.html").read_bytes(), SOURCE)


def test_parse_broken_json_ld_is_rejected(corpus_dir: Path) -> None:
    body = page(corpus_dir, "nyheter-og-driftsvarsler.html").replace(b'"@type":"Blog"', b'"@type":"Blog",,')
    with pytest.raises(SourceFormatError, match="JSON-LD is not valid JSON"):
        listing.parse(body, SOURCE)
