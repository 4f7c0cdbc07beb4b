"""One polite HTTP GET: timeout, conditional headers, bounded and vetted redirects, a size cap.

Redirects are followed by hand, each checked by `monitor.hosts.redirect_problem`: https only, to
the source's own registrable domain, Skatteetaten's domains or `allowed_hosts`, never to an
internal address unless the source itself is on loopback. A refused redirect is a failed fetch
whose error names the target's scheme and host only. The body of a failed fetch is never read.

`fetch` never raises for network or HTTP problems: every outcome is a `FetchResult`, with
`error` set to a human sentence when the body cannot be used. One log line per fetch
(URL without its query string, status, milliseconds, bytes).

Every fetch goes through one long-lived client (`shared_client`): pooled keep-alive connections and
one TLS context, built once instead of per poll. `close_clients` closes it (at shutdown and on
reload; the next fetch builds a fresh one).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from monitor import USER_AGENT
from monitor.hosts import redirect_problem
from monitor.model import FetchResult

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 20.0
DEFAULT_MAX_BYTES = 5_000_000
MAX_REDIRECTS = 5
#: Connections kept open by the shared client (a handful of source hosts).
POOL_LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=120.0)
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/xml, application/json, text/html;q=0.9, */*;q=0.8"
)


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    client: httpx.Client | None = None,
    allowed_hosts: Collection[str] = (),
) -> FetchResult:
    """GET `url` and return what came back; never raises for network or HTTP problems.

    Sends User-Agent, If-None-Match (`etag`) and If-Modified-Since (`last_modified`); follows at
    most MAX_REDIRECTS redirects, each one vetted (see the module docstring; `allowed_hosts` are
    further trusted domains); reads at most `max_bytes` of body (streamed, so a larger body
    is never held in memory) and gives up after `timeout` seconds in total. A 304 is a success
    with an empty body; any other non-2xx status, a timeout, a refused connection, a TLS failure
    or an invalid URL is a result with `error` set (and `status` None when no answer came).
    """
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    started = time.monotonic()
    http = client or shared_client()
    try:
        result = _follow(http, url, headers, timeout, max_bytes, started, allowed_hosts)
    except httpx.TimeoutException:
        result = _failure(url, started, f"timed out after {timeout:g} s waiting for {_host(url)}")
    except httpx.TooManyRedirects:
        result = _failure(url, started, f"more than {MAX_REDIRECTS} redirects from {_host(url)}")
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as error:
        result = _failure(url, started, f"invalid URL {_redact(url)!r}: {error}")
    except httpx.ConnectError as error:
        result = _failure(url, started, f"could not connect to {_host(url)}: {_reason(error)}")
    except (httpx.HTTPError, httpx.StreamError, OSError) as error:
        result = _failure(url, started, f"network error talking to {_host(url)}: {_reason(error)}")
    logger.info(
        "fetch %s status=%s ms=%.0f bytes=%d%s",
        _redact(url),
        result.status,
        result.elapsed_ms,
        len(result.body),
        f" error={result.error!r}" if result.error else "",
    )
    return result


_shared: httpx.Client | None = None
_shared_lock = threading.Lock()


def shared_client() -> httpx.Client:
    """The process's client for sources: built on first use, kept until `close_clients`."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.is_closed:
            _shared = httpx.Client(max_redirects=MAX_REDIRECTS, limits=POOL_LIMITS)
        return _shared


def close_clients() -> None:
    """Close the shared client (shutdown, reload); the next fetch builds a new one."""
    global _shared
    with _shared_lock:
        client, _shared = _shared, None
    if client is not None:
        client.close()


def _follow(
    http: httpx.Client,
    url: str,
    headers: dict[str, str],
    timeout: float,
    max_bytes: int,
    started: float,
    allowed_hosts: Collection[str],
) -> FetchResult:
    """GET `url`, following only redirects that `redirect_problem` allows."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        answer, target = _get(http, url, current, headers, timeout, max_bytes, started)
        if target is None:
            return answer
        problem = redirect_problem(url, target, allowed_hosts)
        if problem is not None:
            return replace(answer, error=f"HTTP {answer.status} from {_host(current)}: {problem}")
        current = target
    raise httpx.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects")


def _get(
    http: httpx.Client,
    url: str,
    current: str,
    headers: dict[str, str],
    timeout: float,
    max_bytes: int,
    started: float,
) -> tuple[FetchResult, str | None]:
    """One request: (the result, None), or (a redirect answer, the absolute target URL)."""
    remaining = max(0.1, timeout - (time.monotonic() - started))
    with http.stream("GET", current, headers=headers, timeout=remaining, follow_redirects=False) as response:
        status = response.status_code
        if response.has_redirect_location:
            target = urljoin(current, response.headers["location"])
            return FetchResult(url=url, status=status, elapsed_ms=_elapsed(started)), target
        answer = FetchResult(
            url=url,
            status=status,
            # A 304 need not repeat the validators: keep the ones that were sent.
            etag=response.headers.get("etag") or headers.get("If-None-Match"),
            last_modified=response.headers.get("last-modified") or headers.get("If-Modified-Since"),
            content_type=response.headers.get("content-type"),
            retry_after=parse_retry_after(response.headers.get("retry-after")),
            cache_control=response.headers.get("cache-control"),
        )
        if status == 304:
            return replace(answer, elapsed_ms=_elapsed(started)), None
        if not 200 <= status < 300:
            problem = f"HTTP {status} from {_host(str(response.url))}"
            return replace(answer, elapsed_ms=_elapsed(started), error=problem), None
        body, error = _read_capped(response, max_bytes, started + timeout, timeout)
        return replace(answer, body=body, elapsed_ms=_elapsed(started), error=error), None


def _read_capped(
    response: httpx.Response, max_bytes: int, deadline: float, timeout: float
) -> tuple[bytes, str | None]:
    """The body, or (what was read, error) when it passes `max_bytes` or the total deadline."""
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        return b"", f"body larger than {max_bytes} bytes cap (Content-Length {declared})"
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            return b"", f"body larger than {max_bytes} bytes cap"
        chunks.append(chunk)
        if time.monotonic() > deadline:
            return b"", f"timed out after {timeout:g} s reading the body from {_host(str(response.url))}"
    return b"".join(chunks), None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent or junk."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def _failure(url: str, started: float, error: str) -> FetchResult:
    return FetchResult(url=url, status=None, elapsed_ms=_elapsed(started), error=error)


def _elapsed(started: float) -> float:
    return (time.monotonic() - started) * 1000.0


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or url[:60]
    except ValueError:
        return url[:60]


def _redact(url: str) -> str:
    """The URL without user info and query string (either may carry a token)."""
    try:
        parts = urlsplit(url)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
    except ValueError:
        return url.split("?", 1)[0][:200]
    query = "?…" if parts.query else ""
    return f"{parts.scheme}://{netloc}{parts.path}{query}"


def _reason(error: Exception) -> str:
    """A plain reason ("[Errno 111] Connection refused"), never empty."""
    return str(error) or str(error.__cause__ or "") or type(error).__name__
