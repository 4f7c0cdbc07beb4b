"""One mask for secret values: every resolved secret is registered here, `redact` hides it.

`monitor.config.secrets` registers every value it resolves (webhook URLs, tokens, passwords);
from then on `redact(text)` replaces each with `***`. A URL also registers its path and query,
so a library that re-renders host and port cannot leak the secret part.

A fan-out registers thousands of values (every kommune's webhook URL in several spellings) and
masks every result detail: `redact` therefore looks up the text's 4-character windows in an index
of the secrets' first four characters instead of searching the text for every secret.
"""

from __future__ import annotations

import threading
from urllib.parse import parse_qsl, urlsplit

MASK = "***"
# Shorter values would mask ordinary words; a secret this short is not a secret anyway.
MIN_SECRET_LENGTH = 4
_registered: set[str] = set()  # the values given to register_secret
_by_prefix: dict[str, set[str]] = {}  # first MIN_SECRET_LENGTH characters → the secrets
_secrets_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Mask `value` in all log output from now on. URLs also register their path and query values.

    Values shorter than MIN_SECRET_LENGTH are ignored.
    """
    if not value or value in _registered:
        return
    candidates = {value, value.strip()}
    parts = urlsplit(value.strip())
    if parts.scheme in ("http", "https") and parts.netloc:
        # The secret part of a webhook URL, however a library re-renders host and port.
        candidates.add(parts.path + (f"?{parts.query}" if parts.query else ""))
        candidates.update(param for _, param in parse_qsl(parts.query) if len(param) >= 8)
    # The same value as a receiver may echo it: JSON-escaped slashes, HTML-escaped ampersands.
    candidates.update(
        {c.replace("/", "\\/") for c in candidates} | {c.replace("&", "&amp;") for c in candidates}
    )
    with _secrets_lock:
        for candidate in candidates:
            if len(candidate) >= MIN_SECRET_LENGTH and candidate.strip("/"):
                _by_prefix.setdefault(candidate[:MIN_SECRET_LENGTH], set()).add(candidate)
        _registered.add(value)


def forget_secrets() -> None:
    """Drop every registered secret (for tests and for a reload that resolves them again)."""
    with _secrets_lock:
        _registered.clear()
        _by_prefix.clear()


def redact(text: str) -> str:
    """`text` with every registered secret in it replaced by MASK (longest first, so a secret that
    contains another is masked whole)."""
    with _secrets_lock:
        found = {
            secret
            for start in range(len(text) - MIN_SECRET_LENGTH + 1)
            for secret in _by_prefix.get(text[start : start + MIN_SECRET_LENGTH], ())
            if secret in text
        }
    for secret in sorted(found, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
