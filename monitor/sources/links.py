"""A notice's link becomes the "Åpne varselet" button only when it leads somewhere trusted.

Trusted (`monitor.hosts.trusted`): https or http on the source's registrable domain,
Skatteetaten's domains, or `settings.trusted_hosts`. Any other link (another host, an internal
address, `javascript:`) is taken off the notice and written at the end of its text instead, so
the reader still sees where it pointed but gets no button to click.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from urllib.parse import urlsplit

from monitor.hosts import host_of, trusted
from monitor.model import Notice

#: How an untrusted link is shown at the end of the notice text.
UNTRUSTED_LINK = "Lenke i varselet (til et nettsted vi ikke kjenner, derfor ikke klikkbar): {link}"
MAX_SHOWN = 300


def vet_link(notice: Notice, source_url: str, trusted_hosts: Collection[str] = ()) -> Notice:
    """`notice` unchanged when its link is empty or trusted; otherwise without the link, which is
    appended to the text as plain words."""
    link = notice.link.strip()
    if not link or link_is_trusted(link, source_url, trusted_hosts):
        return notice
    shown = " ".join(link.split())[:MAX_SHOWN]
    text = notice.text.rstrip() + "\n\n" + UNTRUSTED_LINK.format(link=shown)
    return replace(notice, link="", text=text.lstrip())


def link_is_trusted(link: str, source_url: str, trusted_hosts: Collection[str] = ()) -> bool:
    try:
        scheme = urlsplit(link).scheme.lower()
    except ValueError:
        return False
    host, source_host = host_of(link), host_of(source_url)
    if scheme not in ("https", "http") or not host or not source_host or any(c.isspace() for c in link):
        return False
    return trusted(host, source_host, trusted_hosts)
