"""Our own outage is not theirs: tell a lost network of the monitor from an outage of the APIs.

The rule: when every probe of a round fails the way a missing network fails (DNS look-up failed,
connection refused, no route, network unreachable; not timeouts or error answers, which the
gateway itself produces), the monitor asks a known-good reference: `settings.network_check_url`,
or else the first enabled source (Skatteetaten's news site, hosted apart from the API gateway).
If the reference cannot be reached either, the network is the monitor's own problem: the round is
not counted (no kommune outage alert, no failure towards the thresholds), and the admin route is
told once "monitoren har mistet nettverket". The first round in which the reference answers
again ends it (the admin is told once), and probes count as before. Any HTTP answer from the
reference counts as reaching it. Sources follow the same rule (`sources_offline`): when every
enabled source failed to connect on its last poll and the reference fails too, the admin hears
the same message once; the first source that answers again ends it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

import httpx

from monitor import USER_AGENT
from monitor.config.types import Rules
from monitor.deliver.render import render_admin
from monitor.model import ProbeResult
from monitor.probes.alerts import AdminMessage
from monitor.store.sources import SourceState
from monitor.texts import say

log = logging.getLogger(__name__)

#: How the probe check (monitor.probes.check) describes a failure to reach a host at all.
NETWORK_FAILURES = ("DNS-oppslag for", "tilkoblingen ble avvist", "kunne ikke koble til")
#: How monitor.fetch describes it (DNS failures, refused connections and no route alike).
FETCH_NETWORK_FAILURE = "could not connect to "
REFERENCE_TIMEOUT_SECONDS = 10.0


def network_failure(result: ProbeResult) -> bool:
    """True for a probe that got no answer because the host could not be reached at all."""
    return result.state == "down" and result.status is None and result.detail.startswith(NETWORK_FAILURES)


def reference_url(rules: Rules) -> str | None:
    """The known-good reference: settings.network_check_url, else the first enabled source's URL."""
    if rules.settings.network_check_url:
        return rules.settings.network_check_url
    return next((source.url for source in rules.sources if source.enabled), None)


def network_lost(results: Sequence[ProbeResult], rules: Rules, client: httpx.Client) -> str | None:
    """Why the network counts as lost (a sentence), or None when the probes' results stand."""
    if not results or not all(network_failure(result) for result in results):
        return None
    url = reference_url(rules)
    if url is None:
        return None
    problem = _unreachable(client, url)
    if problem is None:
        log.info("every probe failed to connect, but the reference %s answers: a real outage", url)
        return None
    return (
        f"alle {len(results)} prober feilet ({results[0].detail}), og referansen {url} svarer ikke: {problem}"
    )


def sources_offline(rules: Rules, states: Sequence[SourceState]) -> str | None:
    """The same rule for the sources: every enabled source's last poll failed to connect, and the
    reference (when it is not one of them) cannot be reached either. Returns why, or None."""
    enabled = {source.name for source in rules.sources if source.enabled}
    failing = {
        state.name
        for state in states
        if state.consecutive_failures > 0 and (state.last_error or "").startswith(FETCH_NETWORK_FAILURE)
    }
    if not enabled or not enabled <= failing:
        return None
    url = reference_url(rules)
    if url is not None and url not in {source.url for source in rules.sources}:
        with httpx.Client() as client:
            if _unreachable(client, url) is None:
                return None
    first = next(state for state in states if state.name in enabled)
    return f"alle {len(enabled)} kilder feilet ({first.last_error})" + (
        f", og referansen {url} svarer ikke" if url else ""
    )


def lost_messages(rules: Rules, now: datetime, why: str) -> list[AdminMessage]:
    """ "monitoren har mistet nettverket", to every admin channel, in the admin route's målform."""
    language = rules.admin_malform
    subject = say(language, "admin.network_lost.subject")
    text = say(language, "admin.network_lost.text", why=why)
    return _admin(rules, f"admin:network-lost:{now:%Y%m%dT%H%M}", subject, text)


def back_messages(rules: Rules, now: datetime, since: str) -> list[AdminMessage]:
    language = rules.admin_malform
    subject = say(language, "admin.network_back.subject")
    text = say(language, "admin.network_back.text", since=since)
    return _admin(rules, f"admin:network-back:{now:%Y%m%dT%H%M}", subject, text)


def _admin(rules: Rules, key: str, subject: str, text: str) -> list[AdminMessage]:
    return [
        AdminMessage(channel.name, idem_key, render_admin(subject, text, idem_key, rules.admin_malform))
        for channel in rules.admin
        if (idem_key := f"{key}|admin|{channel.name}")
    ]


def _unreachable(client: httpx.Client, url: str) -> str | None:
    try:
        with client.stream("GET", url, headers={"User-Agent": USER_AGENT}, timeout=REFERENCE_TIMEOUT_SECONDS):
            pass  # any answer means the network works; the body is not needed
    except httpx.HTTPError as error:
        return f"{type(error).__name__}: {error}"[:200]
    return None
