"""`driftsvarsel sources discover URL`: find out which product serves a status page, with evidence.

`discover(url, get)` reads the page (its `<link rel="alternate">` feeds and generator/product
hints), tries every known endpoint of every product (`fingerprint.ENDPOINTS`), validates each
body's shape, and decides:

- exactly one product proven by a product-specific JSON shape → its best source kinds;
- no product proven but exactly one valid feed → a `status_feed` source;
- two products proven, or several unrelated feeds and no product → ambiguous: no guess;
- nothing valid → nothing found.

`get` does the HTTP (the CLI passes `monitor.fetch.fetch` with a timeout), so this module stays
free of I/O and is tested against local servers imitating each product.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin

from bs4 import BeautifulSoup

from monitor.config.types import SourceKind
from monitor.model import FetchResult
from monitor.sources import decode_text, describe_body
from monitor.sources import fingerprint as fp

Get = Callable[[str], FetchResult]
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
#: Preferred source kinds per product: the endpoints to put in rules.yaml, in order.
BEST: dict[str, tuple[tuple[str, SourceKind, str], ...]] = {
    fp.STATUSPAGE: (
        ("status-incidents", "statuspage_api", "api/v2/incidents.json"),
        ("status-maintenances", "statuspage_api", "api/v2/scheduled-maintenances.json"),
    ),
    fp.BETTERSTACK: (("status-betterstack", "betterstack", "index.json"),),
}


@dataclass(frozen=True)
class Attempt:
    """One GET and what its body turned out to be."""

    url: str
    status: int | None
    product: str
    valid: bool
    finding: str
    kind: SourceKind | None = None
    signature: str = ""


@dataclass(frozen=True)
class Suggestion:
    name: str
    kind: SourceKind
    url: str


@dataclass(frozen=True)
class Discovery:
    """The outcome. `suggestions` is empty when `problem` says why nothing is proposed."""

    url: str
    page: str
    hints: tuple[str, ...]
    attempts: tuple[Attempt, ...]
    products: tuple[str, ...]
    suggestions: tuple[Suggestion, ...] = ()
    problem: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def discover(url: str, get: Get) -> Discovery:
    """Fetch `url` and its known endpoints through `get`; never raises for what the server answers."""
    base = url if url.endswith("/") else url + "/"
    page = get(url)
    page_text = decode_text(page.body, page.content_type) if page.body and not page.error else ""
    feeds, hints = read_page(page_text, base)
    page_line = (
        f"HTTP {page.status}, {describe_body(page.body, page.content_type)}"
        if not page.error
        else (f"could not read the page: {page.error}")
    )
    if page.status is None:  # no answer at all: trying a dozen more paths would only repeat it
        reason = f"the page could not be reached ({page.error}); check the address and the network"
        return _refuse(Discovery(url, page_line, (), (), ()), reason)
    attempts = [_try(get, base, endpoint.path, endpoint.product, endpoint.validator, endpoint.kind)
                for endpoint in fp.ENDPOINTS]  # fmt: skip
    known = {attempt.url for attempt in attempts}
    attempts += [
        _try(get, feed_url, "", fp.FEED, fp.feed, "status_feed")
        for feed_url in feeds
        if feed_url not in known
    ]
    return decide(url, page_line, tuple(hints), tuple(attempts))


def read_page(text: str, base: str) -> tuple[list[str], list[str]]:
    """(announced feed URLs, product hints as evidence lines) from a page's HTML."""
    if not text:
        return [], []
    soup = BeautifulSoup(text, "html.parser")
    feeds: list[str] = []
    hints: list[str] = []
    for link in soup.find_all("link"):
        rel: object = link.get("rel") or []
        rels = [str(r) for r in rel] if isinstance(rel, list) else str(rel).split()
        kind = str(link.get("type") or "").lower()
        if "alternate" in rels and kind in FEED_TYPES and link.get("href"):
            feeds.append(urljoin(base, str(link["href"])))
            hints.append(f"page announces a feed: <link rel=alternate type={kind} href={link['href']}>")
    generator = soup.find("meta", attrs={"name": "generator"})
    if generator is not None and generator.get("content"):
        hints.append(f"<meta name=generator content={generator['content']!r}>")
    lowered = text.lower()
    for product, words in fp.PAGE_HINTS.items():
        if found := [word for word in words if word in lowered]:
            hints.append(f"the page mentions {', '.join(repr(w) for w in found)} ({product}?)")
    return list(dict.fromkeys(feeds)), hints


