"""Kind "listing": the Docusaurus blog listing page (`/nyheter-og-driftsvarsler`, `/page/N`).

The server-rendered main column holds no posts. Posts are read from the JSON-LD
`<script type="application/ld+json">` of `@type: Blog` (`blogPost[]`: url, headline,
description, datePublished) and complemented by the sidebar
`nav[aria-label="Blog recent posts navigation"]` (the newest 25, titles only). Notice id = the
post URL, as in the Atom feed, so the two sources can be cross-checked. CSS-module class names
carry build hashes (`sidebarItemLink_mo7H`), so classes are matched on their prefix.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urljoin

from bs4 import BeautifulSoup, Tag

from monitor.config.types import SourceConfig
from monitor.model import Notice
from monitor.sources import SourceFormatError, decode_text, describe_body, parse_timestamp, require_body
from monitor.sources.atom import unique
from monitor.sources.htmltext import normalise_text

logger = logging.getLogger(__name__)

_SIDEBAR_LABEL = "Blog recent posts navigation"
_POST_DATE = re.compile(r"/(\d{4})/(\d{2})/(\d{2})/")
_EXPECTED = "a Docusaurus blog listing page"


def parse(body: bytes, source: SourceConfig, *, content_type: str | None = None) -> list[Notice]:
    """Notices from a listing page: JSON-LD posts first (page order), then sidebar-only posts.

    Raises SourceFormatError for a page that is not a Docusaurus blog listing, or a listing page
    that shows no posts in any readable form (the Docusaurus 2 list page has neither JSON-LD nor
    sidebar: poll the Atom feed instead). A listing with an empty `blogPost[]` gives `[]`.
    """
    require_body(body, _EXPECTED)
    soup = BeautifulSoup(decode_text(body, content_type), "html.parser")
    base = _base_url(soup, source.url)
    blog = _json_ld_blog(soup)
    sidebar = _sidebar_posts(soup, base)
    if blog is None and sidebar is None:
        if _is_listing_page(soup):
            raise SourceFormatError(
                f"expected {_EXPECTED} with posts, but this page has neither the JSON-LD blogPost list "
                "nor the recent-posts sidebar (a Docusaurus 2 list page?); use the atom.xml feed instead"
            )
        raise SourceFormatError(f"expected {_EXPECTED} but got {describe_body(body, content_type)}")
    notices = [_post_notice(post, base, source) for post in (blog or [])]
    listed = {notice.notice_id: notice for notice in notices}
    for url, title in (sidebar or {}).items():
        known = listed.get(url)
        if known is None:
            notices.append(_sidebar_notice(url, title, source))
        elif known.title != title:
            logger.warning(
                "listing %s: %s is titled %r in JSON-LD, %r in the sidebar",
                source.name,
                url,
                known.title,
                title,
            )
    return unique(notices)


def _base_url(soup: BeautifulSoup, fallback: str) -> str:
    canonical = soup.find("link", rel="canonical")
    href = canonical.get("href") if isinstance(canonical, Tag) else None
    return href if isinstance(href, str) and href.startswith("http") else fallback


def _is_listing_page(soup: BeautifulSoup) -> bool:
    tag = soup.find("meta", attrs={"name": "docusaurus_tag"})
    html = soup.find("html")
    classes = html.get("class") if isinstance(html, Tag) else None
    return (isinstance(tag, Tag) and tag.get("content") == "blog_posts_list") or (
        isinstance(classes, list) and "blog-list-page" in classes
    )


def _json_ld_blog(soup: BeautifulSoup) -> list[dict[str, Any]] | None:
    """The `blogPost[]` of the JSON-LD object of `@type: Blog`, or None when the page has none."""
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            data = json.loads(script.get_text())
        except ValueError as error:
            raise SourceFormatError(f"the page's JSON-LD is not valid JSON ({error})") from error
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and item.get("@type") == "Blog":
                posts = item.get("blogPost") or []
                if not isinstance(posts, list):
                    raise SourceFormatError("the JSON-LD Blog's blogPost is not a list")
                return [post for post in posts if isinstance(post, dict)]
    return None


def _sidebar_posts(soup: BeautifulSoup, base: str) -> dict[str, str] | None:
    """Post URL → title from the recent-posts sidebar, or None when the page has no sidebar."""
    nav = soup.find("nav", attrs={"aria-label": _SIDEBAR_LABEL})
    if not isinstance(nav, Tag):
        return None
    posts: dict[str, str] = {}
    for link in nav.find_all("a", href=True):
        classes: list[str] = list(link.get("class") or [])
        if classes and not any(name.startswith("sidebarItemLink") for name in classes):
            continue
        url = _absolute(str(link["href"]), base)
        posts.setdefault(url, normalise_text(link.get_text(" ")))
    return posts


def _absolute(href: str, base: str) -> str:
    """An absolute, percent-decoded post URL: the form the Atom feed uses for entry ids."""
    return unquote(urljoin(base, href.strip()))


def _post_notice(post: dict[str, Any], base: str, source: SourceConfig) -> Notice:
    url = post.get("url") or post.get("@id") or post.get("mainEntityOfPage")
    if not isinstance(url, str) or not url.strip():
        shown = json.dumps(post, ensure_ascii=False)[:200]
        raise SourceFormatError(f"a JSON-LD blogPost has no url: {shown}")
    link = _absolute(url, base)
    title = post.get("headline") or post.get("name") or ""
    published = parse_timestamp(post.get("datePublished"))
    return Notice(
        source=source.name,
        notice_id=link,
        title=normalise_text(str(title)),
        text=normalise_text(str(post.get("description") or "")),
        link=link,
        published=published,
        updated=parse_timestamp(post.get("dateModified")) or published,
        tags=_keywords(post.get("keywords")),
    )


def _keywords(value: object) -> tuple[str, ...]:
    words = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else []
    return tuple(word.strip() for word in words if isinstance(word, str) and word.strip())


def _sidebar_notice(url: str, title: str, source: SourceConfig) -> Notice:
    """A post known only from the sidebar: title, and the date from its URL (/YYYY/MM/DD/)."""
    match = _POST_DATE.search(url)
    published = None
    if match:
        try:
            published = datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=UTC)
        except ValueError:
            published = None
    return Notice(
        source=source.name,
        notice_id=url,
        title=title,
        text="",
        link=url,
        published=published,
        updated=published,
    )
