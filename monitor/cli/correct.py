"""`driftsvarsel correct` and `driftsvarsel labels export`: admins correct the classifier.

`correct_notice` records the correction (who, when, why; every one kept), stores the corrected
classification, and re-routes at once in one transaction: kommuner newly in scope get the alert
marked "[Korrigert]", kommuner that got it wrongly get one short correction in the same thread
(Slack thread reply with a bot token, email In-Reply-To; Teams gets it as a new card). Later
edits of the notice keep the correction (the pipeline applies it after classifying).

`export_labels` writes the corrections in force as GUIDE.md label lines, to grow the evaluation set.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from monitor.catalogue.components import component_lookup
from monitor.classify import classify, load_vocabulary
from monitor.config.types import Rules
from monitor.deliver.correction import render_corrected, render_withdrawal
from monitor.errors import UserError
from monitor.model import (
    ALL_APIS,
    CATEGORIES,
    ENVIRONMENTS,
    KOMMUNE_APIS,
    Category,
    Change,
    Environment,
)
from monitor.route.corrections import reroute
from monitor.store import outbox, write_transaction
from monitor.store import overrides as override_store
from monitor.store.diffs import resolve_keys
from monitor.store.notices import NoticeVersion, notice_versions
from monitor.store.overrides import Override


@dataclass(frozen=True)
class CorrectionResult:
    key: str
    override: Override
    added: tuple[str, ...]  # "kommune/channel"
    withdrawn: tuple[str, ...]

    def summary(self) -> str:
        added = ", ".join(self.added) or "ingen"
        withdrawn = ", ".join(self.withdrawn) or "ingen"
        return (
            f"{self.key}: correction recorded ({self.override.who}, {self.override.at:%Y-%m-%d %H:%M} UTC)\n"
            f"  newly in scope, alert marked [Korrigert]: {added}\n"
            f"  alerted wrongly, correction sent in the thread: {withdrawn}"
        )


def parse_apis(text: str | None) -> tuple[str, ...] | None:
    """ "inntekt,beregnetskatt" / "*" / "none" → sorted API ids. Raises UserError naming the valid ids."""
    if text is None:
        return None
    if text.strip().lower() in ("none", "ingen", ""):
        return ()
    apis = sorted({part.strip().lower() for part in text.split(",") if part.strip()})
    if apis == [ALL_APIS]:
        return (ALL_APIS,)
    unknown = [api for api in apis if api not in KOMMUNE_APIS]
    if unknown:
        raise UserError(
            f"--apis: unknown API {', '.join(map(repr, unknown))}; give a comma-separated list of "
            f"{', '.join(KOMMUNE_APIS)}, or '*' (all), or 'none'"
        )
    return tuple(apis)


def parse_category(text: str | None) -> Category | None:
    if text is None:
        return None
    found = next((name for name in CATEGORIES if name == text.strip().lower()), None)
    if found is None:
        raise UserError(f"--category: {text!r} is not one of {', '.join(CATEGORIES)}")
    return found


def parse_environment(text: str | None) -> Environment | None:
    if text is None:
        return None
    found = next((name for name in ENVIRONMENTS if name == text.strip().lower()), None)
    if found is None:
        raise UserError(f"--environment: {text!r} is not one of {', '.join(ENVIRONMENTS)}")
    return found


def who_am_i() -> str:
    """The admin's name: $SUDO_USER (who ran sudo), else the login name."""
    try:
        return os.environ.get("SUDO_USER") or getpass.getuser()
    except (OSError, KeyError):
        return "ukjent"


def correct_notice(
    db: sqlite_utils.Database,
    rules: Rules,
    target: str,
    *,
    category: Category | None,
    apis: tuple[str, ...] | None,
    environment: Environment | None,
    reason: str,
    who: str,
    now: datetime,
) -> CorrectionResult:
    """Record a correction of the notice `target` names and queue what it owes. Raises UserError."""
    if category is None and apis is None and environment is None:
        raise UserError("nothing to correct: give --category, --apis and/or --environment")
    if not reason.strip():
        raise UserError("--reason is required: say why, for the history and for the kommuner")
    key, latest = _latest(db, target)
    override = override_store.merged(db, Override(key, category, apis, environment, reason.strip(), who, now))
    corrected = override.apply(
        classify(latest.notice, load_vocabulary(rules.vocabulary), component_lookup(rules.components))
    )
    # Newly in scope, they never saw it: the alert reads as a new one (marked "[Korrigert]").
    change = Change("new", latest.notice, latest.version)
    with write_transaction(db):
        number = len(override_store.override_history(db, key)) + 1
        plan = reroute(change, corrected, rules, override_store.current_recipients(db, key), number)
        override_store.record_override(db, override)
        override_store.replace_classification(db, key, latest.version, corrected, now)
        withdrawn_key = key + override_store.WITHDRAWN_SUFFIX
        entries = [
            outbox.OutboxEntry(
                alert.key, key, latest.version, alert.kommune_number, alert.channel,
                render_corrected(alert, override),
            )
            for alert in plan.added
        ] + [
            outbox.OutboxEntry(
                gone.key, withdrawn_key, latest.version, gone.kommune_number, gone.channel,
                render_withdrawal(latest.notice, corrected, override, kommune_name=gone.kommune_name,
                                  key=gone.key, language=rules.language_of(gone.kommune_number)),
                thread_key=gone.parent_key,
            )
            for gone in plan.withdrawn
        ]  # fmt: skip
        outbox.enqueue(db, entries, now=now)
    return CorrectionResult(
        key,
        override,
        tuple(f"{alert.kommune_number}/{alert.channel}" for alert in plan.added),
        tuple(f"{gone.kommune_number}/{gone.channel}" for gone in plan.withdrawn),
    )


def _latest(db: sqlite_utils.Database, target: str) -> tuple[str, NoticeVersion]:
    keys = resolve_keys(db, target)
    if not keys:
        raise UserError(
            f"no stored notice matches {target!r}: give a notice key ('<source>:<notice id>') or a notice id "
            "or URL (`driftsvarsel history SOURCE` lists them)"
        )
    if len(keys) > 1:
        shown = ", ".join(keys[:5]) + (" ..." if len(keys) > 5 else "")
        raise UserError(f"{target!r} matches {len(keys)} notices ({shown}); give one notice key")
    versions = notice_versions(db, keys[0])
    return keys[0], versions[-1]


def export_labels(db: sqlite_utils.Database, rules: Rules | None) -> list[str]:
    """One GUIDE.md label line per corrected notice (its latest version, correction applied)."""
    vocabulary = load_vocabulary(rules.vocabulary) if rules is not None else None
    lookup = component_lookup(rules.components if rules is not None else {})
    lines = []
    for override in override_store.current_overrides(db):
        versions = notice_versions(db, override.key)
        if not versions:
            continue
        latest = versions[-1]
        corrected = override.apply(classify(latest.notice, vocabulary, lookup))
        lines.append(json.dumps(corrected.as_label(latest.notice.notice_id), ensure_ascii=False))
    return lines