def decide(url: str, page: str, hints: tuple[str, ...], attempts: tuple[Attempt, ...]) -> Discovery:
    """The verdict from the attempts (pure)."""
    proving = {a.product for a in attempts if a.valid and a.product != fp.FEED and a.kind != "status_feed"}
    products = tuple(sorted(proving))
    feeds = [a for a in attempts if a.valid and a.kind == "status_feed"]
    base = Discovery(url, page, hints, attempts, products)
    if len(products) > 1:
        return _refuse(base, f"ambiguous: the endpoints of {' and '.join(products)} both answer validly")
    if products:
        return _for_product(base, products[0], feeds)
    twins = {a.signature for a in feeds}
    if len(twins) == 1:  # one feed, perhaps as both RSS and Atom: Atom preferred
        chosen = next((a for a in feeds if "atom" in a.finding.split(" ", 1)[0]), feeds[0])
        return _with(base, [Suggestion("status-feed", "status_feed", chosen.url)])
    if len(twins) > 1:
        listed = ", ".join(dict.fromkeys(a.url for a in feeds))
        return _refuse(base, f"ambiguous: several feeds ({listed}) and no product proven; pick one by hand")
    return _refuse(base, "no known status-page format found: no endpoint answered with a valid body")


def _for_product(base: Discovery, product: str, feeds: list[Attempt]) -> Discovery:
    page = base.url if base.url.endswith("/") else base.url + "/"
    if product in BEST:
        valid = {a.url for a in base.attempts if a.valid}
        chosen = [Suggestion(name, kind, page + path) for name, kind, path in BEST[product]]
        chosen = [s for s in chosen if s.url in valid]
        if chosen:
            return _with(base, chosen)
    # Feed paths are shared between products (/feed.rss): any valid feed is this product's.
    own = sorted(feeds, key=lambda a: (a.product != product, a.product != fp.FEED))
    if own:
        note = f"{product} has no JSON source kind here; its feed is read as status_feed"
        return _with(base, [Suggestion("status-feed", "status_feed", own[0].url)], note=note)
    return _refuse(base, f"{product} recognised, but it offers no format driftsvarsel reads (no valid feed)")


def _with(base: Discovery, suggestions: list[Suggestion], note: str | None = None) -> Discovery:
    return Discovery(base.url, base.page, base.hints, base.attempts, base.products, tuple(suggestions),
                     notes=(note,) if note else ())  # fmt: skip


def _refuse(base: Discovery, problem: str) -> Discovery:
    return Discovery(base.url, base.page, base.hints, base.attempts, base.products, (), problem)


def _try(
    get: Get, base: str, path: str, product: str, validator: fp.Validator, kind: SourceKind | None
) -> Attempt:
    target = urljoin(base, path) if path else base
    result = get(target)
    if result.error or not result.body:
        return Attempt(target, result.status, product, False, result.error or "empty answer", kind)
    verdict = validator(result.body, result.content_type)
    return Attempt(target, result.status, product, verdict.valid, verdict.finding, kind, verdict.signature)


def render(discovery: Discovery) -> str:
    """The evidence, the verdict and the rules.yaml block (or why there is none), as text."""
    lines = [f"Status page: {discovery.url}", f"  page: {discovery.page}"]
    lines += [f"  hint: {hint}" for hint in discovery.hints]
    for attempt in discovery.attempts:
        mark = "ok " if attempt.valid else "-- "
        status = attempt.status if attempt.status is not None else "no answer"
        lines.append(f"  {mark}{attempt.url} [{status}] ({attempt.product}): {attempt.finding}")
    lines.append("")
    if discovery.problem:
        lines.append(f"No source proposed: {discovery.problem}.")
        return "\n".join(lines)
    product = discovery.products[0] if discovery.products else "a plain RSS/Atom feed"
    lines.append(f"Verdict: {product}.")
    lines += [f"Note: {note}." for note in discovery.notes]
    lines += ["", "Paste into rules.yaml under `sources:`:"]
    lines += [f'  - {{name: {s.name}, kind: {s.kind}, url: "{s.url}", interval_seconds: 300}}'
              for s in discovery.suggestions]  # fmt: skip
    return "\n".join(lines)
