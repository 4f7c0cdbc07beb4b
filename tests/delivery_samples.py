"""Alerts and settings for the render/deliver tests (plain constructors, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from monitor.config.types import ChannelConfig, Settings, SmtpConfig
from monitor.model import Alert, Category, Change, ChangeKind, Classification, Environment, Notice, Window

WINDOW = Window("2022-04-23T16:00", "2022-05-02T07:00")
LINK = "https://skatteetaten.github.io/api-dokumentasjon/nyheter-og-driftsvarsler/2022/04/19/planlagt-nedetid"


def make_notice(
    title: str = "Nedetid på tjenester 23.04", text: str = "Inntekt API er utilgjengelig."
) -> Notice:
    return Notice(
        source="skatteetaten-atom",
        notice_id=LINK,
        title=title,
        text=text,
        link=LINK,
        published=datetime(2022, 4, 19, 7, 30, tzinfo=UTC),
    )


def make_alert(
    *,
    title: str = "Nedetid på tjenester 23.04",
    text: str = "Inntekt API er utilgjengelig lørdag 23.04 fra kl. 16:00.",
    kind: ChangeKind = "new",
    previous_title: str | None = None,
    category: Category = "downtime",
    planned: bool | None = True,
    apis: tuple[str, ...] = ("inntekt", "summertskattegrunnlag"),
    environment: Environment = "prod",
    window: Window | None = WINDOW,
    reasons: tuple[str, ...] = (
        "«utilgjengelig» i teksten",
        "«nedetid» i tittelen",
        "dato i teksten",
        "fjerde",
    ),
    version: int = 1,
) -> Alert:
    notice = make_notice(title, text)
    previous = None if previous_title is None else make_notice(previous_title, text)
    change = Change(kind=kind, notice=notice, version=version, previous=previous)
    classification = Classification(category, planned, apis, environment, window, reasons)
    return Alert(
        key=f"{notice.source}:{notice.notice_id}#v{version}|3301|drift-slack",
        kommune_number="3301",
        kommune_name="Drammen",
        channel="drift-slack",
        change=change,
        classification=classification,
        why=("Inntekt API via rettighetspakke kommuneBoligsosialeFormaal",),
    )


def settings(**smtp: object) -> Settings:
    return Settings(state_dir=Path("/tmp"), database=Path("/tmp/x.db"), smtp=SmtpConfig(**smtp))


def channel(kind: str, **values: object) -> ChannelConfig:
    return ChannelConfig(name=f"test-{kind}", kind=kind, **values)
