"""The `settings:` and `sources:` sections of rules.yaml, and the built-in default sources.

Paths: a relative `state_dir` is relative to the rules file's directory; `database` and other
state files are relative to `state_dir`. Without `state_dir`, `$STATE_DIRECTORY` (set by systemd's
`StateDirectory=`) is used, else /var/lib/driftsvarsel.
"""

from __future__ import annotations

import ipaddress
import re
import ssl
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Literal, cast
from urllib.parse import urlsplit

from yaml.nodes import Node

from monitor.config.channels import EMAIL_PATTERN, secret_reference
from monitor.config.parse import Checker, is_null, join
from monitor.config.types import Settings, SmtpConfig, SourceConfig, SourceKind
from monitor.model import KOMMUNE_APIS

DEFAULT_STATE_DIR = Path("/var/lib/driftsvarsel")
DEFAULT_DATABASE = "driftsvarsel.db"
SOURCE_KINDS: tuple[SourceKind, ...] = (
    "atom",
    "listing",
    "status_feed",
    "statuspage_api",
    "betterstack",
    "docpage",
    "openapi",
)
API_SOURCE_KINDS = ("docpage", "openapi")
MIN_INTERVAL_SECONDS = 60
MIN_LOOPBACK_INTERVAL_SECONDS = 1
#: A week: longer intervals are typos, and far larger ones overflow the scheduler's dates.
MAX_INTERVAL_SECONDS = 7 * 24 * 3600
SOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")

_NEWS = "https://skatteetaten.github.io/api-dokumentasjon/nyheter-og-driftsvarsler"
_STATUS = "https://status.skatteetaten.no/api/v2"
#: Used when rules.yaml has no `sources:` section. The status page's platform is not confirmed
#: (shared/reference/status-pages.md); rules.yaml documents how to switch to its history feed.
DEFAULT_SOURCES: tuple[SourceConfig, ...] = (
    SourceConfig(name="nyheter-atom", kind="atom", url=f"{_NEWS}/atom.xml", interval_seconds=600),
    SourceConfig(
        name="nyheter-listing", kind="listing", url=_NEWS, interval_seconds=3600, jitter_seconds=300
    ),
    SourceConfig(
        name="status-incidents",
        kind="statuspage_api",
        url=f"{_STATUS}/incidents.json",
        interval_seconds=300,
        jitter_seconds=30,
    ),
    SourceConfig(
        name="status-maintenances",
        kind="statuspage_api",
        url=f"{_STATUS}/scheduled-maintenances.json",
        interval_seconds=900,
    ),
)

SETTINGS_KEYS = (
    "state_dir",
    "database",
    "baseline_alert_days",
    "request_timeout_seconds",
    "max_body_bytes",
    "give_up_hours",
    "slack_api_url",
    "smtp",
    "metrics_listen",
    "healthz_max_age_seconds",
    "log_format",
    "heartbeat_hour",
    "status_source_max_silence",
    "web_listen",
    "trusted_hosts",
    "max_new_per_poll",
    "network_check_url",
)
SMTP_KEYS = ("host", "port", "security", "username", "password", "sender", "ca_file")
SOURCE_KEYS = ("name", "kind", "url", "interval_seconds", "jitter_seconds", "api", "enabled")


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(checker: Checker, node: Node, path: str) -> str | None:
    """An https URL (http only for 127.0.0.1 / localhost, for tests and the demo)."""
    url = checker.text(node, path)
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number in 0-65535
    except ValueError as error:
        checker.problem(
            node, path, f"'{url}' is not a valid web address ({error})", "write https://host/path"
        )
        return None
    if parts.scheme not in ("https", "http") or not parts.hostname or any(c.isspace() for c in url):
        checker.problem(node, path, f"'{url}' is not a web address", "write https://host/path")
        return None
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        checker.problem(node, path, "plain http is only allowed for 127.0.0.1 or localhost", "use https://")
        return None
    return url


def state_dir_default(environ: Mapping[str, str]) -> Path:
    """`$STATE_DIRECTORY` (its first entry: systemd joins several with ':') or /var/lib/driftsvarsel."""
    value = environ.get("STATE_DIRECTORY", "").split(":")[0]
    return Path(value) if value else DEFAULT_STATE_DIR


