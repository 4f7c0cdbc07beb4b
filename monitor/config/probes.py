"""The optional `probes:` section of rules.yaml → ProbeSettings (see monitor/probeplan.py).

Called by config.py with a Checker; every problem is recorded, nothing is raised. Probe intervals
are at least 60 s against Skatteetaten (its usage rules ask for restraint); only when every
probed host is overridden to 127.0.0.1 (tests, demo) may they be shorter.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from yaml.nodes import Node

from monitor.config.parse import Checker, is_null, join
from monitor.config.secrets import is_secret_ref
from monitor.config.settings import MAX_INTERVAL_SECONDS, ca_file_path, check_url, is_loopback
from monitor.config.types import MaskinportenSettings, ProbeSettings
from monitor.model import KOMMUNE_APIS

PROBE_KEYS = (
    "enabled",
    "interval_seconds",
    "jitter_seconds",
    "timeout_seconds",
    "failure_threshold",
    "success_threshold",
    "environments",
    "base_urls",
    "test_paths",
    "ca_file",
    "cert_warning_days",
    "keep_days",
    "maskinporten",
)
MASKINPORTEN_KEYS = ("enabled", "client_id", "issuer", "key_credential", "certificate_credential", "kid")
PROBE_ENVIRONMENTS = ("prod", "test")
PROBE_APIS = (*KOMMUNE_APIS, "maskinporten")
MIN_PROBE_INTERVAL_SECONDS = 60


def parse_probes(checker: Checker, node: Node, base: Path) -> ProbeSettings:
    """ProbeSettings from `probes:`; `base` (the rules file's directory) anchors a relative ca_file."""
    defaults = ProbeSettings()
    entries = checker.mapping(node, "probes", PROBE_KEYS)
    if entries is None:
        return defaults
    get = {key: value for key, (_, value) in entries.items()}
    values: dict[str, object] = {}

    def read(key: str, value: object) -> None:
        if value is not None:
            values[key] = value

    if "enabled" in get:
        read("enabled", checker.boolean(get["enabled"], "probes.enabled"))
    base_urls = _base_urls(checker, get["base_urls"]) if "base_urls" in get else {}
    read("base_urls", base_urls)
    loopback = bool(base_urls) and all(is_loopback(urlsplit(url).hostname) for url in base_urls.values())
    minimum = 1 if loopback else MIN_PROBE_INTERVAL_SECONDS
    interval = defaults.interval_seconds
    if "interval_seconds" in get:
        interval = (
            checker.integer(get["interval_seconds"], "probes.interval_seconds", minimum, MAX_INTERVAL_SECONDS)
            or interval
        )
        values["interval_seconds"] = interval
    for key, low, high in (
        ("jitter_seconds", 0, interval - 1),
        ("failure_threshold", 1, 100),
        ("success_threshold", 1, 100),
        ("keep_days", 1, 3650),
    ):
        if key in get:
            read(key, checker.integer(get[key], join("probes", key), low, high))
    if "timeout_seconds" in get:
        read("timeout_seconds", checker.number(get["timeout_seconds"], "probes.timeout_seconds", 1, 120))
    if "environments" in get:
        chosen = checker.choices(get["environments"], "probes.environments", PROBE_ENVIRONMENTS)
        read("environments", None if chosen is None else tuple(e for e in PROBE_ENVIRONMENTS if e in chosen))
    if "test_paths" in get:
        read("test_paths", _test_paths(checker, get["test_paths"]))
    if "ca_file" in get:
        read("ca_file", ca_file_path(checker, get["ca_file"], "probes.ca_file", base))
    if "cert_warning_days" in get:
        read("cert_warning_days", _days(checker, get["cert_warning_days"]))
    if "maskinporten" in get:
        read("maskinporten", parse_maskinporten(checker, get["maskinporten"]))
    return ProbeSettings(**values)  # type: ignore[arg-type]


def _base_urls(checker: Checker, node: Node) -> dict[tuple[str, str], str]:
    urls: dict[tuple[str, str], str] = {}
    for api, (_, per_environment) in (checker.mapping(node, "probes.base_urls", PROBE_APIS) or {}).items():
        path = join("probes.base_urls", api)
        for environment, (_, url_node) in (
            checker.mapping(per_environment, path, PROBE_ENVIRONMENTS) or {}
        ).items():
            url = check_url(checker, url_node, join(path, environment))
            if url is not None:
                urls[(api, environment)] = url
    return urls


def _test_paths(checker: Checker, node: Node) -> dict[str, str]:
    paths: dict[str, str] = {}
    for api, (_, value) in (checker.mapping(node, "probes.test_paths", KOMMUNE_APIS) or {}).items():
        text = checker.text(value, join("probes.test_paths", api))
        if text is not None:
            paths[api] = text.lstrip("/")
    return paths


def _days(checker: Checker, node: Node) -> tuple[int, ...] | None:
    items = checker.sequence(node, "probes.cert_warning_days", allow_scalar=True)
    if items is None:
        return None
    days = [
        checker.integer(item, f"probes.cert_warning_days[{index}]", 1, 365)
        for index, item in enumerate(items)
    ]
    if any(day is None for day in days):
        return None
    return tuple(sorted((day for day in days if day is not None), reverse=True))


def parse_maskinporten(checker: Checker, node: Node) -> MaskinportenSettings | None:
    path = "probes.maskinporten"
    entries = checker.mapping(node, path, MASKINPORTEN_KEYS)
    if entries is None:
        return None
    get = {key: value for key, (_, value) in entries.items()}
    defaults = MaskinportenSettings()
    enabled = checker.boolean(get["enabled"], join(path, "enabled")) if "enabled" in get else False
    client_id = checker.optional_text(get.get("client_id"), join(path, "client_id"))
    issuer = check_url(checker, get["issuer"], join(path, "issuer")) if "issuer" in get else defaults.issuer
    kid = checker.optional_text(get.get("kid"), join(path, "kid"))
    key_credential = _credential_name(checker, get.get("key_credential"), join(path, "key_credential"))
    certificate = defaults.certificate_credential
    if "certificate_credential" in get:
        certificate = _credential_name(
            checker, get["certificate_credential"], join(path, "certificate_credential")
        )
    if enabled and client_id is None:
        checker.problem(
            node,
            path,
            "enabled without client_id",
            "give the integration's client id from Samarbeidsportalen",
        )
    if enabled and certificate is None and kid is None:
        checker.problem(node, path, "enabled without certificate_credential or kid", "give one of them")
    return MaskinportenSettings(
        enabled=bool(enabled),
        client_id=client_id,
        issuer=issuer or defaults.issuer,
        key_credential=key_credential or defaults.key_credential,
        certificate_credential=certificate,
        kid=kid,
    )


def _credential_name(checker: Checker, node: Node | None, path: str) -> str | None:
    """A systemd credential file name (the key itself never goes in rules.yaml)."""
    if node is None or is_null(node):
        return None
    checker.secret_nodes.add(id(node))
    name = checker.text(node, path)
    if name is None:
        return None
    if not is_secret_ref(f"cred:{name}"):
        checker.problem(
            node,
            path,
            "expected the name of a systemd credential, e.g. maskinporten-key.pem",
            "put the PEM in a file loaded with LoadCredential=NAME:/path and write NAME here",
        )
        return None
    return name
