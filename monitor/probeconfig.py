"""The `probes:` section of rules.yaml → `ProbeSettings` (every problem recorded on the Checker).

probes:
  environments: [prod, test]        # test only where you have test access
  interval_seconds: 300             # plus up to jitter_seconds
  failure_threshold: 3              # consecutive failures before "nede"
  success_threshold: 2              # consecutive successes before "oppe" again
  base_urls: {inntekt: {test: "https://127.0.0.1:8443/v1"}}   # overrides (api "maskinporten": issuer host)
  maskinporten:                     # optional authenticated probe, TEST environment only
    enabled: true
    client_id: "..."
    key_credential: maskinporten-key.pem          # $CREDENTIALS_DIRECTORY/<name>
    certificate_credential: maskinporten-cert.pem # sent as x5c; or give kid instead
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import urlsplit

from yaml.nodes import Node

from monitor.configparse import Checker, is_null, join
from monitor.configtypes import MaskinportenSettings, ProbeSettings
from monitor.maskinporten import PRODUCTION_HOSTS
from monitor.probeplan import BASE_URLS, SCOPES

PROBE_KEYS = tuple(field.name for field in fields(ProbeSettings))
MASKINPORTEN_KEYS = tuple(field.name for field in fields(MaskinportenSettings))
ENVIRONMENTS = ("prod", "test")


def parse_probes(
    checker: Checker, node: Node | None, path: str = "probes", base: Path | None = None
) -> ProbeSettings:
    """`ProbeSettings` from the `probes:` node (defaults for a missing or empty one).

    Problems (unknown keys, bad numbers, non-https URLs, a production Maskinporten issuer, an
    enabled authenticated probe without client_id...) are recorded on `checker`; the defaults
    stand in for bad values so that one run reports everything.
    """
    if node is None or is_null(node):
        return ProbeSettings()
    entries = checker.mapping(node, path, PROBE_KEYS) or {}
    values: dict[str, Any] = {}
    for key, (_, value) in entries.items():
        where = join(path, key)
        parsed = _parse_value(checker, key, value, where, base)
        if parsed is not None:
            values[key] = parsed
    settings = ProbeSettings(**values)
    if settings.success_threshold < 1 or settings.failure_threshold < 1:
        checker.problem(node, path, "thresholds must be at least 1")
    return settings


def _parse_value(checker: Checker, key: str, node: Node, path: str, base: Path | None) -> object:
    if key == "enabled":
        return checker.boolean(node, path)
    if key in ("interval_seconds", "jitter_seconds"):
        return checker.integer(node, path, minimum=1 if key == "interval_seconds" else 0)
    if key in ("failure_threshold", "success_threshold"):
        return checker.integer(node, path, minimum=1, maximum=100)
    if key == "keep_days":
        return checker.integer(node, path, minimum=8, maximum=3650)
    if key == "timeout_seconds":
        return checker.number(node, path, minimum=0.1, maximum=120)
    if key == "environments":
        chosen = checker.choices(node, path, ENVIRONMENTS)
        return None if chosen is None else tuple(cast(list[Literal["prod", "test"]], chosen))
    if key == "cert_warning_days":
        items = checker.sequence(node, path, allow_scalar=True) or []
        days = [checker.integer(item, f"{path}[{index}]", minimum=1) for index, item in enumerate(items)]
        return tuple(sorted({day for day in days if day is not None}, reverse=True)) or None
    if key == "ca_file":
        text = checker.text(node, path)
        return None if text is None else str(base / text if base is not None else Path(text))
    if key == "base_urls":
        return _base_urls(checker, node, path)
    if key == "test_paths":
        return _test_paths(checker, node, path)
    if key == "maskinporten":
        return _maskinporten(checker, node, path)
    return None


def _base_urls(checker: Checker, node: Node, path: str) -> dict[tuple[str, str], str]:
    result: dict[tuple[str, str], str] = {}
    for api, (_, per_env) in (checker.mapping(node, path, tuple(BASE_URLS)) or {}).items():
        for env, (_, url_node) in (checker.mapping(per_env, join(path, api), ENVIRONMENTS) or {}).items():
            where = join(join(path, api), env)
            url = checker.text(url_node, where)
            if url is None:
                continue
            if urlsplit(url).scheme != "https" or not urlsplit(url).hostname:
                checker.problem(url_node, where, f"'{url}' is not an https:// URL", "probes check TLS too")
                continue
            result[(api, env)] = url
    return result


def _test_paths(checker: Checker, node: Node, path: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for api, (_, value) in (checker.mapping(node, path, tuple(SCOPES)) or {}).items():
        text = checker.text(value, join(path, api))
        if text is not None:
            result[api] = text.lstrip("/")
    return result


def _maskinporten(checker: Checker, node: Node, path: str) -> MaskinportenSettings | None:
    entries = checker.mapping(node, path, MASKINPORTEN_KEYS)
    if entries is None:
        return None
    values: dict[str, Any] = {}
    for key, (_, value) in entries.items():
        where = join(path, key)
        if key == "enabled":
            values[key] = checker.boolean(value, where)
        elif key in ("kid", "certificate_credential", "client_id"):
            values[key] = checker.optional_text(value, where)
        else:
            values[key] = checker.text(value, where)
        if values[key] is None and key in ("enabled", "key_credential", "issuer"):
            del values[key]
    settings = MaskinportenSettings(**values)
    if (urlsplit(settings.issuer).hostname or "").lower() in PRODUCTION_HOSTS:
        checker.problem(
            entries.get("issuer", (node, node))[1],
            join(path, "issuer"),
            "the authenticated probe runs only against test Maskinporten",
            "use https://test.maskinporten.no/",
        )
    if settings.enabled and not settings.client_id:
        checker.problem(node, path, "enabled without client_id", "add client_id (the integration's id)")
    if settings.enabled and not settings.certificate_credential and not settings.kid:
        checker.problem(node, path, "needs certificate_credential (x5c) or kid", "add one of them")
    return settings
