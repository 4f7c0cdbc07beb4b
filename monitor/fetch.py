"""One polite HTTP GET: timeout, conditional headers, bounded redirects, a size cap.

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
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from monitor import USER_AGENT
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
) -> FetchResult:
    """GET `url` and return what came back; never raises for network or HTTP problems.

    Sends User-Agent, If-None-Match (`etag`) and If-Modified-Since (`last_modified`); follows at
    most MAX_REDIRECTS redirects; reads at most `max_bytes` of body (streamed, so a larger body
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
        result = _get(http, url, headers, timeout, max_bytes, started)
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


def _get(
    http: httpx.Client, url: str, headers: dict[str, str], timeout: float, max_bytes: int, started: float
) -> FetchResult:
    with http.stream("GET", url, headers=headers, timeout=timeout, follow_redirects=True) as response:
        status = response.status_code
        answer = FetchResult(
            url=url,
            status=status,
            # A 304 need not repeat the validators: keep the ones that were sent.
            etag=response.headers.get("etag") or headers.get("If-None-Match"),
            last_modified=response.headers.get("last-modified") or headers.get("If-Modified-Since"),
            content_type=response.headers.get("content-type"),
            retry_after=parse_retry_after(response.headers.get("retry-after")),
        )
        if status == 304:
            return replace(answer, elapsed_ms=_elapsed(started))
        if not 200 <= status < 300:
            problem = f"HTTP {status} from {_host(str(response.url))}"
            return replace(answer, elapsed_ms=_elapsed(started), error=problem)
        body, error = _read_capped(response, max_bytes, started + timeout, timeout)
        return replace(answer, body=body, elapsed_ms=_elapsed(started), error=error)


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
