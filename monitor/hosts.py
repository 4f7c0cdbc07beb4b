"""Which hosts a source may send us to: redirects it answers with, and links in its notices.

A host is trusted for a source when it is on the source's registrable domain (the Public Suffix
List decides: `status.skatteetaten.no` and `skatteetaten.no` share one, `evil.github.io` and
`skatteetaten.github.io` do not), on Skatteetaten's own domains (SKATTEETATEN_DOMAINS), or on the
operator's allow-list (`settings.trusted_hosts`). Internal addresses (loopback, link-local such as
169.254.169.254, private, reserved) are never trusted unless the source itself is on loopback
(the demo and the tests).

Host names are compared, not the addresses they resolve to: a redirect can only lead to a domain
the source's owner (or the operator) controls, so a name that resolves inward is theirs to fix.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

#: Skatteetaten's own domains, and Statuspage's link shortener used by status.skatteetaten.no.
SKATTEETATEN_DOMAINS = ("skatteetaten.no", "skatteetaten-test.no", "skatteetaten.github.io", "stspg.io")


@lru_cache(maxsize=1)
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the list shipped with the package: no download


def host_of(url: str) -> str | None:
    """The lower-case host of `url`, or None when it has none or cannot be parsed."""
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return host.rstrip(".").lower() if host else None


def is_internal(host: str) -> bool:
    """True for localhost names and loopback, link-local, private, reserved or unspecified addresses."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return (
        address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_reserved
        or address.is_unspecified
        or address.is_multicast
    )


def is_loopback(host: str) -> bool:
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def registrable_domain(host: str) -> str:
    """`status.skatteetaten.no` → `skatteetaten.no`; an address or a bare suffix is itself."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    return _suffixes().privatesuffix(host) or host


def _on(host: str, domain: str) -> bool:
    domain = domain.strip(".").lower()
    return host == domain or host.endswith("." + domain)


def trusted(host: str, source_host: str, allowed: Iterable[str] = ()) -> bool:
    """True when `host` may be linked or redirected to from a source on `source_host`."""
    if is_loopback(source_host):
        return is_loopback(host) or not is_internal(host) and _listed(host, allowed)
    if is_internal(host):
        return False
    return _on(host, registrable_domain(source_host)) or _listed(host, allowed)


def _listed(host: str, allowed: Iterable[str]) -> bool:
    return any(_on(host, domain) for domain in (*SKATTEETATEN_DOMAINS, *allowed))


def redirect_problem(source_url: str, target_url: str, allowed: Iterable[str] = ()) -> str | None:
    """Why a redirect from `source_url` to `target_url` must not be followed, or None.

    Only https, and only to a trusted host (`trusted`); plain http only between loopback hosts.
    The reason names the target's scheme and host, never its path or query.
    """
    source_host, target_host = host_of(source_url), host_of(target_url)
    if not source_host or not target_host:
        return "the redirect target is not a web address"
    scheme = urlsplit(target_url.strip()).scheme.lower()
    where = f"{scheme}://{target_host}"
    if scheme != "https" and not (scheme == "http" and is_loopback(source_host) and is_loopback(target_host)):
        return f"the redirect to {where} leaves https"
    if is_internal(target_host) and not is_loopback(source_host):
        return f"the redirect to {where} points at an internal address"
    if not trusted(target_host, source_host, allowed):
        return (
            f"the redirect to {where} leaves {registrable_domain(source_host)} "
            "(add the host to settings.trusted_hosts in rules.yaml if it is right)"
        )
    return None
