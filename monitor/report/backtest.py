"""The rules backtest: replay the stored notice history through some rules and the current
classifier, and compare what would have been queued per kommune and channel with what was.

Each stored version seen since `since` is replayed as the poll saw it: versions of a notice
another source carried first are skipped (only the first source alerts), a source's quiet first
poll alerts only what `settings.baseline_alert_days` allows, documentation sources keep their
stored classification (their diff decided it), and a resolution goes where the incident it
closes went in the replay (the `THREAD_LOOKBACK` before `since` is replayed to find those). What
"was" queued is every outbox row of that version, whatever its state (a silenced or dead row was
still routed); a fallback row counts for its fallback channel. Nothing is sent or written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils

from monitor.catalogue.kommuner import kommune_name
from monitor.classify import Vocabulary, classify
from monitor.config.types import Rules
from monitor.localtime import local_iso, local_time
from monitor.model import Change, Classification, Notice
from monitor.route.incidents import INCIDENT_CATEGORIES, THREAD_LOOKBACK
from monitor.route.recipients import ADMIN_NAME, ADMIN_NUMBER, route
from monitor.route.threads import find_opening
from monitor.store import ledger as ledger_store
from monitor.store.ledger import StoredVersion

#: Sources whose classification comes from their diff (monitor.docs.check), not the classifier.
DOC_KINDS = frozenset({"docpage", "openapi"})
Pair = tuple[str, str]  # (kommune number or "admin", channel)


@dataclass(frozen=True)
class Outcome:
    """One notice version in a comparison."""

    key: str
    version: int
    title: str
    category: str


@dataclass(frozen=True)
class ChannelDiff:
    kommune: str
    name: str
    channel: str
    actual: int
    would: int
    added: tuple[Outcome, ...]
    dropped: tuple[Outcome, ...]


@dataclass(frozen=True)
class Backtest:
    rules: Rules
    since: datetime
    versions: int
    channels: tuple[ChannelDiff, ...]


@dataclass
class _Replay:
    """What the replay has seen so far: incidents (for threading) and where each notice went."""

    incidents: dict[str, tuple[Notice, Classification, datetime]] = field(default_factory=dict)
    targets: dict[str, set[Pair]] = field(default_factory=lambda: defaultdict(set))


def backtest(
    db: sqlite_utils.Database, rules: Rules, *, since: datetime, vocabulary: Vocabulary | None
) -> Backtest:
    """Compare, per (kommune, channel), what `rules` would have queued since `since` with what was."""
    actual_items = ledger_store.items_by_version(db, since)
    kinds = {source.name: source.kind for source in rules.sources}
    replay = _Replay()
    would: dict[Pair, list[Outcome]] = defaultdict(list)
    actual: dict[Pair, list[Outcome]] = defaultdict(list)
    counted = 0
    for version in ledger_store.versions_since(db, since - THREAD_LOOKBACK):
        replayed = _replay_one(version, rules, vocabulary, kinds, replay)
        if version.seen_at < since or replayed is None:
            continue
        counted += 1
        pairs, classification = replayed
        outcome = Outcome(version.key, version.version, version.notice.title, classification.category)
        for pair in pairs:
            would[pair].append(outcome)
        for item in actual_items.get((version.key, version.version), []):
            actual[(item.kommune, item.channel)].append(outcome)
    return Backtest(rules, since, counted, tuple(_diffs(rules, would, actual)))


def _replay_one(
    version: StoredVersion,
    rules: Rules,
    vocabulary: Vocabulary | None,
    kinds: Mapping[str, str],
    replay: _Replay,
) -> tuple[set[Pair], Classification] | None:
    """Where `version` would have gone and why (its classification), or None when the poll would
    not have alerted it at all."""
    notice = version.notice
    if version.duplicate or (version.baseline and not _recent(notice, rules, version.seen_at)):
        return None
    stored = version.classification
    if kinds.get(notice.source) in DOC_KINDS and stored is not None:
        classification = stored
    else:
        classification = classify(notice, vocabulary)
    change = Change("new" if version.version == 1 else "edited", notice, version.version)
    pairs = {(alert.kommune_number, alert.channel) for alert in route(change, classification, rules)}
    if classification.category == "resolved":
        pairs = _thread(notice, classification, version.seen_at, replay) or pairs
    elif classification.category in INCIDENT_CATEGORIES:
        replay.incidents[version.key] = (notice, classification, version.seen_at)
    replay.targets[version.key] |= pairs
    return pairs, classification


def _thread(notice: Notice, classification: Classification, now: datetime, replay: _Replay) -> set[Pair]:
    """The pairs that got the incident this resolution closes (empty when none is found)."""
    since = now - THREAD_LOOKBACK
    candidates = [
        (key, incident, cls)
        for key, (incident, cls, seen_at) in replay.incidents.items()
        if (incident.published or incident.updated or seen_at) >= since
    ]
    opening = find_opening(notice, classification, candidates, now)
    return set(replay.targets.get(opening, set())) if opening else set()


def _recent(notice: Notice, rules: Rules, now: datetime) -> bool:
    days = rules.settings.baseline_alert_days
    when = notice.updated or notice.published
    return days > 0 and when is not None and now - when <= timedelta(days=days)


def _diffs(
    rules: Rules, would: dict[Pair, list[Outcome]], actual: dict[Pair, list[Outcome]]
) -> list[ChannelDiff]:
    names = {kommune.number: kommune.name for kommune in rules.kommuner} | {ADMIN_NUMBER: ADMIN_NAME}
    diffs = []
    for pair in sorted(set(would) | set(actual)):
        ids_would = {(o.key, o.version) for o in would.get(pair, [])}
        ids_actual = {(o.key, o.version) for o in actual.get(pair, [])}
        diffs.append(
            ChannelDiff(
                kommune=pair[0],
                name=names.get(pair[0]) or kommune_name(pair[0]) or pair[0],
                channel=pair[1],
                actual=len(ids_actual),
                would=len(ids_would),
                added=tuple(o for o in would.get(pair, []) if (o.key, o.version) not in ids_actual),
                dropped=tuple(o for o in actual.get(pair, []) if (o.key, o.version) not in ids_would),
            )
        )
    return diffs


def backtest_json(result: Backtest) -> dict[str, object]:
    """The `rules backtest --json` shape (README, "JSON output")."""
    added = sum(len(diff.added) for diff in result.channels)
    dropped = sum(len(diff.dropped) for diff in result.channels)
    return {
        "rules": str(result.rules.path),
        "since": local_iso(result.since),
        "versions": result.versions,
        "totals": {"added": added, "dropped": dropped},
        "channels": [
            {
                "kommune": diff.kommune,
                "name": diff.name,
                "channel": diff.channel,
                "actual": diff.actual,
                "would": diff.would,
                "added": [_outcome_json(outcome) for outcome in diff.added],
                "dropped": [_outcome_json(outcome) for outcome in diff.dropped],
            }
            for diff in result.channels
        ],
    }


def _outcome_json(outcome: Outcome) -> dict[str, object]:
    return {
        "notice_key": outcome.key,
        "version": outcome.version,
        "title": outcome.title,
        "category": outcome.category,
    }


def backtest_lines(result: Backtest) -> list[str]:
    """One line per kommune and channel (queued then / would be now, +added -dropped), then the notices."""
    lines = [
        f"{result.versions} notice versions since {local_time(result.since)} replayed through "
        f"{result.rules.path}",
        f"{'KOMMUNE':<22} {'CHANNEL':<12} {'QUEUED':>6} {'WOULD':>6} {'ADDED':>6} {'DROPPED':>7}",
    ]
    for diff in result.channels:
        who = f"{diff.name} ({diff.kommune})" if diff.kommune != ADMIN_NUMBER else diff.name
        lines.append(
            f"{who:<22} {diff.channel:<12} {diff.actual:>6} {diff.would:>6} "
            f"{len(diff.added):>6} {len(diff.dropped):>7}"
        )
        lines += [f"    + [{o.category}] {o.title} (v{o.version})" for o in diff.added]
        lines += [f"    - [{o.category}] {o.title} (v{o.version})" for o in diff.dropped]
    added = sum(len(diff.added) for diff in result.channels)
    dropped = sum(len(diff.dropped) for diff in result.channels)
    lines.append(f"{added} added, {dropped} dropped; nothing was sent")
    return lines
