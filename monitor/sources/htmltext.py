"""HTML → readable, markdown-ish text, shared by the source parsers.

What a reader (and the classifier) needs survives: paragraphs, headings (`## ...`), list items
(`- ...`, `1. ...`, nested ones indented), table rows (`| a | b |`), line breaks, links
(`[text](url)`), and struck-through text as `~~...~~` so the classifier can ignore it. Comments
(Docusaurus leaves `<!-- -->` where a link was), scripts, styles, images, `&nbsp;`, zero-width
spaces and the whitespace they leave behind ("Se detaljer i <!-- -->." → "Se detaljer i.") go.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from bs4.element import Comment, NavigableString, PageElement, Tag

_BLOCK = "\x00B"  # paragraph break
_LINE = "\x00L"  # line break
_INDENT = "\x02"  # one level of list indentation, turned into two spaces at the end

# Zero-width characters, and bidi controls (embeddings, overrides, isolates, marks) that would let a
# title read one way and say another ("Trojan Source"); both dropped like zero-width spaces.
_ZERO_WIDTH = dict.fromkeys(
    map(
        ord,
        "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
        "\u2066\u2067\u2068\u2069",
    ),
    None,
)
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_SPACE_BEFORE_PUNCTUATION = re.compile(r" +([.,;:!?)])")
_MULTISPACE = re.compile(" {2,}")
_BREAKS = re.compile("(?:\x00[BL]| )+")

_SKIP = {"script", "style", "template", "noscript", "img", "svg", "button", "iframe", "head", "title"}
_BLOCKS = {
    "p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "blockquote",
    "figure", "figcaption", "dl", "dt", "dd", "details", "summary", "form", "address", "body", "html",
}  # fmt: skip
_STRIKE = {"del", "s", "strike"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}


def clean_inline(text: str) -> str:
    """Fold whitespace (including `&nbsp;`) to single spaces and drop zero-width characters."""
    return _SPACES.sub(" ", text.translate(_ZERO_WIDTH))


def normalise_text(text: str) -> str:
    """Tidy plain text: no zero-width characters or `&nbsp;`, no trailing spaces, at most one blank line."""
    lines = [clean_inline(line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    joined = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", joined).strip()


def html_to_text(html: str) -> str:
    """Readable markdown-ish text from an HTML fragment or page (see the module docstring)."""
    if "<" not in html and "&" not in html:
        return normalise_text(html)
    soup = BeautifulSoup(html, "html.parser")
    return _finish(_render_children(soup, 0))


def _render_children(node: Tag, depth: int) -> str:
    return "".join(_render(child, depth) for child in node.children)


def _render(node: PageElement, depth: int) -> str:
    if isinstance(node, Comment):
        return ""
    if isinstance(node, NavigableString):
        if type(node) is not NavigableString:  # CDATA, doctype, processing instruction
            return ""
        return clean_inline(str(node))
    if not isinstance(node, Tag) or node.name in _SKIP:
        return ""
    name = node.name
    if name == "br":
        return _LINE
    if name == "hr":
        return _BLOCK + "---" + _BLOCK
    if name in _HEADINGS:
        return _BLOCK + "#" * _HEADINGS[name] + " " + _one_line(_render_children(node, depth)) + _BLOCK
    if name in ("ul", "ol"):
        return _render_list(node, depth)
    if name == "li":  # a list item outside any list
        return _LINE + _INDENT * depth + "- " + _item_body(node, depth)
    if name == "table":
        return _BLOCK + _LINE.join(_table_rows(node)) + _BLOCK
    if name == "pre":
        lines = node.get_text().translate(_ZERO_WIDTH).splitlines()
        return _BLOCK + _LINE.join(["```", *lines, "```"]) + _BLOCK
    inner = _render_children(node, depth)
    if name in _STRIKE:
        return _wrap(inner, "~~")
    if name == "a":
        return _link(node, inner)
    if name in _BLOCKS:
        return _BLOCK + inner + _BLOCK
    return inner


def _wrap(inner: str, marker: str) -> str:
    """`marker` around the visible text, keeping the surrounding spaces outside the markers."""
    core = inner.strip(" ")
    if not core.replace(_LINE, "").replace(_BLOCK, "").strip():
        return inner
    leading = " " if inner.startswith(" ") else ""
    trailing = " " if inner.endswith(" ") else ""
    return f"{leading}{marker}{core}{marker}{trailing}"


def _link(node: Tag, inner: str) -> str:
    href = node.get("href")
    text = inner.strip()
    if not isinstance(href, str) or not href.strip() or href.startswith(("#", "javascript:")):
        return inner
    href = href.strip()
    if not text:
        return f" {href} " if href.startswith(("http://", "https://")) else ""
    if text == href or href.rstrip("/").endswith(text.rstrip("/")) or href.startswith("mailto:"):
        return inner
    return inner.replace(text, f"[{text}]({href})", 1)


def _render_list(node: Tag, depth: int) -> str:
    ordered = node.name == "ol"
    lines: list[str] = []
    number = 0
    for item in node.find_all("li", recursive=False):
        number += 1
        marker = f"{number}. " if ordered else "- "
        lines.append(_LINE + _INDENT * depth + marker + _item_body(item, depth))
    return _BLOCK + "".join(lines) + _BLOCK


def _item_body(item: Tag, depth: int) -> str:
    body = _render_children(item, depth + 1).strip(" ")
    body = re.sub("^(?:\x00[BL]| )+", "", body)
    body = re.sub("(?:\x00[BL]| )+$", "", body)
    # A paragraph inside an item continues the item; nested lists start their own lines.
    return body.replace(_BLOCK + _LINE, _LINE).replace(_BLOCK, _LINE + _INDENT * (depth + 1))


def _table_rows(table: Tag) -> list[str]:
    rows: list[str] = []
    for row in table.find_all("tr"):
        if row.find_parent("table") is not table:
            continue
        cells = row.find_all(["th", "td"], recursive=False)
        if not cells:
            continue
        rows.append("| " + " | ".join(_one_line(_render_children(cell, 0)) for cell in cells) + " |")
        if len(rows) == 1 and all(cell.name == "th" for cell in cells):
            rows.append("|" + " --- |" * len(cells))
    return rows


def _one_line(rendered: str) -> str:
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", _BREAKS.sub(" ", rendered).replace(_INDENT, "")).strip()


def _finish(rendered: str) -> str:
    paragraphs: list[str] = []
    for block in rendered.split(_BLOCK):
        lines: list[str] = []
        for raw in block.split(_LINE):
            stripped = raw.strip(" ")
            indent = len(stripped) - len(stripped.lstrip(_INDENT))
            line = stripped.lstrip(_INDENT).strip(" ").replace(_INDENT, "")
            line = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", line)
            line = _MULTISPACE.sub(" ", line.replace("~~~~", ""))
            if line:
                lines.append("  " * indent + line)
        if lines:
            paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)
