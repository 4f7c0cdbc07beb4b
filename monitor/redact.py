"""One mask for secret values: every resolved secret is registered here, `redact` hides it.

`monitor.config.secrets` registers every value it resolves (webhook URLs, tokens, passwords);
from then on `redact(text)` replaces each with `***`. A URL also registers its path and query,
so a library that re-renders host and port cannot leak the secret part.
"""

from __future__ import annotations

import threading
from urllib.parse import parse_qsl, urlsplit

MASK = "***"
# Shorter values would mask ordinary words; a secret this short is not a secret anyway.
MIN_SECRET_LENGTH = 4
_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Mask `value` in all log output from now on. URLs also register their path and query values.

    Values shorter than MIN_SECRET_LENGTH are ignored.
    """
    if not value:
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
        _secrets.update(c for c in candidates if len(c) >= MIN_SECRET_LENGTH and c.strip("/"))


def forget_secrets() -> None:
    """Drop every registered secret (for tests and for a reload that resolves them again)."""
    with _secrets_lock:
        _secrets.clear()


def redact(text: str) -> str:
    """`text` with every registered secret replaced by MASK (longest first)."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text
