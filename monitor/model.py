"""Plain, frozen data passed between the pipeline stages.

Every stage takes and returns these types; none of them does I/O. Times are timezone-aware
(`datetime` with tzinfo) unless a field says otherwise. Notice windows are Europe/Oslo local
wall-clock strings ("YYYY-MM-DDTHH:MM"), exactly as `shared/labels/GUIDE.md` defines them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Category = Literal["downtime", "error", "resolved", "api_change", "info"]
Environment = Literal["prod", "test", "both", "unspecified"]
ChangeKind = Literal["new", "edited", "removed"]

#: Precedence used when several categories fit (GUIDE.md): the first that holds wins.
CATEGORIES: tuple[Category, ...] = ("resolved", "downtime", "error", "api_change", "info")
ENVIRONMENTS: tuple[Environment, ...] = ("prod", "test", "both", "unspecified")

#: The kommune APIs, by id (GUIDE.md, "apis").
KOMMUNE_APIS: tuple[str, ...] = (
    "beregnetskatt",
    "formuesgrunnlageiendomsskatt",
    "inntekt",
    "spesifisertsummertskattegrunnlag",
    "summertskattegrunnlag",
)
ALL_APIS = "*"
#: Reasons the classifier gives that others read back (monitor.classify.blend, monitor.deliver.why):
#: a quiet reading of a notice that says there is no downtime, and unavailable data read as an error.
REASON_NO_DOWNTIME = "the notice says there is no downtime"
REASON_DATA_MISSING = "data missing while the API answers normally"
#: An open status-page chain keeps the incident its prose tells: structure, which no model overrules.
REASON_STILL_OPEN = "not over yet"


@dataclass(frozen=True)
class FetchResult:
    """The outcome of one HTTP GET. Never raised: a network failure is `error` with `status` None.

    `not_modified` is True for a 304 answer to a conditional GET (then `body` is empty).
    `error` is a short human sentence ("timed out after 10 s", "HTTP 503", "body over 5 MB cap")
    and is None when the body can be parsed.
    """

    url: str
    status: int | None
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    retry_after: float | None = None
    elapsed_ms: float = 0.0
    cache_control: str | None = None
    error: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class Window:
    """A downtime window in Europe/Oslo local time, "YYYY-MM-DDTHH:MM"; a part not stated is None."""

    start: str | None
    end: str | None


@dataclass(frozen=True)
class Notice:
    """One item read from a source: a post, a status-page incident, a documentation section.

    `notice_id` is stable across polls (Atom entry id, post URL, incident id). `text` is the body
    as plain text or markdown; struck-through text stays marked as `~~...~~` so the classifier
    can ignore it. `published` / `updated` are aware datetimes or None when the source has none.
    `window` is a downtime window the source states as data (a status page's scheduled
    maintenance); the classifier prefers it to one read from the text.
    """

    source: str
    notice_id: str
    title: str
    text: str
    link: str
    published: datetime | None = None
    updated: datetime | None = None
    tags: tuple[str, ...] = ()
    window: Window | None = None

    def content_hash(self) -> str:
        """A digest of what a reader sees (title and text, whitespace-folded): equal hash, no edit."""
        folded = " ".join(self.title.split()) + "\n" + " ".join(self.text.split())
        return hashlib.sha256(folded.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Change:
    """A difference between the stored history and a fresh poll of one source.

    `version` is the notice's version number after the change (1 for a new notice). For
    `removed`, `notice` is the last stored version and `version` is unchanged.
    """

    kind: ChangeKind
    notice: Notice
    version: int
    previous: Notice | None = None


@dataclass(frozen=True)
class Classification:
    """What a notice is about. `apis` is sorted; `("*",)` means every kommune API, `()` none.

    `reasons` says which terms or rules fired, in plain words, for `--explain` and alert footers.
    """

    category: Category
    planned: bool | None
    apis: tuple[str, ...]
    environment: Environment
    window: Window | None
    reasons: tuple[str, ...] = ()
    #: Fields the classifier is unsure of ("category", "apis", "environment"); the rest are sure.
    unsure: frozenset[str] = frozenset()
    #: When unsure of `apis`: the other APIs it may concern; alerts go to the union (`routed_apis`).
    api_candidates: tuple[str, ...] = ()
    #: When unsure between an incident and info: the incident category it may be, routed as well.
    alternative: Category | None = None
    #: Set when an admin corrected the classification (`driftsvarsel correct`).
    corrected: bool = False

    def confidence(self, name: str) -> Literal["high", "low"]:
        """The classifier's confidence in one field."""
        return "low" if name in self.unsure else "high"

    @property
    def routed_apis(self) -> tuple[str, ...]:
        """The APIs alerts go to: `apis`, widened by the candidates when unsure (never narrowed)."""
        if not self.api_candidates or ALL_APIS in self.apis:
            return self.apis
        if ALL_APIS in self.api_candidates:
            return (ALL_APIS,)
        return tuple(sorted(set(self.apis) | set(self.api_candidates)))

    def as_label(self, notice_id: str) -> dict[str, object]:
        """The GUIDE.md label object (the `driftsvarsel classify` output line)."""
        window = None if self.window is None else {"start": self.window.start, "end": self.window.end}
        return {
            "id": notice_id,
            "category": self.category,
            "planned": self.planned,
            "apis": list(self.apis),
            "environment": self.environment,
            "window": window,
        }


