"""A built Docusaurus documentation page → one Notice per section.

Only the page's main content (`article div.theme-doc-markdown`) is read: navigation, sidebars,
breadcrumbs, footers, scripts and the build's hashed class names never reach a Notice, so a
rebuild of an unchanged page yields identical notices. A section starts at every h2 and h3, and
at every tab panel of the site's `<Tabs>` component (its label names the section until the first
heading inside it). Text is normalised (whitespace folded, zero-width spaces and asset hashes
dropped, inline formatting flattened) so reformatting the markdown source changes nothing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from bs4 import BeautifulSoup
from bs4.element import NavigableString, Tag

from monitor.config.types import SourceConfig
from monitor.model import Notice
from monitor.sources import SourceFormatError, decode_text

log = logging.getLogger(__name__)

#: Where Docusaurus (v2 and v3) puts a doc page's rendered markdown; the first match wins.
CONTENT_SELECTORS = ("article div.theme-doc-markdown", "div.theme-doc-markdown", "article div.markdown")
#: Removed from the content before reading it: controls, icons and anchors carry no documentation.
NOISE_SELECTORS = "script, style, noscript, svg, button, a.hash-link, [class^=buttonGroup], [role=tablist]"
INTRO_HEADING = "Innledning"
SECTION_SEPARATOR = " – "
#: Docusaurus names bundled images and files "<name>-<content hash>.<ext>".
_ASSET_HASH = re.compile(r"(/assets/(?:images|files)/[^/?#]+?)-[0-9a-f]{6,}(\.[A-Za-z0-9]+)")
_BLOCKS = {"p", "ul", "ol", "table", "pre", "blockquote", "h4", "h5", "h6", "hr", "img", "dl"}


@dataclass
class _Section:
    heading: str
    slug: str
    tab: str | None
    lines: list[str] = field(default_factory=list)


def parse(body: bytes, source: SourceConfig, *, content_type: str | None = None) -> list[Notice]:
    """Return one Notice per non-empty section of the doc page in `body`, in page order.

    notice_id and link are "<source.url>#<section slug>" (the heading's own anchor id); the link
    of a section inside a non-default tab adds the site's `?tab=<label>`. Raises
    SourceFormatError when the body is not a Docusaurus doc page (an error page, JSON, a 404 page).
    """
    if content_type is not None and "html" not in content_type.lower():
        raise SourceFormatError(
            f"{source.name}: expected an HTML documentation page from {source.url}, got {content_type!r}"
        )
    soup = BeautifulSoup(decode_text(body, content_type), "html.parser")
    content = _find_content(soup)
    if content is None:
        raise SourceFormatError(
            f"{source.name}: no documentation content (div.theme-doc-markdown) in {source.url}; "
            "the page may be a 404 or error page, or the URL may not be a doc page: check the source URL"
        )
    title = _page_title(soup, content) or source.name
    tab_labels = _tab_labels(content)
    for noise in content.select(NOISE_SELECTORS):
        noise.decompose()
    sections = _sections(content, tab_labels)
    base = source.url.split("#", 1)[0].rstrip("/")
    notices = [_notice(section, title, base, source) for section in sections if section.lines]
    if not notices:
        raise SourceFormatError(f"{source.name}: the documentation page at {source.url} has no text")
    log.debug("%s: %d sections", source.name, len(notices))
    return notices


def _find_content(soup: BeautifulSoup) -> Tag | None:
    for selector in CONTENT_SELECTORS:
        found = soup.select_one(selector)
        if found is not None:
            return found
    return None


def _page_title(soup: BeautifulSoup, content: Tag) -> str:
    heading = content.find("h1")
    if isinstance(heading, Tag):
        text = normalise(heading.get_text(" "))
        parent = heading.parent
        (parent if isinstance(parent, Tag) and parent.name == "header" else heading).decompose()
        return text
    if soup.title is not None:
        return normalise(soup.title.get_text()).split(" | ")[0]
    return ""


def _tab_labels(content: Tag) -> dict[str, str]:
    """Tab button id → label, for the tab panels' aria-labelledby."""
    labels: dict[str, str] = {}
    for tab in content.select("[role=tab]"):
        tab_id = tab.get("id")
        if isinstance(tab_id, str):
            labels[tab_id] = normalise(tab.get_text(" "))
    return labels


def _sections(content: Tag, tab_labels: dict[str, str]) -> list[_Section]:
    sections = [_Section(INTRO_HEADING, slugify(INTRO_HEADING), None)]
    _walk(content, sections, tab_labels, None)
    seen: dict[str, int] = {}
    for section in sections:  # anchors must stay unique even if a heading repeats
        count = seen.get(section.slug, 0)
        seen[section.slug] = count + 1
        if count:
            section.slug = f"{section.slug}-{count}"
    return sections


def _walk(node: Tag, sections: list[_Section], tab_labels: dict[str, str], tab: str | None) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            text = normalise(str(child)) if type(child) is NavigableString else ""
            if text:
                sections[-1].lines.append(text)
            continue
        if not isinstance(child, Tag):
            continue
        if child.get("role") == "tabpanel":
            label = tab_labels.get(str(child.get("aria-labelledby", "")), "") or None
            if label:
                sections.append(_Section(label, slugify(label), label))
            _walk(child, sections, tab_labels, label or tab)
        elif child.name in ("h2", "h3"):
            heading = normalise(child.get_text(" "))
            anchor = child.get("id")
            slug = anchor if isinstance(anchor, str) and anchor else slugify(heading)
            sections.append(_Section(heading, slug, tab))
        elif child.name in _BLOCKS:
            sections[-1].lines.extend(block_lines(child))
        else:
            _walk(child, sections, tab_labels, tab)


def block_lines(node: Tag) -> list[str]:
    """The normalised text lines of one block element (paragraph, list, table, code...)."""
    if node.name in ("ul", "ol"):
        return _list_lines(node, 0)
    if node.name == "table":
        rows = []
        for row in node.find_all("tr"):
            cells = [inline_text(cell) for cell in row.find_all(["th", "td"])]
            rows.append("| " + " | ".join(cells) + " |")
        return rows
    if node.name == "pre":
        for line_break in node.find_all("br"):
            line_break.replace_with("\n")
        return [" ".join(line.split()) for line in node.get_text().splitlines() if line.strip()]
    if node.name == "blockquote":
        return [
            "> " + line
            for child in node.find_all(["p", "ul", "ol"], recursive=False)
            for line in block_lines(child)
        ] or ["> " + inline_text(node)]
    if node.name in ("h4", "h5", "h6"):
        return ["#" * int(node.name[1]) + " " + inline_text(node)]
    if node.name == "hr":
        return []
    text = inline_text(node)
    return [text] if text else []


def _list_lines(node: Tag, depth: int) -> list[str]:
    lines: list[str] = []
    for number, item in enumerate(node.find_all("li", recursive=False), start=1):
        marker = f"{number}." if node.name == "ol" else "*"
        nested = [child for child in item.children if isinstance(child, Tag) and child.name in ("ul", "ol")]
        for child in nested:
            child.extract()
        lines.append("  " * depth + f"{marker} {inline_text(item)}")
        for child in nested:
            lines.extend(_list_lines(child, depth + 1))
    return lines


def inline_text(node: Tag) -> str:
    """Flattened text of `node`: links as [text](href), images as ![alt](src), everything else plain."""
    return normalise("".join(_inline_parts(node)))


def _inline_parts(node: Tag) -> list[str]:
    parts: list[str] = []
    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:
                parts.append(str(child))
        elif isinstance(child, Tag):
            if child.name == "br":
                parts.append(" ")
            elif child.name == "img":
                parts.append(f"![{normalise(str(child.get('alt', '')))}]({_url(child.get('src'))})")
            elif child.name == "a":
                text = inline_text(child)
                href = _url(child.get("href"))
                parts.append(href if not text or text == href else f"[{text}]({href})" if href else text)
            elif child.name in _BLOCKS or child.name in ("div", "li"):
                parts.extend([" ", *_inline_parts(child), " "])
            else:
                parts.extend(_inline_parts(child))
    return parts


def _url(value: object) -> str:
    return _ASSET_HASH.sub(r"\1\2", str(value).strip()) if isinstance(value, str) else ""


def normalise(text: str) -> str:
    """Fold whitespace (incl. no-break spaces) to single spaces and drop zero-width characters."""
    return " ".join(text.replace("\u200b", "").replace("\ufeff", "").split())


def slugify(text: str) -> str:
    """A GitHub-style anchor slug as Docusaurus makes it: lower case, no punctuation, '-' for spaces."""
    kept = re.sub(r"[^\w\- ]", "", normalise(text).lower())
    return kept.replace(" ", "-") or "seksjon"


def _notice(section: _Section, title: str, base: str, source: SourceConfig) -> Notice:
    notice_id = f"{base}#{section.slug}"
    link = notice_id if section.tab is None else f"{base}?tab={quote(section.tab)}#{section.slug}"
    return Notice(
        source=source.name,
        notice_id=notice_id,
        title=f"{title}{SECTION_SEPARATOR}{section.heading}",
        text="\n".join(section.lines),
        link=link,
        tags=(source.api,) if source.api else (),
    )