def parse_settings(checker: Checker, node: Node | None, base: Path, environ: Mapping[str, str]) -> Settings:
    """Settings with absolute paths; `base` is the rules file's directory."""
    settings = Settings(state_dir=state_dir_default(environ))
    entries = {} if node is None or is_null(node) else checker.mapping(node, "settings", SETTINGS_KEYS) or {}
    values: dict[str, object] = {}
    for key, (_, value) in entries.items():
        path = join("settings", key)
        read = _SETTING_READERS.get(key)
        if read is not None:
            parsed = read(checker, value, path)
            if parsed is not None:
                values[key] = parsed
    state_dir = values.pop("state_dir", None)
    if isinstance(state_dir, str):
        settings = replace(settings, state_dir=(base / state_dir).absolute())
    database = values.pop("database", DEFAULT_DATABASE)
    settings = replace(settings, database=settings.state_dir / str(database))
    if "smtp" in entries:
        values["smtp"] = parse_smtp(checker, entries["smtp"][1], "settings.smtp", base)
    return replace(settings, **values)  # type: ignore[arg-type]


def _text(checker: Checker, node: Node, path: str) -> str | None:
    return checker.text(node, path)


def _listen(checker: Checker, node: Node, path: str) -> str | None:
    value = checker.text(node, path)
    if value is None:
        return None
    host, _, port = value.rpartition(":")
    bracketed = host.startswith("[") or host.endswith("]")
    if bracketed and not (host.startswith("[") and host.endswith("]") and len(host) > 2):
        host = ""  # an IPv6 address is written [::1]:9464
    if not host or not port.isdigit() or not 0 <= int(port) < 65536:
        checker.problem(node, path, f"'{value}' is not host:port", "for example 127.0.0.1:9464")
        return None
    return value


def _slack_api(checker: Checker, node: Node, path: str) -> str | None:
    url = check_url(checker, node, path)
    return None if url is None else url.rstrip("/") + "/"


_SETTING_READERS: dict[str, Callable[[Checker, Node, str], object]] = {
    "state_dir": _text,
    "database": _text,
    "baseline_alert_days": lambda c, n, p: c.integer(n, p, minimum=0, maximum=3650),
    "request_timeout_seconds": lambda c, n, p: c.number(n, p, minimum=1, maximum=300),
    "max_body_bytes": lambda c, n, p: c.integer(n, p, minimum=1024, maximum=1_000_000_000),
    "give_up_hours": lambda c, n, p: c.number(n, p, minimum=0.1, maximum=24 * 365),
    "slack_api_url": _slack_api,
    "metrics_listen": _listen,
    "healthz_max_age_seconds": lambda c, n, p: c.integer(n, p, minimum=60, maximum=MAX_INTERVAL_SECONDS),
    "log_format": lambda c, n, p: c.choice(n, p, ("text", "json")),
    "heartbeat_hour": lambda c, n, p: None if is_null(n) else c.integer(n, p, minimum=0, maximum=23),
    "status_source_max_silence": lambda c, n, p: c.integer(n, p, minimum=1, maximum=3650),
    "web_listen": _listen,
    "trusted_hosts": lambda c, n, p: _hosts(c, n, p),
    "max_new_per_poll": lambda c, n, p: c.integer(n, p, minimum=1, maximum=1_000_000),
    "network_check_url": check_url,
}


_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$")


def _hosts(checker: Checker, node: Node, path: str) -> tuple[str, ...] | None:
    """A list of domain names (a redirect or link to one of them or a subdomain is trusted)."""
    items = checker.sequence(node, path, allow_scalar=True)
    if items is None:
        return None
    hosts: list[str] = []
    for index, item in enumerate(items):
        value = checker.text(item, f"{path}[{index}]")
        if value is None:
            continue
        host = value.strip().strip(".").lower()
        if not _HOST.match(host):
            checker.problem(
                item, f"{path}[{index}]", f"'{value}' is not a domain name", "write e.g. example.no"
            )
            continue
        hosts.append(host)
    return tuple(hosts)


def parse_smtp(checker: Checker, node: Node, path: str, base: Path) -> SmtpConfig:
    smtp = SmtpConfig()
    entries = checker.mapping(node, path, SMTP_KEYS, required=("host", "sender"))
    if entries is None:
        return smtp
    get = {key: value for key, (_, value) in entries.items()}
    host = checker.text(get["host"], join(path, "host")) if "host" in get else None
    port = checker.integer(get["port"], join(path, "port"), 1, 65535) if "port" in get else None
    security = (
        checker.choice(get["security"], join(path, "security"), ("ssl", "starttls", "none"))
        if ("security" in get)
        else None
    )
    if security == "none" and host is not None and not is_loopback(host):
        checker.problem(
            get["security"],
            join(path, "security"),
            "unencrypted SMTP is only allowed to 127.0.0.1",
            "use starttls (port 587) or ssl (port 465)",
        )
    username = checker.optional_text(get.get("username"), join(path, "username"))
    password = None
    if "password" in get:
        password = secret_reference(
            checker, get["password"], join(path, "password"), "password", "SMTP_PASSWORD"
        )
    if (username is None) != ("password" not in get):
        checker.problem(node, path, "username and password go together", "give both, or neither")
    sender = checker.text(get["sender"], join(path, "sender")) if "sender" in get else None
    if sender is not None and not EMAIL_PATTERN.fullmatch(sender):
        checker.problem(get["sender"], join(path, "sender"), f"'{sender}' is not an email address")
    ca_file = ca_file_path(checker, get.get("ca_file"), join(path, "ca_file"), base)
    default_port = {"ssl": 465, "none": 25}.get(security or "starttls", 587)
    return SmtpConfig(
        host=host or smtp.host,
        port=port or default_port,
        security=cast(Literal["ssl", "starttls", "none"], security or smtp.security),
        username=username,
        password=password,
        sender=sender or smtp.sender,
        ca_file=ca_file,
    )