@dataclass(frozen=True)
class Alert:
    """One message owed to one channel of one kommune (or of the admin route).

    `key` is the idempotency key: "<source>:<notice_id>#v<version>|<kommune>|<channel>".
    `why` lists, in Norwegian, why this kommune got it ("Inntekt API via rettighetspakke
    kommuneBoligsosialeFormaal"). `thread_key` names the alert this one follows up (a resolution
    posted as a reply to the opening notice), or None.
    """

    key: str
    kommune_number: str
    kommune_name: str
    channel: str
    change: Change
    classification: Classification
    why: tuple[str, ...] = ()
    thread_key: str | None = None
    language: str = "nb"  # the kommune's målform (rules.yaml `målform`): "nb" or "nn"


@dataclass(frozen=True)
class Message:
    """A channel-neutral alert, already written in Norwegian; each channel escapes and formats it.

    `fields` are label/value pairs ("Kategori", "Nedetid"), `body` is the notice text (untrusted),
    `footer` is the short explanation of the classification and routing.
    """

    subject: str
    headline: str
    fields: tuple[tuple[str, str], ...]
    body: str
    link: str | None
    footer: str
    message_id: str
    in_reply_to: str | None = None
    language: str = "nb"  # the kommune's målform, "nb" or "nn": the channel's own words follow it


@dataclass(frozen=True)
class DeliveryResult:
    """What a channel answered. `permanent` failures (400/403/404/410) are not retried.

    `thread_ref` is what a later reply needs (Slack message ts, email Message-ID), or None.
    `detail` is a human sentence and never contains a secret (webhook URLs, tokens).
    """

    ok: bool
    status: int | None
    detail: str
    permanent: bool = False
    retry_after: float | None = None
    thread_ref: str | None = None


@dataclass(frozen=True)
class ProbeResult:
    """One health probe of one API host. `state` is "up", "down" or "misconfigured"."""

    api: str
    environment: Environment
    url: str
    state: Literal["up", "down", "misconfigured"]
    checked_at: datetime
    latency_ms: float | None
    status: int | None
    detail: str
    cert_expires: datetime | None = None
    reasons: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class StoredNotice:
    """The stored state of one notice: its latest version, that version's hash, whether removed."""

    notice: Notice
    version: int
    content_hash: str
    removed: bool = False


StateName = Literal["unknown", "up", "down", "misconfigured"]
OUTAGE_STATES: frozenset[str] = frozenset({"down", "misconfigured"})
DISPLAY = {"unknown": "ukjent", "up": "oppe", "down": "nede", "misconfigured": "feilkonfigurert"}


@dataclass(frozen=True)
class TargetState:
    """What we believe about one (api, environment), plus the counters that get us there.

    `since`: when the current state began (for an outage: the first failing probe).
    `announced_by`: key of the notice covering the current outage. `outage_alerted`: whether
    kommuner were told about it (then the recovery is alerted too). `outage_id`: the transition
    id that opened it. `sequence`: the last transition id used.
    """

    api: str
    environment: str
    state: StateName = "unknown"
    since: datetime | None = None
    failures: int = 0
    successes: int = 0
    first_failure_at: datetime | None = None
    announced_by: str | None = None
    outage_alerted: bool = False
    outage_id: int | None = None
    sequence: int = 0
    last_checked_at: datetime | None = None
    last_latency_ms: float | None = None
    last_detail: str = ""
    cert_expires: datetime | None = None

    @property
    def in_outage(self) -> bool:
        return self.state in OUTAGE_STATES

    @property
    def display(self) -> str:
        """For people: "oppe", "nede", "varslet nedetid", "feilkonfigurert" or "ukjent"."""
        if self.in_outage and self.announced_by is not None:
            return "varslet nedetid"
        return DISPLAY[self.state]
