"""The list of migration sets, one per store area. An area adds its `MIGRATIONS` here."""

from __future__ import annotations

from sqlite_utils import Migrations

from monitor.store import diffs, notices, outbox, probes, silences, sources

MIGRATION_SETS: list[Migrations] = [
    sources.MIGRATIONS,
    notices.MIGRATIONS,
    outbox.MIGRATIONS,
    probes.MIGRATIONS,
    diffs.MIGRATIONS,
    silences.MIGRATIONS,
]