def ca_file_path(checker: Checker, node: Node | None, path: str, base: Path) -> str | None:
    """The absolute path of an existing CA bundle (relative to `base`, the rules file's directory)."""
    name = checker.optional_text(node, path)
    if name is None or node is None:
        return None
    ca_file = (base / name).absolute()
    if not ca_file.is_file():
        problem = "is a directory" if ca_file.is_dir() else "does not exist"
        checker.problem(
            node,
            path,
            f"{ca_file} {problem}",
            "give a PEM file of CA certificates, relative to this rules file",
        )
        return None
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=ca_file)
    except (ssl.SSLError, OSError) as error:
        checker.problem(
            node,
            path,
            f"{ca_file} cannot be read as CA certificates ({error})",
            "give a PEM file of CA certificates",
        )
        return None
    return str(ca_file)


def parse_sources(checker: Checker, node: Node) -> tuple[SourceConfig, ...]:
    items = checker.sequence(node, "sources")
    if items is None:
        return ()
    if not items:
        checker.problem(node, "sources", "no sources", "remove the key to use the built-in defaults")
    sources: dict[str, SourceConfig] = {}
    for index, item in enumerate(items):
        source = parse_source(checker, item, f"sources[{index}]")
        if source is None:
            continue
        if source.name in sources:
            first = sources[source.name].line
            checker.problem(
                item,
                f"sources[{index}].name",
                f"'{source.name}' is used twice (first at line {first})",
                "source names key the stored history: keep them unique",
            )
            continue
        sources[source.name] = source
    return tuple(sources.values())


def parse_source(checker: Checker, node: Node, path: str) -> SourceConfig | None:
    entries = checker.mapping(node, path, SOURCE_KEYS, required=("name", "kind", "url"))
    if entries is None:
        return None
    get = {key: value for key, (_, value) in entries.items()}
    name = checker.text(get["name"], join(path, "name")) if "name" in get else None
    if name is not None and not SOURCE_NAME.fullmatch(name):
        checker.problem(
            get["name"],
            join(path, "name"),
            f"'{name}' is not a simple name",
            "lower-case letters, digits, '-', '_' or '.'; no ':'",
        )
        name = None
    kind = checker.choice(get["kind"], join(path, "kind"), SOURCE_KINDS) if "kind" in get else None
    url = check_url(checker, get["url"], join(path, "url")) if "url" in get else None
    loopback = url is not None and is_loopback(urlsplit(url).hostname)
    minimum = MIN_LOOPBACK_INTERVAL_SECONDS if loopback else MIN_INTERVAL_SECONDS
    interval: int | None = 600
    if "interval_seconds" in get:
        interval = checker.integer(
            get["interval_seconds"], join(path, "interval_seconds"), minimum, MAX_INTERVAL_SECONDS
        )
    jitter: int | None = min(60, (interval or 600) // 10)
    if "jitter_seconds" in get:
        maximum = (interval or 600) - 1
        jitter = checker.integer(get["jitter_seconds"], join(path, "jitter_seconds"), 0, maximum)
    api, api_ok = None, True
    if "api" in get:
        api = checker.choice(get["api"], join(path, "api"), KOMMUNE_APIS, fold=True)
        api_ok = api is not None
        if kind is not None and kind not in API_SOURCE_KINDS:
            checker.problem(get["api"], join(path, "api"), "'api' is only for docpage and openapi sources")
            api_ok = False
    elif kind in API_SOURCE_KINDS:
        checker.problem(node, path, f"a {kind} source needs 'api'", "one of: " + ", ".join(KOMMUNE_APIS))
        api_ok = False
    enabled = checker.boolean(get["enabled"], join(path, "enabled")) if "enabled" in get else True
    if name is None or kind is None or url is None or interval is None or jitter is None or enabled is None:
        return None
    if not api_ok:
        return None
    return SourceConfig(
        name=name,
        kind=cast(SourceKind, kind),
        url=url,
        interval_seconds=interval,
        jitter_seconds=jitter,
        api=api,
        enabled=enabled,
        line=node.start_mark.line + 1,
    )
