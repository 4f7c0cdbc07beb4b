"""Typed configuration, as `config.py` reads it from `rules.yaml`.

Only these objects leave `config.py`; no raw dicts travel further. Secrets are never stored
here, only references to them ("env:NAME" or "cred:NAME"), resolved by `secrets.py` at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Literal

from monitor.model import Category, Environment
from monitor.texts import Language

ChannelKind = Literal["slack_webhook", "slack_bot", "teams", "email"]
SourceKind = Literal["atom", "listing", "status_feed", "statuspage_api", "betterstack", "docpage", "openapi"]


#: Sent the moment they are classified, whatever the hour; a channel can only add to these.
URGENT_CATEGORIES: frozenset[Category] = frozenset({"downtime", "error", "resolved"})


@dataclass(frozen=True)
class DeliverySchedule:
    """When a channel takes the categories that can wait (`info`, `api_change`).

    `quiet_start`-`quiet_end` (Europe/Oslo, may pass midnight): held until the quiet hours end on
    the next working day. `digest_at`: collected into one message at that time on working days.
    Weekends and Norwegian public holidays count as quiet all day. `urgent` always goes out at once.
    An open error or downtime gets a reminder after every `remind_after_hours` of working time.
    """

    quiet_start: time | None = None
    quiet_end: time | None = None
    digest_at: time | None = None
    urgent: frozenset[Category] = URGENT_CATEGORIES
    remind_after_hours: float = 4.0  # working hours between "[Fortsatt]" reminders; 0: none

    @property
    def holds_anything(self) -> bool:
        return self.quiet_start is not None or self.digest_at is not None


@dataclass(frozen=True)
class ChannelConfig:
    """One place alerts go. `secret` is a reference: webhook URL (slack_webhook, teams) or bot token.

    `target`: the Slack channel id for slack_bot. `to`: recipients for email.
    `categories` / `environments`: None means all. `fallback`: the name of another channel of the
    same kommune used when this one is dead-lettered.
    """

    name: str
    kind: ChannelKind
    secret: str | None = None
    target: str | None = None
    to: tuple[str, ...] = ()
    categories: frozenset[Category] | None = None
    environments: frozenset[Environment] | None = None
    fallback: str | None = None
    line: int = 0
    schedule: DeliverySchedule = field(default_factory=DeliverySchedule)


@dataclass(frozen=True)
class KommuneConfig:
    """A subscribed kommune. `apis` is the union of its rettighetspakker's APIs and explicit ones."""

    number: str
    name: str
    rettighetspakker: tuple[str, ...]
    apis: tuple[str, ...]
    channels: tuple[ChannelConfig, ...]
    categories: frozenset[Category] | None = None
    environments: frozenset[Environment] | None = None
    line: int = 0
    malform: Language = "nb"  # `målform`: the written standard of every text it gets


@dataclass(frozen=True)
class SourceConfig:
    """A polled URL. `api` ties a docpage/openapi source to the kommune API it documents."""

    name: str
    kind: SourceKind
    url: str
    interval_seconds: int = 600
    jitter_seconds: int = 60
    api: str | None = None
    enabled: bool = True
    line: int = 0


@dataclass(frozen=True)
class SmtpConfig:
    """The outgoing mail server. `security`: "ssl" (465), "starttls" (587) or "none" (loopback only)."""

    host: str = "localhost"
    port: int = 587
    security: Literal["ssl", "starttls", "none"] = "starttls"
    username: str | None = None
    password: str | None = None  # a secret reference
    sender: str = "driftsvarsel@localhost"
    ca_file: str | None = None


@dataclass(frozen=True)
class Settings:
    """Global settings. Paths are absolute after loading."""

    state_dir: Path = Path("/var/lib/driftsvarsel")
    database: Path = Path("/var/lib/driftsvarsel/driftsvarsel.db")
    baseline_alert_days: int = 0
    request_timeout_seconds: float = 20.0
    max_body_bytes: int = 5_000_000
    give_up_hours: float = 24.0
    slack_api_url: str = "https://slack.com/api/"
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    metrics_listen: str | None = None  # "127.0.0.1:9464"
    healthz_max_age_seconds: int = 3600
    log_format: Literal["text", "json"] = "text"
    heartbeat_hour: int | None = None  # local hour of a daily heartbeat to the admin route
    status_source_max_silence: int = 120  # days a status source may yield no incident before a warning
    web_listen: str | None = None  # "127.0.0.1:8080": the read-only status page (monitor/web)
    # Domains besides the source's own (and Skatteetaten's) that redirects and notice links may lead to.
    trusted_hosts: tuple[str, ...] = ()
    max_new_per_poll: int = 20  # more new notices than this from one source in one poll: a storm
    network_check_url: str | None = None  # known-good reference for "our own network is down"


@dataclass(frozen=True)
class MaskinportenSettings:
    """The optional authenticated probe (test environment only; see monitor/maskinporten.py).

    `key_credential` / `certificate_credential` are file names in $CREDENTIALS_DIRECTORY (systemd
    LoadCredential=). Either the certificate (sent as x5c) or `kid` identifies the key.
    """

    enabled: bool = False
    client_id: str | None = None
    issuer: str = "https://test.maskinporten.no/"
    key_credential: str = "maskinporten-key.pem"
    certificate_credential: str | None = "maskinporten-cert.pem"
    kid: str | None = None


@dataclass(frozen=True)
class ProbeSettings:
    """Health probes of the API hosts kommuner use (monitor/probeplan.py, monitor/probes.py).

    `base_urls` overrides a base URL per (api, environment); api "maskinporten" is the issuer
    host. `test_paths` are authenticated-probe paths with synthetic test data, per api.
    `ca_file` is an extra trust store (tests). Thresholds are consecutive probe results.
    """

    enabled: bool = True
    interval_seconds: int = 300
    jitter_seconds: int = 30
    timeout_seconds: float = 10.0
    failure_threshold: int = 3
    success_threshold: int = 2
    environments: tuple[Literal["prod", "test"], ...] = ("prod",)
    base_urls: dict[tuple[str, str], str] = field(default_factory=dict)
    test_paths: dict[str, str] = field(default_factory=dict)
    ca_file: str | None = None
    cert_warning_days: tuple[int, ...] = (14, 7)
    keep_days: int = 30
    maskinporten: MaskinportenSettings = field(default_factory=MaskinportenSettings)


@dataclass(frozen=True)
class Rules:
    """Everything `rules.yaml` says, validated. `path` is the file it came from."""

    path: Path
    settings: Settings
    sources: tuple[SourceConfig, ...]
    kommuner: tuple[KommuneConfig, ...]
    admin: tuple[ChannelConfig, ...]
    vocabulary: dict[str, tuple[str, ...]] = field(default_factory=dict)
    probes: ProbeSettings = field(default_factory=ProbeSettings)
    #: Status-page component name → kommune API ids, beyond monitor/catalogue/components.py.
    components: dict[str, tuple[str, ...]] = field(default_factory=dict)
    admin_malform: Language = "nb"  # `admin: {målform: nn}`: the admin route's written standard

    def language_of(self, kommune_number: str) -> Language:
        """The målform of kommune `kommune_number` ("admin": the admin route's); bokmål if unknown."""
        if kommune_number == "admin":
            return self.admin_malform
        for kommune in self.kommuner:
            if kommune.number == kommune_number:
                return kommune.malform
        return "nb"
