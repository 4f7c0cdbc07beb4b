"""The list of migration sets, one per store area. An area adds its `MIGRATIONS` here."""

from __future__ import annotations

from sqlite_utils import Migrations

from monitor.store import (
    diffs,
    digest,
    held,
    notices,
    outbox,
    overrides,
    probes,
    selfcheck,
    silences,
    sources,
    threads,
)

MIGRATION_SETS: list[Migrations] = [
    sources.MIGRATIONS,
    notices.MIGRATIONS,
    outbox.MIGRATIONS,
    probes.MIGRATIONS,
    diffs.MIGRATIONS,
    held.MIGRATIONS,
    threads.MIGRATIONS,
    selfcheck.MIGRATIONS,
    digest.MIGRATIONS,
    overrides.MIGRATIONS,
    silences.MIGRATIONS,
]
