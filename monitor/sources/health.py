"""`driftsvarsel sources check`: what one fetch of a source shows, and whether it looks alive.

`check_result(source, result, now, ...)` reads one FetchResult with the source's parser and says
what it found: format, entry count, newest entry and its date, the HTTP caching headers, and the
status-page components no API is mapped to. Problems (the fetch or the parse failed) and warnings
(a status source that has shown no incident or maintenance for `max_silence_days`: the sign that
its format changed under us) are plain English sentences for the admin. Pure: `now` is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from monitor.catalogue.components import unmapped
from monitor.config.types import Rules, SourceConfig
from monitor.model import FetchResult, Notice
from monitor.sources import SourceFormatError, describe_body, parse_body

STATUS_KINDS = ("status_feed", "statuspage_api", "betterstack")
_NEVER = datetime.min.replace(tzinfo=UTC)
_COMPONENTS_LINE = "Berørte tjenester: "


@dataclass(frozen=True)
class SourceCheck:
    """One source's check. `newest` is the newest entry's title; `newest_at` its date."""

    name: str
    kind: str
    url: str
    status: int | None
    format: str
    entries: int = 0
    newest: str | None = None
    newest_at: datetime | None = None
    caching: tuple[str, ...] = ()
    unmapped_components: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def check_sources(
    rules: Rules, now: datetime, get: Callable[[SourceConfig], FetchResult]
) -> list[SourceCheck]:
    """One check per enabled source, in the rules' order; `get` fetches a source unconditionally."""
    silence = rules.settings.status_source_max_silence
    return [
        check_result(source, get(source), now, max_silence_days=silence, components=rules.components)
        for source in rules.sources
        if source.enabled
    ]


def check_result(
    source: SourceConfig,
    result: FetchResult,
    now: datetime,
    *,
    max_silence_days: int = 120,
    components: Mapping[str, tuple[str, ...]] | None = None,
) -> SourceCheck:
    """The check of one source from one (unconditional) fetch result."""
    caching = _caching(result)
    base = SourceCheck(source.name, source.kind, source.url, result.status, "-", caching=caching)
    if result.error:
        return _replace(
            base, format="no answer" if result.status is None else "error", problems=(result.error,)
        )
    try:
        notices = parse_body(result.body, source, result.content_type)
    except SourceFormatError as error:
        found = describe_body(result.body, result.content_type)
        return _replace(base, format=found, problems=(str(error),))
    newest = max(notices, key=_moment, default=None)
    newest_at = _moment(newest) if newest is not None else None
    check = _replace(
        base,
        format=f"{source.kind} ({result.content_type or 'no Content-Type'})",
        entries=len(notices),
        newest=newest.title if newest else None,
        newest_at=newest_at if newest_at != _NEVER else None,
        unmapped_components=tuple(unmapped(component_names(notices), components)),
    )
    if source.kind in STATUS_KINDS:
        return _replace(check, warnings=_silence(check, now, max_silence_days))
    return check


def component_names(notices: list[Notice]) -> list[str]:
    """The component names status notices list on their "Berørte tjenester:" line."""
    names: list[str] = []
    for notice in notices:
        for line in notice.text.splitlines():
            if line.startswith(_COMPONENTS_LINE):
                names += [
                    name.strip() for name in line.removeprefix(_COMPONENTS_LINE).split(",") if name.strip()
                ]
    return names


def _silence(check: SourceCheck, now: datetime, days: int) -> tuple[str, ...]:
    limit = now - timedelta(days=days)
    if check.newest_at is not None and check.newest_at >= limit:
        return ()
    seen = "no incident or maintenance at all" if check.newest_at is None else (
        f"no incident or maintenance since {check.newest_at:%Y-%m-%d}"
    )  # fmt: skip
    return (
        f"{seen} (more than status_source_max_silence = {days} days): check that the status page still "
        "serves this format (`driftsvarsel sources discover URL`)",
    )


def _moment(notice: Notice | None) -> datetime:
    if notice is None:
        return _NEVER
    moment = notice.updated or notice.published
    return moment if moment is not None else _NEVER


def _caching(result: FetchResult) -> tuple[str, ...]:
    headers = [
        ("ETag", result.etag),
        ("Last-Modified", result.last_modified),
        ("Cache-Control", result.cache_control),
    ]
    return tuple(f"{name}: {value}" for name, value in headers if value)


def _replace(check: SourceCheck, **changes: object) -> SourceCheck:
    return replace(check, **changes)  # type: ignore[arg-type]


def render(checks: list[SourceCheck]) -> str:
    """The report `driftsvarsel sources check` prints, one block per source."""
    lines: list[str] = []
    for check in checks:
        lines.append(f"{check.name} ({check.kind}) {check.url}")
        lines.append(
            f"  answer: {check.status if check.status is not None else 'none'}; format: {check.format}"
        )
        if not check.problems:
            when = f"{check.newest_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if check.newest_at else "no date"
            newest = f"{check.newest!r} ({when})" if check.newest else "none"
            lines.append(f"  entries: {check.entries}; newest: {newest}")
            lines.append(
                f"  caching: {', '.join(check.caching) or 'no ETag, Last-Modified or Cache-Control'}"
            )
        if check.unmapped_components:
            names = ", ".join(check.unmapped_components)
            fix = "map them under `components:` in rules.yaml, [] for none"
            lines.append(f"  components with no API: {names} ({fix})")
        lines += [f"  PROBLEM: {problem}" for problem in check.problems]
        lines += [f"  WARNING: {warning}" for warning in check.warnings]
    failing = sum(1 for check in checks if check.problems)
    warned = sum(1 for check in checks if check.warnings)
    lines.append(f"{len(checks)} sources checked: {failing} with problems, {warned} with warnings")
    return "\n".join(lines)
